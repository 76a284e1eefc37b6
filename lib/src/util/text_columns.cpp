// Cutting text by display width: see text_columns.hpp.
#include "bloodbank/text_columns.hpp"

#include "bloodbank/utf8.hpp"

#include <cwchar>

namespace bb {

std::string fit_columns(std::string_view utf8, int columns) {
    std::size_t used = 0;
    int width = 0;
    while (used < utf8.size()) {
        std::size_t length = utf8_sequence_length(utf8, used);
        if (length == 0)
            break;
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

} // namespace bb
