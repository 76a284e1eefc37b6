// What bb-trace does differently on a terminal: colour (only on a TTY, never
// with NO_COLOR) and a pager for a tree taller than the screen (as git does).
// The data never changes, only how it is shown.
#pragma once

#include "bloodbank/error.hpp"

#include <string>
#include <string_view>

namespace bbtrace {

enum class ColorWhen { automatic, always, never };

// "auto", "always", "never"; anything else is ErrorKind::usage.
bb::Result<ColorWhen> parse_color_when(std::string_view text);

// NO_COLOR (set and not empty) wins; then never/always; auto means stdout is
// a terminal whose TERM is not "dumb".
bool use_color(ColorWhen when);

// The columns the tree fits in: `given` (--width) when not negative, else on
// a terminal COLUMNS when it is a positive number or the terminal's width,
// else 0 (no limit: a pipe or a file gets whole rows).
std::size_t tree_width(int given);

// Writes text to stdout. With `may_page`, stdout a terminal and text taller
// than it (in screen rows: a line wider than the terminal wraps), the text
// goes through $PAGER (default "less -FRX"; an empty PAGER or "cat" means
// none; pager.hpp). A pager that cannot run is reported on stderr and the
// text printed without it. Errors are ErrorKind::io.
bb::Result<void> show(const std::string& text, bool may_page);

} // namespace bbtrace
