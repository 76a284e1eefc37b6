#include "bloodbank/file_access.hpp"

#include "bloodbank/stop_signals.hpp"

#include <fmt/format.h>

#include <cerrno>
#include <cstring>
#include <fcntl.h>
#include <poll.h>
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

OpenedInput open_input(const std::string& path, FileKind kind) {
    int flags = O_RDONLY | O_CLOEXEC | (kind == FileKind::any ? 0 : O_NONBLOCK);
    OpenedInput opened{UniqueFd(::open(path.c_str(), flags))};
    struct stat info {};
    if (!opened.fd)
        opened.error = errno;
    else if (::fstat(opened.fd.get(), &info) != 0)
        opened.error = errno;
    else if (S_ISDIR(info.st_mode))
        opened.error = EISDIR;
    else if (kind == FileKind::regular_or_pipe && S_ISFIFO(info.st_mode))
        opened.pipe = true;
    else if (kind != FileKind::any && !S_ISREG(info.st_mode))
        opened.error = not_a_regular_file;
    if (opened.error != 0)
        opened.fd.reset();
    return opened;
}

ErrorKind open_error_kind(int error) {
    return error == ENOENT ? ErrorKind::not_found : ErrorKind::io;
}

Error open_error(const std::string& path, int error) {
    return make_error(
        open_error_kind(error),
        fmt::format("{}: {}", path,
                    error == not_a_regular_file ? "not a regular file" : errno_text(error)));
}

namespace {

// A pipe has nothing to read yet: wait for its writer (see read_file_text).
Result<void> wait_for_pipe(const std::string& path, int fd,
                           std::chrono::steady_clock::time_point deadline) {
    switch (wait_ready(fd, POLLIN, deadline)) {
    case WaitResult::ready:
        return {};
    case WaitResult::stopped:
        return make_error(ErrorKind::io,
                          fmt::format("{}: stopped by {} while waiting for the pipe's writer", path,
                                      signal_name(stop_requested())));
    case WaitResult::timed_out:
        break;
    }
    return make_error(ErrorKind::io, fmt::format("{}: the pipe's writer did not finish within {} s",
                                                 path, pipe_read_timeout.count()));
}

} // namespace

Result<std::string> read_file_text(const std::string& path, std::size_t max_bytes, FileKind kind) {
    OpenedInput input = open_input(path, kind);
    if (!input.fd)
        return open_error(path, input.error);
    auto deadline = std::chrono::steady_clock::now() + pipe_read_timeout;
    std::string text;
    char buffer[64 * 1024];
    while (text.size() <= max_bytes) {
        std::size_t left = max_bytes - text.size(); // one more shows it is too large
        std::size_t want = left < sizeof buffer ? left + 1 : sizeof buffer;
        ssize_t n = ::read(input.fd.get(), buffer, want);
        if (n < 0 && errno == EINTR)
            continue;
        if (n < 0 && errno == EAGAIN && input.pipe) {
            if (auto waited = wait_for_pipe(path, input.fd.get(), deadline); !waited)
                return waited.error();
            continue;
        }
        if (n < 0)
            return make_error(ErrorKind::io, fmt::format("{}: {}", path, errno_text(errno)));
        if (n == 0)
            break;
        text.append(buffer, static_cast<std::size_t>(n));
    }
    // A FIFO opened without a writer reads as empty at once.
    if (input.pipe && text.empty())
        return make_error(ErrorKind::io,
                          fmt::format("{}: a pipe or FIFO that nothing writes to (not a regular "
                                      "file)",
                                      path));
    return text;
}

} // namespace bb
