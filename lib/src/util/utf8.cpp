#include "bloodbank/utf8.hpp"

#include <fmt/format.h>

namespace bb {

char32_t utf8_code_point(std::string_view text, std::size_t i, std::size_t length) {
    auto lead = static_cast<unsigned char>(text[i]);
    char32_t code = length == 1 ? lead : lead & (0x7F >> length);
    for (std::size_t k = 1; k < length; ++k)
        code = (code << 6) | (static_cast<unsigned char>(text[i + k]) & 0x3F);
    return code;
}

std::size_t utf8_sequence_length(std::string_view text, std::size_t i) {
    const auto* s = reinterpret_cast<const unsigned char*>(text.data());
    std::size_t n = text.size();
    unsigned char b = s[i];
    if (b < 0x80)
        return 1;
    std::size_t length = 0;
    unsigned char low = 0x80, high = 0xbf; // allowed range of the second byte
    if (b >= 0xc2 && b <= 0xdf) {
        length = 2;
    } else if (b >= 0xe0 && b <= 0xef) {
        length = 3;
        if (b == 0xe0)
            low = 0xa0; // no overlong forms
        if (b == 0xed)
            high = 0x9f; // no UTF-16 surrogates
    } else if (b >= 0xf0 && b <= 0xf4) {
        length = 4;
        if (b == 0xf0)
            low = 0x90;
        if (b == 0xf4)
            high = 0x8f; // nothing above U+10FFFF
    } else {
        return 0;
    }
    if (i + length > n || s[i + 1] < low || s[i + 1] > high)
        return 0;
    for (std::size_t k = 2; k < length; ++k)
        if ((s[i + k] & 0xc0) != 0x80)
            return 0;
    return length;
}

std::optional<std::size_t> find_invalid_utf8(std::string_view text) {
    const auto* s = reinterpret_cast<const unsigned char*>(text.data());
    std::size_t n = text.size();
    std::size_t i = 0;
    while (i < n) {
        if (s[i] < 0x80) { // the common case, without a call
            ++i;
            continue;
        }
        std::size_t length = utf8_sequence_length(text, i);
        if (length == 0)
            return i;
        i += length;
    }
    return std::nullopt;
}

Result<void> check_utf8(std::string_view text) {
    if (auto bad = find_invalid_utf8(text))
        return make_error(ErrorKind::data, fmt::format("invalid UTF-8 at byte {}", *bad));
    return {};
}

} // namespace bb
