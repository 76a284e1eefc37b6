// Untrusted text made safe for a terminal or a log line: see visible_text.hpp.
#include "bloodbank/visible_text.hpp"

#include "bloodbank/utf8.hpp"

#include <fmt/format.h>

#include <cstdint>

namespace bb {
namespace {

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
        std::size_t length = utf8_sequence_length(text, i);
        if (length == 0) {
            out += fmt::format("\\x{:02x}", static_cast<unsigned char>(text[i]));
            ++i;
            continue;
        }
        char32_t code = utf8_code_point(text, i, length);
        if (!is_steering(code)) {
            out.append(text, i, length);
        } else if (code == '\n') {
            out += "\\n";
        } else if (code == '\r') {
            out += "\\r";
        } else if (code == '\t') {
            out += "\\t";
        } else if (code < 0x80) {
            out += fmt::format("\\x{:02x}", static_cast<std::uint32_t>(code));
        } else {
            out += fmt::format("\\u{:04x}", static_cast<std::uint32_t>(code));
        }
        i += length;
    }
}

std::string visible_text(std::string_view text) {
    std::string out;
    out.reserve(text.size());
    append_visible_text(out, text);
    return out;
}

} // namespace bb
