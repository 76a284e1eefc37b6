// Splitting a program's output into lines, for unit and integration tests.
#pragma once

#include <string>
#include <string_view>
#include <vector>

namespace bbtest {

// The lines of text without their '\n'; a final newline ends the last line
// rather than starting an empty one.
inline std::vector<std::string> split_lines(std::string_view text) {
    std::vector<std::string> lines;
    while (!text.empty()) {
        std::size_t end = text.find('\n');
        lines.emplace_back(text.substr(0, end));
        text.remove_prefix(end == std::string_view::npos ? text.size() : end + 1);
    }
    return lines;
}

} // namespace bbtest
