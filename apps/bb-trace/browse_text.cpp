#include "browse_text.hpp"

#include "bloodbank/utf8.hpp"
#include "bloodbank/visible_text.hpp"

#include <cwchar>

namespace bbtrace {

std::string fit_columns(std::string_view utf8, int columns) {
    std::size_t used = 0;
    int width = 0;
    while (used < utf8.size()) {
        std::size_t length = bb::utf8_sequence_length(utf8, used);
        if (length == 0)
            break; // visible_text leaves no invalid bytes; stop rather than guess
        std::mbstate_t state{};
        wchar_t wide = 0;
        int cells = 1;
        if (std::mbrtowc(&wide, utf8.data() + used, length, &state) == length)
            if (int w = ::wcwidth(wide); w >= 0)
                cells = w;
        if (width + cells > columns)
            break;
        width += cells;
        used += length;
    }
    return std::string(utf8.substr(0, used));
}

std::string shown(std::string_view text, int columns) {
    return fit_columns(bb::visible_text(text), columns);
}

} // namespace bbtrace
