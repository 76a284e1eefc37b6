// Words for a POSIX shell command line: see shell_quote.hpp.
#include "bloodbank/shell_quote.hpp"

namespace bb {
namespace {

bool shell_literal(char c) {
    auto u = static_cast<unsigned char>(c);
    bool alnum = (u >= 'a' && u <= 'z') || (u >= 'A' && u <= 'Z') || (u >= '0' && u <= '9');
    return alnum || std::string_view("@%+=:,./_-").find(c) != std::string_view::npos;
}

} // namespace

std::string shell_quote(std::string_view word) {
    bool literal = !word.empty();
    for (char c : word)
        literal = literal && shell_literal(c);
    if (literal)
        return std::string(word);
    // Inside single quotes everything is literal but the quote itself, which
    // closes them, is written escaped, and they open again.
    std::string out = "'";
    for (char c : word) {
        if (c == '\'')
            out += "'\\''";
        else
            out += c;
    }
    out += '\'';
    return out;
}

} // namespace bb
