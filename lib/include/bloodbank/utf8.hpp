// UTF-8 validity, checked one way everywhere: what Python's
// str.encode("utf-8") can produce, so that any text we accept the Python side
// can hold in a str. No overlong forms, no UTF-16 surrogates, nothing beyond
// U+10FFFF.
#pragma once

#include "bloodbank/error.hpp"

#include <cstddef>
#include <optional>
#include <string_view>

namespace bb {

// The length (1 to 4) of the valid UTF-8 sequence starting at text[i], or 0
// when the bytes there are not one. i < text.size().
std::size_t utf8_sequence_length(std::string_view text, std::size_t i);

// The code point of the valid sequence of `length` bytes at text[i], as
// utf8_sequence_length measured it.
char32_t utf8_code_point(std::string_view text, std::size_t i, std::size_t length);

// The byte offset (0-based) of the first invalid sequence, or nullopt.
std::optional<std::size_t> find_invalid_utf8(std::string_view text);

// The same as an error: ErrorKind::data "invalid UTF-8 at byte N"; callers
// put the name of what they checked in front.
Result<void> check_utf8(std::string_view text);

} // namespace bb
