// How many terminal columns text takes, as a terminal draws it: CJK and most
// emoji take two, combining marks and zero-width characters none, everything
// else one (glibc's Unicode tables, whatever the process's locale). Colour
// sequences (ESC [ ... m) take none: the tree's own colours are measured too.
// For text already made visible (visible_text.hpp): other controls count as
// one column, as do bytes that are not UTF-8.
#pragma once

#include <cstddef>
#include <string>
#include <string_view>

namespace bb {

std::size_t display_width(std::string_view text);

// The longest start of text that fits in `columns`, cut between characters
// (a combining mark stays with its base), with "…" in place of what was cut;
// text that fits is returned whole. columns 0 gives "".
std::string fit_width(std::string_view text, std::size_t columns);

// The longest start of text that fits in `columns`, cut between characters,
// with no mark of the cut (a screen line that ends at the window's edge).
std::string fit_columns(std::string_view text, std::size_t columns);

} // namespace bb
