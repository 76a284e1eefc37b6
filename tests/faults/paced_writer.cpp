#include "faults/paced_writer.hpp"

#include <algorithm>
#include <cerrno>
#include <chrono>
#include <csignal>
#include <fcntl.h>
#include <poll.h>
#include <stdexcept>
#include <sys/stat.h>
#include <unistd.h>

namespace bbtest::faults {

std::string make_fifo(const std::string& dir, const std::string& name) {
    std::string path = dir + "/" + name;
    if (mkfifo(path.c_str(), 0600) != 0)
        throw std::runtime_error("mkfifo " + path + " failed");
    return path;
}

PacedWriter::PacedWriter(std::string fifo, const std::vector<std::string>& lines,
                         double lines_per_second, std::size_t hold_at)
    : fifo_(std::move(fifo)), rate_(lines_per_second), hold_(hold_at) {
    for (const auto& line : lines) {
        text_ += line;
        text_ += '\n';
        ends_.push_back(text_.size());
    }
    // A reader that goes away must turn into EPIPE here, not kill the tests.
    std::signal(SIGPIPE, SIG_IGN);
    thread_ = std::thread([this] { run(); });
}

PacedWriter::~PacedWriter() {
    stop();
}

void PacedWriter::stop() {
    stopping_ = true;
    if (thread_.joinable())
        thread_.join();
}

void PacedWriter::run() {
    using clock = std::chrono::steady_clock;
    // Non-blocking open: ENXIO until the reader has the pipe open, and a
    // reader that never comes (a process that failed at once) cannot hang us.
    // Close-on-exec: no other child may hold the pipe open past our close.
    int fd = -1;
    while (!stopping_) {
        fd = open(fifo_.c_str(), O_WRONLY | O_NONBLOCK | O_CLOEXEC);
        if (fd >= 0 || errno != ENXIO)
            break;
        std::this_thread::sleep_for(std::chrono::milliseconds(10));
    }
    if (fd < 0)
        return;

    std::size_t offset = 0;
    double allowed = 0; // lines the pace allows by now
    auto last = clock::now();
    while (!stopping_ && offset < text_.size()) {
        auto now = clock::now();
        double elapsed = std::chrono::duration<double>(now - last).count();
        last = now;
        // After a stall (the reader stopped reading) go on at the pace, without a burst.
        allowed = std::min(allowed + rate_ * elapsed, double(written_) + rate_ * 0.1);
        std::size_t lines =
            std::min({static_cast<std::size_t>(allowed), ends_.size(), hold_.load()});
        std::size_t target = lines == 0 ? 0 : ends_[lines - 1];
        if (offset >= target) {
            std::this_thread::sleep_for(std::chrono::milliseconds(5));
            continue;
        }
        pollfd p{fd, POLLOUT, 0};
        if (poll(&p, 1, 50) <= 0)
            continue;
        ssize_t n = write(fd, text_.data() + offset, target - offset);
        if (n < 0) {
            if (errno == EAGAIN || errno == EINTR)
                continue;
            break; // EPIPE: the reader is gone
        }
        offset += static_cast<std::size_t>(n);
        written_ = static_cast<std::size_t>(std::upper_bound(ends_.begin(), ends_.end(), offset) -
                                            ends_.begin());
    }
    finished_ = offset == text_.size();
    close(fd);
}

} // namespace bbtest::faults
