// What a terminal would obey in a program's output, for the tests that feed
// hostile strings through it.
#pragma once

#include <string>

namespace bbtest {

// Every byte a terminal could act on, but the line feeds ending the rows and
// (when `sgr` is allowed) complete colour sequences of the form ESC [ digits;... m.
inline std::string steering_bytes(const std::string& text, bool sgr = false) {
    std::string found;
    for (std::size_t i = 0; i < text.size(); ++i) {
        auto c = static_cast<unsigned char>(text[i]);
        if (sgr && c == 0x1b && i + 1 < text.size() && text[i + 1] == '[') {
            std::size_t end = text.find_first_not_of("0123456789;", i + 2);
            if (end != std::string::npos && text[end] == 'm') {
                i = end;
                continue;
            }
        }
        if ((c < 0x20 && c != '\n') || c == 0x7f)
            found += "\\x" + std::to_string(c) + " at " + std::to_string(i) + "; ";
    }
    // U+202E RIGHT-TO-LEFT OVERRIDE and U+009B (CSI) as UTF-8.
    if (text.find("\xe2\x80\xae") != std::string::npos)
        found += "U+202E; ";
    if (text.find("\xc2\x9b") != std::string::npos)
        found += "U+009B; ";
    return found;
}

} // namespace bbtest
