// Terminal columns of text: see display_width.hpp.
#include "bloodbank/display_width.hpp"

#include "bloodbank/utf8.hpp"

#include <clocale>
#include <cwchar>
#include <locale.h>

namespace bb {
namespace {

// wcwidth() answers for the calling thread's locale: ask C.UTF-8 (always
// present in glibc) without changing the locale the rest of the process sees.
int columns_of(char32_t code) {
    static locale_t utf8 = newlocale(LC_CTYPE_MASK, "C.UTF-8", locale_t{});
    if (code < 0x80 || !utf8)
        return 1;
    locale_t previous = uselocale(utf8);
    int width = wcwidth(static_cast<wchar_t>(code));
    uselocale(previous);
    return width < 0 ? 1 : width;
}

// The length of the colour sequence at text[i], or 0.
std::size_t sgr_length(std::string_view text, std::size_t i) {
    if (text[i] != '\x1b' || i + 1 >= text.size() || text[i + 1] != '[')
        return 0;
    std::size_t end = text.find_first_not_of("0123456789;", i + 2);
    return end != std::string_view::npos && text[end] == 'm' ? end + 1 - i : 0;
}

// One step through text: its length in bytes and its columns.
struct Step {
    std::size_t bytes;
    std::size_t columns;
};

Step step_at(std::string_view text, std::size_t i) {
    if (std::size_t sgr = sgr_length(text, i))
        return {sgr, 0};
    std::size_t length = utf8_sequence_length(text, i);
    if (length == 0)
        return {1, 1};
    return {length, static_cast<std::size_t>(columns_of(utf8_code_point(text, i, length)))};
}

} // namespace

std::size_t display_width(std::string_view text) {
    std::size_t width = 0;
    for (std::size_t i = 0; i < text.size();) {
        Step s = step_at(text, i);
        width += s.columns;
        i += s.bytes;
    }
    return width;
}

namespace {

// The bytes of the longest start of text within `columns`; zero-width marks
// after it belong to the character before them and stay.
std::size_t prefix_within(std::string_view text, std::size_t columns) {
    std::size_t width = 0, i = 0;
    while (i < text.size()) {
        Step s = step_at(text, i);
        if (width + s.columns > columns)
            break;
        width += s.columns;
        i += s.bytes;
    }
    while (i < text.size() && step_at(text, i).columns == 0 && !sgr_length(text, i))
        i += step_at(text, i).bytes;
    return i;
}

} // namespace

std::string fit_width(std::string_view text, std::size_t columns) {
    if (display_width(text) <= columns)
        return std::string(text);
    if (columns == 0)
        return "";
    // Room for the "…".
    return std::string(text.substr(0, prefix_within(text, columns - 1))) + "\xe2\x80\xa6";
}

std::string fit_columns(std::string_view text, std::size_t columns) {
    return std::string(text.substr(0, prefix_within(text, columns)));
}

} // namespace bb
