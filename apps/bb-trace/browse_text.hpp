// Text for the browser's screen: untrusted text made visible, then cut to a
// number of terminal columns (wide characters count two).
#pragma once

#include <string>
#include <string_view>

namespace bbtrace {

// The longest prefix of `utf8` that fills at most `columns` columns.
std::string fit_columns(std::string_view utf8, int columns);

// bb::visible_text(text), then fit_columns.
std::string shown(std::string_view text, int columns);

} // namespace bbtrace
