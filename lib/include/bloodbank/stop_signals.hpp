// SIGINT and SIGTERM as something a poll() loop can wait for. The handlers
// only count the signals and write a byte to a pipe; the pipeline decides
// what a first and a second signal mean (bb-publish: stop reading and drain,
// then stop waiting). SIGPIPE is ignored from then on, so a closed stdout or a
// dropped socket becomes an error return instead of killing the process.
#pragma once

#include "bloodbank/error.hpp"

namespace bb {

class StopSignals {
public:
    // Installs the handlers (once per process; later calls return the same
    // object). Not thread-safe; call it from main before any work starts.
    static StopSignals& install();

    int fd() const { return read_fd_; } // readable once a signal has arrived
    int count() const;                  // signals received so far
    int first() const;                  // the first signal's number, 0 if none

    // After a signal: signal_exit_status() of the first (130 for SIGINT).
    int exit_status() const { return first() ? signal_exit_status(first()) : 0; }

private:
    StopSignals() = default;
    int read_fd_ = -1;
};

} // namespace bb
