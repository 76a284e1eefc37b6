// Untrusted text made safe for a terminal or a log line: see visible_text.hpp.
#include "bloodbank/visible_text.hpp"

#include <fmt/format.h>

#include <cstdint>

namespace bb {
namespace {

// The code point of the well-formed UTF-8 sequence at text[i] and its length,
// or length 0 when the bytes there are not one (overlong forms, surrogates
// and values above U+10FFFF included).
struct Decoded {
    char32_t code = 0;
    std::size_t length = 0;
};

Decoded decode(std::string_view text, std::size_t i) {
    auto byte = [&](std::size_t k) { return static_cast<unsigned char>(text[i + k]); };
    unsigned char lead = byte(0);
    std::size_t length = lead < 0x80                    ? 1
                         : lead >= 0xC2 && lead <= 0xDF ? 2
                         : lead >= 0xE0 && lead <= 0xEF ? 3
                         : lead >= 0xF0 && lead <= 0xF4 ? 4
                                                        : 0;
    if (length == 0 || i + length > text.size())
        return {};
    char32_t code = length == 1 ? lead : lead & (0x7F >> length);
    for (std::size_t k = 1; k < length; ++k) {
        if ((byte(k) & 0xC0) != 0x80)
            return {};
        code = (code << 6) | (byte(k) & 0x3F);
    }
    static constexpr char32_t smallest[] = {0, 0, 0x80, 0x800, 0x10000};
    if (code < smallest[length] || code > 0x10FFFF || (code >= 0xD800 && code <= 0xDFFF))
        return {};
    return {code, length};
}

// Code points that steer a terminal or the direction of the text around them.
bool is_steering(char32_t code) {
    return code < 0x20 || code == 0x7F || (code >= 0x80 && code <= 0x9F) || code == 0x061C ||
           code == 0x200E || code == 0x200F || (code >= 0x202A && code <= 0x202E) ||
           (code >= 0x2066 && code <= 0x2069);
}

} // namespace

void append_visible_text(std::string& out, std::string_view text) {
    std::size_t i = 0;
    while (i < text.size()) {
        Decoded d = decode(text, i);
        if (d.length == 0) {
            out += fmt::format("\\x{:02x}", static_cast<unsigned char>(text[i]));
            ++i;
            continue;
        }
        if (!is_steering(d.code)) {
            out.append(text, i, d.length);
        } else if (d.code == '\n') {
            out += "\\n";
        } else if (d.code == '\r') {
            out += "\\r";
        } else if (d.code == '\t') {
            out += "\\t";
        } else if (d.code < 0x80) {
            out += fmt::format("\\x{:02x}", static_cast<std::uint32_t>(d.code));
        } else {
            out += fmt::format("\\u{:04x}", static_cast<std::uint32_t>(d.code));
        }
        i += d.length;
    }
}

std::string visible_text(std::string_view text) {
    std::string out;
    out.reserve(text.size());
    append_visible_text(out, text);
    return out;
}

} // namespace bb
