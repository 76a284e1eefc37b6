// Hex digits and %XX escapes, read the same way wherever they occur: UUIDs,
// URLs, HTTP request targets.
#pragma once

#include <string>
#include <string_view>

namespace bb {

// 0 to 15 for a hex digit in either case, -1 for anything else.
int hex_digit_value(char c);

// %XX decoded; a % not followed by two hex digits stays as written, as
// Python's urllib.parse.unquote leaves it. `plus_is_space` for query strings
// (unquote_plus).
std::string percent_decode(std::string_view text, bool plus_is_space = false);

} // namespace bb
