#include "envelope/json.hpp"

#include "bloodbank/json.hpp"
#include "bloodbank/utf8.hpp"

#include <fmt/format.h>

#include <array>

namespace bb::envelope_json {
namespace {

// For each byte: 0 = copy as is, otherwise the letter after the backslash
// ('u' meaning \u00xx).
constexpr std::array<char, 256> escape_table = [] {
    std::array<char, 256> table{};
    for (int c = 0; c < 0x20; ++c)
        table[c] = 'u';
    table['\b'] = 'b';
    table['\f'] = 'f';
    table['\n'] = 'n';
    table['\r'] = 'r';
    table['\t'] = 't';
    table['"'] = '"';
    table['\\'] = '\\';
    return table;
}();

constexpr std::size_t message_value_limit = 64;

// The length of the UTF-8 sequence that starts with byte b (1 for stray bytes).
std::size_t sequence_length(unsigned char b) {
    if (b < 0xc0)
        return 1;
    if (b < 0xe0)
        return 2;
    if (b < 0xf0)
        return 3;
    return 4;
}

} // namespace

void append_string(std::string& out, std::string_view s) {
    static constexpr char hex[] = "0123456789abcdef";
    out.push_back('"');
    std::size_t run = 0; // start of the bytes not yet copied
    for (std::size_t i = 0; i < s.size(); ++i) {
        auto byte = static_cast<unsigned char>(s[i]);
        char escape = escape_table[byte];
        if (escape == 0)
            continue;
        out.append(s.data() + run, i - run);
        run = i + 1;
        out.push_back('\\');
        out.push_back(escape);
        if (escape == 'u') {
            out.append("00", 2);
            out.push_back(hex[byte >> 4]);
            out.push_back(hex[byte & 0xf]);
        }
    }
    out.append(s.data() + run, s.size() - run);
    out.push_back('"');
}

std::string quoted(std::string_view value) {
    std::string out;
    if (value.size() <= message_value_limit) {
        append_string(out, value);
        return out;
    }
    std::size_t cut = 0;
    while (cut < value.size()) {
        std::size_t next = cut + sequence_length(static_cast<unsigned char>(value[cut]));
        if (next > message_value_limit)
            break;
        cut = next;
    }
    append_string(out, value.substr(0, cut));
    out += "...";
    return out;
}

std::string key_name(std::string_view key) {
    bool plain = !key.empty() && !find_invalid_utf8(key);
    for (char c : key) {
        auto byte = static_cast<unsigned char>(c);
        if (byte <= 0x20 || byte == 0x7f || c == '"' || c == '\\')
            plain = false;
    }
    return plain && key.size() <= message_value_limit ? std::string(key) : quoted(key);
}

Error field_error(std::string_view path, std::string_view problem) {
    return make_error(ErrorKind::data, fmt::format("{}: {}", path, problem));
}

Error type_error(std::string_view path, std::string_view what, const rapidjson::Value& value) {
    return make_error(ErrorKind::data,
                      fmt::format("{}: expected {}, got {}", path, what, json_type_name(value)));
}

std::string join_path(std::string_view parent, std::string_view field) {
    if (parent.empty())
        return std::string(field);
    std::string path;
    path.reserve(parent.size() + 1 + field.size());
    path.append(parent).append(1, '.').append(field);
    return path;
}

std::string index_path(std::string_view parent, std::size_t index) {
    return fmt::format("{}[{}]", parent, index);
}

} // namespace bb::envelope_json
