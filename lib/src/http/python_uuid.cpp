// Path ids as the Python service reads them, with uuid.UUID(): see
// parse_uuid_as_python in http_api.hpp. The steps follow UUID.__init__:
// drop "urn:" and "uuid:", strip braces, drop dashes, require 32
// characters, then read them with int(hex, 16).
#include "bloodbank/hex.hpp"
#include "bloodbank/http_api.hpp"

#include <algorithm>
#include <vector>

namespace bb {
namespace {

// Python's str.replace(part, ""): every occurrence, left to right.
std::string without(std::string text, std::string_view part) {
    std::string out;
    std::size_t pos = 0;
    for (std::size_t found; (found = text.find(part, pos)) != std::string::npos;
         pos = found + part.size())
        out.append(text, pos, found - pos);
    out.append(text, pos, std::string::npos);
    return out;
}

// The ASCII characters int() skips around a number.
bool is_python_space(char c) {
    return c == ' ' || (c >= '\t' && c <= '\r');
}

// int(text, 16) as hex digits, most significant first; nullopt where
// Python raises ValueError. A '-' sign cannot reach here (dashes are gone).
std::optional<std::vector<int>> python_hex_digits(std::string_view text) {
    while (!text.empty() && is_python_space(text.front()))
        text.remove_prefix(1);
    while (!text.empty() && is_python_space(text.back()))
        text.remove_suffix(1);
    if (!text.empty() && text.front() == '+')
        text.remove_prefix(1);
    // After a 0x prefix an underscore may come first ("0x_1f"), as in literals.
    bool underscore_allowed = false;
    if (text.size() >= 2 && text[0] == '0' && (text[1] == 'x' || text[1] == 'X')) {
        text.remove_prefix(2);
        underscore_allowed = true;
    }
    std::vector<int> digits;
    for (char c : text) {
        if (c == '_' && underscore_allowed) {
            underscore_allowed = false;
            continue;
        }
        int digit = hex_digit_value(c);
        if (digit < 0)
            return std::nullopt;
        digits.push_back(digit);
        underscore_allowed = true;
    }
    if (digits.empty() || (!text.empty() && text.back() == '_'))
        return std::nullopt;
    return digits;
}

} // namespace

std::optional<Uuid> parse_uuid_as_python(std::string_view text) {
    std::string hex = without(without(std::string(text), "urn:"), "uuid:");
    std::size_t first = hex.find_first_not_of("{}");
    hex = first == std::string::npos ? std::string()
                                     : hex.substr(first, hex.find_last_not_of("{}") - first + 1);
    hex.erase(std::remove(hex.begin(), hex.end(), '-'), hex.end());
    if (hex.size() != 32)
        return std::nullopt;
    auto digits = python_hex_digits(hex);
    if (!digits)
        return std::nullopt;
    // At most 32 digits, so the value always fits 128 bits; right-aligned.
    Uuid id;
    std::size_t shift = 32 - digits->size();
    for (std::size_t i = 0; i < digits->size(); ++i) {
        std::size_t nibble = shift + i;
        id.bytes[nibble / 2] |= static_cast<std::uint8_t>((*digits)[i] << (nibble % 2 ? 0 : 4));
    }
    return id;
}

} // namespace bb
