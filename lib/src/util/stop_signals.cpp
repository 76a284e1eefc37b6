// Self-pipe signal handling: see stop_signals.hpp.
#include "bloodbank/stop_signals.hpp"

#include <algorithm>
#include <atomic>
#include <cerrno>
#include <csignal>
#include <fcntl.h>
#include <poll.h>
#include <stdexcept>
#include <sys/socket.h>
#include <unistd.h>

namespace bb {
namespace {

std::atomic<int> received{0};
std::atomic<int> first_signal{0};
std::atomic<int> cut_fd{-1}; // CutOnStop's socket, -1 when none
std::atomic<const StopSignals*> installed_signals{nullptr};
int write_fd = -1;

static_assert(std::atomic<int>::is_always_lock_free, "used in a signal handler");

extern "C" void on_stop_signal(int signal) {
    int saved_errno = errno; // the interrupted code may be about to read it
    int expected = 0;
    first_signal.compare_exchange_strong(expected, signal);
    received.fetch_add(1);
    if (write_fd >= 0) {
        char byte = 1;
        // Async-signal-safe; a full pipe already wakes the reader.
        [[maybe_unused]] auto n = ::write(write_fd, &byte, 1);
    }
    if (int fd = cut_fd.load(); fd >= 0)
        ::shutdown(fd, SHUT_RDWR); // async-signal-safe too
    errno = saved_errno;
}

} // namespace

StopSignals& StopSignals::install() {
    static StopSignals* signals = [] {
        int fds[2];
        if (::pipe2(fds, O_CLOEXEC | O_NONBLOCK) != 0)
            throw std::runtime_error("cannot create the signal pipe");
        auto* made = new StopSignals();
        made->read_fd_ = fds[0];
        write_fd = fds[1];
        struct sigaction action {};
        action.sa_handler = on_stop_signal;
        sigemptyset(&action.sa_mask);
        action.sa_flags = SA_RESTART;
        for (int signal : {SIGINT, SIGTERM, SIGHUP})
            ::sigaction(signal, &action, nullptr);
        std::signal(SIGPIPE, SIG_IGN);
        installed_signals.store(made);
        return made;
    }();
    return *signals;
}

const StopSignals* StopSignals::installed() {
    return installed_signals.load();
}

int StopSignals::count() const {
    return received.load();
}

int StopSignals::first() const {
    return first_signal.load();
}

std::string_view signal_name(int signal) {
    switch (signal) {
    case SIGINT:
        return "SIGINT";
    case SIGTERM:
        return "SIGTERM";
    case SIGHUP:
        return "SIGHUP";
    default:
        return "a signal";
    }
}

int stop_requested() {
    return StopSignals::installed() ? first_signal.load() : 0;
}

WaitResult wait_ready(int fd, short events, std::chrono::steady_clock::time_point deadline,
                      OnStop on_stop) {
    bool stoppable = on_stop == OnStop::end_wait;
    const StopSignals* signals = stoppable ? StopSignals::installed() : nullptr;
    for (;;) {
        if (stoppable && stop_requested())
            return WaitResult::stopped;
        auto left = std::chrono::duration_cast<std::chrono::milliseconds>(
            deadline - std::chrono::steady_clock::now());
        // Rounded up: a poll() that returns just before the deadline would spin.
        int timeout = static_cast<int>(std::clamp<long long>(left.count() + 1, 0, 60'000));
        pollfd fds[2] = {{fd, events, 0}, {signals ? signals->fd() : -1, POLLIN, 0}};
        int ready = ::poll(fds, 2, timeout);
        if (ready < 0 && errno != EINTR)
            return WaitResult::ready; // the caller's own call on `fd` says what is wrong
        if (ready > 0 && fds[0].revents)
            return stoppable && stop_requested() ? WaitResult::stopped : WaitResult::ready;
        if (ready == 0 && left.count() <= 0)
            return WaitResult::timed_out;
    }
}

CutOnStop::CutOnStop(int fd) {
    cut_fd.store(fd);
    if (stop_requested())
        ::shutdown(fd, SHUT_RDWR);
}

CutOnStop::~CutOnStop() {
    cut_fd.store(-1);
}

} // namespace bb
