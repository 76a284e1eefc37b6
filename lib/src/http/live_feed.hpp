// The one consumer of `bb-trace serve` that feeds every live stream: a
// private auto-delete queue bound to every event on the exchange, read
// through bb-consume's library part (consume.hpp) on a thread of its own,
// started with the server under --follow and else by the first stream. When
// the broker cannot be reached or is lost, the streams are told so, and it
// tries again after HttpLiveOptions::retry.
#pragma once

#include "http/live_streams.hpp"

#include "bloodbank/http_api.hpp"
#include "bloodbank/trace.hpp"
#include "bloodbank/unique_fd.hpp"

#include <memory>
#include <string>
#include <string_view>

namespace bb::http_detail {

class LiveFeed {
public:
    explicit LiveFeed(const HttpApiOptions& options);
    ~LiveFeed(); // stop()
    LiveFeed(const LiveFeed&) = delete;
    LiveFeed& operator=(const LiveFeed&) = delete;

    struct Status {
        std::string_view state; // "off" (not started), "starting", "on", "unavailable"
        std::string detail;     // why it is unavailable
    };
    Status status() const;
    // LiveStreams::add, after starting the consumer if it is not running.
    bool add_stream(UniqueFd& fd, TraceGraph graph, std::string opening);
    // Ends the streams and the consumer; returns once its thread has.
    void stop();

private:
    struct Impl;
    std::unique_ptr<Impl> impl_;
};

} // namespace bb::http_detail
