// The open live streams of `bb-trace serve` (server-sent events), written by
// one thread of their own: each stream holds the descendants of its event
// and is sent the published events that join them (add_descendant), a
// heartbeat comment now and then (a client gone away is noticed when it
// fails), and the live view's state as it changes. Everything reaches the
// thread through one ordered inbox and a wake-up pipe.
#pragma once

#include "bloodbank/envelope.hpp"
#include "bloodbank/http_api.hpp"
#include "bloodbank/trace.hpp"
#include "bloodbank/unique_fd.hpp"

#include <atomic>
#include <memory>
#include <string>

namespace bb::http_detail {

enum class LiveState { starting, on, unavailable };

class LiveStreams {
public:
    explicit LiveStreams(const HttpLiveOptions& options);
    ~LiveStreams(); // stop()
    LiveStreams(const LiveStreams&) = delete;
    LiveStreams& operator=(const LiveStreams&) = delete;

    // Takes the connection over: `opening` (the answer's head) is sent first,
    // then the state, then the recent events that join `graph`, then the
    // rest as they come. False (the connection left to the caller) when
    // options.max_streams are open or the streams were stopped.
    bool add(UniqueFd& fd, TraceGraph graph, std::string opening);
    // An event seen on the bus; kept a while for streams that open just after.
    void publish(Envelope event);
    // on: every stream is told `live`; unavailable: `unavailable` with the
    // reason, and the streams end (the page then stops reconnecting).
    void set_state(LiveState state, std::string detail);
    // Every stream is told `end` and closed; later add()s are refused.
    void stop();

private:
    struct Impl;
    std::unique_ptr<Impl> impl_;
};

} // namespace bb::http_detail
