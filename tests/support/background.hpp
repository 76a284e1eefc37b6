// A built binary running in the background while a test talks to it (e.g.
// `bb-trace serve`): its stdout and stderr go to files that the test can
// read at any time, and it is stopped by its pid, never by name.
#pragma once

#include "support/process.hpp"

#include <chrono>
#include <functional>
#include <string>
#include <string_view>
#include <sys/types.h>
#include <vector>

namespace bbtest {

class Background {
public:
    // Starts argv[0] with the environment of `options` (input and cwd apply
    // as for run()); throws std::runtime_error when it cannot.
    explicit Background(const std::vector<std::string>& argv, const RunOptions& options = {});
    // Stops the process if it still runs (SIGTERM, then SIGKILL).
    ~Background();
    Background(const Background&) = delete;
    Background& operator=(const Background&) = delete;

    pid_t pid() const { return pid_; }
    std::string out() const; // everything written to stdout so far
    std::string err() const; // everything written to stderr so far
    bool running();

    // Sends `signal`, waits up to `grace` for the exit, then SIGKILL. Returns
    // the exit status, or 128 + signal number when a signal ended it.
    int stop(int signal, std::chrono::milliseconds grace = std::chrono::seconds(10));

private:
    pid_t pid_ = -1;
    int status_ = -1; // set once reaped
    std::string dir_;
};

// Polls `ready` every 20 ms until it returns true or `timeout` passes.
bool wait_until(const std::function<bool()>& ready, std::chrono::milliseconds timeout);

} // namespace bbtest
