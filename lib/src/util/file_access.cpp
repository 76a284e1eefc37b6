#include "util/file_access.hpp"

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

Result<int> open_for_reading(const std::string& path) {
    int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
    int error = fd < 0 ? errno : 0;
    struct stat info {};
    if (fd >= 0 && ::fstat(fd, &info) != 0)
        error = errno;
    else if (fd >= 0 && S_ISDIR(info.st_mode))
        error = EISDIR; // open() takes a directory; reading it would fail less clearly
    if (error == 0)
        return fd;
    if (fd >= 0)
        ::close(fd);
    return make_error(error == ENOENT ? ErrorKind::not_found : ErrorKind::io,
                      fmt::format("{}: {}", path, errno_text(error)));
}

Result<std::string> read_file_text(const std::string& path, std::size_t max_bytes) {
    auto fd = open_for_reading(path);
    if (!fd)
        return fd.error();
    std::string text;
    char buffer[64 * 1024];
    int error = 0;
    while (text.size() <= max_bytes) {
        std::size_t left = max_bytes - text.size(); // one more shows it is too large
        std::size_t want = left < sizeof buffer ? left + 1 : sizeof buffer;
        ssize_t n = ::read(*fd, buffer, want);
        if (n < 0 && errno == EINTR)
            continue;
        if (n < 0)
            error = errno;
        if (n <= 0)
            break;
        text.append(buffer, static_cast<std::size_t>(n));
    }
    ::close(*fd);
    if (error != 0)
        return make_error(ErrorKind::io, fmt::format("{}: {}", path, errno_text(error)));
    return text;
}

} // namespace bb
