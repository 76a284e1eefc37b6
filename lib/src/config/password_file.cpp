// Passwords kept in a file (a mounted secret, a file only its owner reads), so
// that they are neither typed on a command line, where `ps` shows them, nor
// kept in the environment. A pipe is read too, for `--password-file <(vault
// read ...)`, without waiting for ever (read_file_text).
#include "bloodbank/config.hpp"
#include "bloodbank/file_access.hpp"

#include <fmt/format.h>

namespace bb {
namespace {

// A password file holds one short line; anything this big is the wrong file.
constexpr std::size_t max_password_file_bytes = 64 * 1024;

} // namespace

Result<std::string> read_password_file(const std::string& path) {
    if (path.empty())
        return make_error(ErrorKind::usage, "the password file name is empty");
    auto text = read_file_text(path, max_password_file_bytes, FileKind::regular_or_pipe);
    if (!text)
        return text.error();
    if (text->size() > max_password_file_bytes)
        return make_error(ErrorKind::usage,
                          fmt::format("{}: larger than 64 KiB, not a password file", path));
    // The first line, without its "\n" or "\r\n": editors and `echo` end the
    // line, and the line end is never part of the password.
    std::string password = text->substr(0, text->find('\n'));
    if (!password.empty() && password.back() == '\r')
        password.pop_back();
    if (password.empty())
        return make_error(ErrorKind::usage, fmt::format("{}: the first line is empty", path));
    if (password.find('\0') != std::string::npos)
        return make_error(ErrorKind::usage,
                          fmt::format("{}: the first line holds a NUL byte", path));
    return password;
}

} // namespace bb
