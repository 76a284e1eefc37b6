// SIGINT and SIGTERM as something a poll() loop can wait for. The handlers
// only count the signals and write a byte to a pipe; the pipeline decides
// what a first and a second signal mean (bb-publish: stop reading and drain,
// then stop waiting). SIGPIPE is ignored from then on, so a closed stdout or a
// dropped socket becomes an error return instead of killing the process.
#pragma once

#include "bloodbank/error.hpp"

namespace bb {

// Where a loop learns that it was asked to stop: a descriptor to poll() that
// becomes readable on each request, and how many have come. StopSignals is
// the process's; the unit tests use their own.
class StopRequests {
public:
    virtual ~StopRequests() = default;
    virtual int fd() const = 0;    // readable once a request has arrived
    virtual int count() const = 0; // requests received so far
    virtual int first() const = 0; // the first one's signal number, 0 if none
};

class StopSignals final : public StopRequests {
public:
    // Installs the handlers (once per process; later calls return the same
    // object). Not thread-safe; call it from main before any work starts.
    static StopSignals& install();

    int fd() const override { return read_fd_; }
    int count() const override;
    int first() const override;

    // After a signal: signal_exit_status() of the first (130 for SIGINT).
    int exit_status() const { return first() ? signal_exit_status(first()) : 0; }

private:
    StopSignals() = default;
    int read_fd_ = -1;
};

} // namespace bb
