// Self-pipe signal handling: see stop_signals.hpp.
#include "bloodbank/stop_signals.hpp"

#include <atomic>
#include <csignal>
#include <fcntl.h>
#include <stdexcept>
#include <unistd.h>

namespace bb {
namespace {

std::atomic<int> received{0};
std::atomic<int> first_signal{0};
int write_fd = -1;

extern "C" void on_stop_signal(int signal) {
    int expected = 0;
    first_signal.compare_exchange_strong(expected, signal);
    received.fetch_add(1);
    if (write_fd >= 0) {
        char byte = 1;
        // Async-signal-safe; a full pipe already wakes the reader.
        [[maybe_unused]] auto n = ::write(write_fd, &byte, 1);
    }
}

} // namespace

StopSignals& StopSignals::install() {
    static StopSignals* installed = [] {
        int fds[2];
        if (::pipe2(fds, O_CLOEXEC | O_NONBLOCK) != 0)
            throw std::runtime_error("cannot create the signal pipe");
        auto* signals = new StopSignals();
        signals->read_fd_ = fds[0];
        write_fd = fds[1];
        struct sigaction action {};
        action.sa_handler = on_stop_signal;
        sigemptyset(&action.sa_mask);
        action.sa_flags = SA_RESTART;
        ::sigaction(SIGINT, &action, nullptr);
        ::sigaction(SIGTERM, &action, nullptr);
        std::signal(SIGPIPE, SIG_IGN);
        return signals;
    }();
    return *installed;
}

int StopSignals::count() const {
    return received.load();
}

int StopSignals::first() const {
    return first_signal.load();
}

} // namespace bb
