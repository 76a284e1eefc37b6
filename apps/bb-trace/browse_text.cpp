#include "browse_text.hpp"

#include "bloodbank/display_width.hpp"
#include "bloodbank/visible_text.hpp"

namespace bbtrace {

std::string shown(std::string_view text, int columns) {
    return bb::fit_columns(bb::visible_text(text), columns);
}

} // namespace bbtrace
