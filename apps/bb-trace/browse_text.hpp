// Text from Redis for the browser's screen.
#pragma once

#include <string>
#include <string_view>

namespace bbtrace {

// bb::visible_text(text) cut to `columns` terminal columns.
std::string shown(std::string_view text, int columns);

} // namespace bbtrace
