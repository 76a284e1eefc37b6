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

// Writes text to stdout. With `may_page`, stdout a terminal and text taller
// than it, the text goes through $PAGER (default "less -FRX"; an empty PAGER
// or "cat" means none). Errors are ErrorKind::io.
bb::Result<void> show(const std::string& text, bool may_page);

} // namespace bbtrace
