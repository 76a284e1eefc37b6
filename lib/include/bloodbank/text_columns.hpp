// Text cut to a number of terminal columns, as a screen shows it: a wide
// character (CJK, most emoji) takes two columns, a combining mark none. The
// widths are the C library's wcwidth() under the current LC_CTYPE, which a
// program drawing UTF-8 sets from the environment; a character it does not
// know counts one column.
#pragma once

#include <string>
#include <string_view>

namespace bb {

// The longest prefix of `utf8` that fills at most `columns` columns. Stops
// at the first byte that is not UTF-8 (visible_text leaves none).
std::string fit_columns(std::string_view utf8, int columns);

} // namespace bb
