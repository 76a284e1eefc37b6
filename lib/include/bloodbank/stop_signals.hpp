// SIGINT, SIGTERM and SIGHUP as something a poll() loop can wait for. The
// handlers only count the signals and write a byte to a pipe; the pipeline
// decides what a first and a second signal mean (bb-publish: stop reading and
// drain, then stop waiting). SIGHUP counts as SIGTERM does, since a closing
// terminal or SSH session is no reason to lose the events in flight. SIGQUIT
// keeps its default action (a core dump, for debugging a hang). SIGPIPE is
// ignored from then on, so a closed stdout or a dropped socket becomes an
// error return instead of killing the process.
//
// Waits deep in the library (connecting, reading a password from a pipe) end
// on the first request too: they poll the pipe with wait_ready(), or, inside
// rabbitmq-c, which polls by itself, have their socket shut down by the
// handler (CutOnStop). Before install() there is nothing to poll, and none is
// needed: the signals' default action ends the process.
#pragma once

#include "bloodbank/error.hpp"

#include <chrono>
#include <string_view>

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
    // The installed object, or null before install().
    static const StopSignals* installed();

    int fd() const override { return read_fd_; }
    int count() const override;
    int first() const override;

    // After a signal: signal_exit_status() of the first (130 for SIGINT).
    int exit_status() const { return first() ? signal_exit_status(first()) : 0; }

private:
    StopSignals() = default;
    int read_fd_ = -1;
};

// "SIGINT", "SIGTERM", "SIGHUP"; "a signal" for any other number.
std::string_view signal_name(int signal);

// The signal of the process's first stop request, 0 while none has come (or
// before install()).
int stop_requested();

enum class WaitResult { ready, timed_out, stopped };

// Whether a stop request ends a wait. Redis is waited for regardless: the
// links of what was published before the stop are still to be written.
enum class OnStop { end_wait, keep_waiting };

// Waits until `fd` has one of `events` (POLLIN, POLLOUT), `deadline` passes,
// or (OnStop::end_wait) a stop request comes. One that came before the call
// ends it at once.
WaitResult wait_ready(int fd, short events, std::chrono::steady_clock::time_point deadline,
                      OnStop on_stop = OnStop::end_wait);

// While it lives, a stop request shuts `fd` down (SHUT_RDWR) from the signal
// handler, so that a wait on the socket inside a library that cannot poll the
// signal pipe too ends at once: it sees the connection end. A request that
// came before is applied at construction. One at a time per process.
class CutOnStop {
public:
    explicit CutOnStop(int fd);
    ~CutOnStop();
    CutOnStop(const CutOnStop&) = delete;
    CutOnStop& operator=(const CutOnStop&) = delete;
};

} // namespace bb
