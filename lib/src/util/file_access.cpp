#include "bloodbank/file_access.hpp"

#include <fmt/format.h>

#include <cerrno>
#include <cstring>
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

namespace bb {

std::string errno_text(int error) {
    std::string text = std::strerror(error);
    // "Connection refused" reads better lowercased; an acronym ("EOF") does not.
    if (!text.empty() && text[0] >= 'A' && text[0] <= 'Z' &&
        !(text.size() > 1 && text[1] >= 'A' && text[1] <= 'Z'))
        text[0] = static_cast<char>(text[0] - 'A' + 'a');
    return text;
}

OpenedInput open_input(const std::string& path) {
    OpenedInput opened{UniqueFd(::open(path.c_str(), O_RDONLY | O_CLOEXEC))};
    struct stat info {};
    if (!opened.fd)
        opened.error = errno;
    else if (::fstat(opened.fd.get(), &info) != 0)
        opened.error = errno;
    else if (S_ISDIR(info.st_mode))
        opened.error = EISDIR;
    if (opened.error != 0)
        opened.fd.reset();
    return opened;
}

ErrorKind open_error_kind(int error) {
    return error == ENOENT ? ErrorKind::not_found : ErrorKind::io;
}

Error open_error(const std::string& path, int error) {
    return make_error(open_error_kind(error), fmt::format("{}: {}", path, errno_text(error)));
}

Result<std::string> read_file_text(const std::string& path, std::size_t max_bytes) {
    OpenedInput input = open_input(path);
    if (!input.fd)
        return open_error(path, input.error);
    std::string text;
    char buffer[64 * 1024];
    while (text.size() <= max_bytes) {
        std::size_t left = max_bytes - text.size(); // one more shows it is too large
        std::size_t want = left < sizeof buffer ? left + 1 : sizeof buffer;
        ssize_t n = ::read(input.fd.get(), buffer, want);
        if (n < 0 && errno == EINTR)
            continue;
        if (n < 0)
            return make_error(ErrorKind::io, fmt::format("{}: {}", path, errno_text(errno)));
        if (n == 0)
            break;
        text.append(buffer, static_cast<std::size_t>(n));
    }
    return text;
}

} // namespace bb
