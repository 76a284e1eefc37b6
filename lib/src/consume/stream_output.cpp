#include "consume/stream_output.hpp"

#include "bloodbank/file_access.hpp"
#include "bloodbank/write_all.hpp"

#include <cerrno>
#include <poll.h>
#include <sys/ioctl.h>
#include <sys/stat.h>

namespace bb::consume_detail {

StreamOutput::StreamOutput(int fd) : fd_(fd) {
    struct stat st {};
    paced_ = ::fstat(fd, &st) == 0 && S_ISFIFO(st.st_mode);
}

Result<bool> StreamOutput::write(std::string_view lines) {
    if (gone_)
        return false;
    int error = write_all(fd_, lines);
    if (error == 0)
        return true;
    if (error == EPIPE) {
        gone_ = true;
        return false;
    }
    return make_error(ErrorKind::io, "cannot write to stdout: " + errno_text(error));
}

bool StreamOutput::drained() {
    if (gone_)
        return false;
    // Asked first: a reader that took the line and then exited (head -n 3)
    // has it, even though the pipe is closed now.
    int unread = 0;
    if (::ioctl(fd_, FIONREAD, &unread) != 0)
        return true; // not a pipe after all: written is read
    if (unread == 0)
        return true;
    pollfd p{fd_, POLLOUT, 0};
    if (::poll(&p, 1, 0) == 1 && (p.revents & (POLLERR | POLLHUP)))
        gone_ = true; // the read end is closed: what is still in the pipe is lost
    return false;
}

} // namespace bb::consume_detail
