// Shutdown of the publish pipeline on request (SIGINT, SIGTERM, SIGHUP): the first
// request stops reading and starts the shutdown deadline, a second one (or
// the deadline) stops waiting for the broker. This part only watches the
// requests and keeps the deadline; the pipeline decides what they mean.
#pragma once

#include "bloodbank/stop_signals.hpp"

#include <chrono>

namespace bb::publish_detail {

class Shutdown {
public:
    using Clock = std::chrono::steady_clock;

    // `requests` may be null: nothing ever asks to stop.
    Shutdown(const StopRequests* requests, std::chrono::milliseconds timeout)
        : requests_(requests), timeout_(timeout) {}

    // To poll() with the rest: readable once a request has come; -1 without.
    int fd() const { return requests_ ? requests_->fd() : -1; }
    // Takes the requests that came since the last call; true if any did.
    bool arrived();
    int requests() const { return seen_; }
    int signal() const { return requests_ ? requests_->first() : 0; }

    void start_deadline() { deadline_ = Clock::now() + timeout_; }
    bool deadline_passed() const { return Clock::now() >= deadline_; }
    std::chrono::milliseconds until_deadline() const;
    std::chrono::milliseconds timeout() const { return timeout_; }

    // Sleeps for `delay`; a request cuts it short.
    void sleep(std::chrono::milliseconds delay) const;

private:
    const StopRequests* requests_;
    std::chrono::milliseconds timeout_;
    int seen_ = 0;
    Clock::time_point deadline_;
};

} // namespace bb::publish_detail
