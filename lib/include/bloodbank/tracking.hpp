// Correlation tracking for bb-publish: for every confirmed event, the Redis
// layout of DESIGN §3, written the way the Python tracker writes it, plus our
// bloodbank:event:{id} summary hash. Per event, one MULTI/EXEC:
//
//   SETEX bloodbank:correlation:forward:{id} TTL {"parent_event_ids":[...],
//         "created_at":"<UTC now, no offset>","metadata":{}}   (events with parents)
//   SADD  bloodbank:correlation:reverse:{parent} {id}          (per parent)
//   EXPIRE bloodbank:correlation:reverse:{parent} TTL
//   HSET  bloodbank:event:{id} event_type T timestamp <envelope timestamp>
//         source_host H source_app A source_type S             (every event;
//         source_app is "" when the envelope's is null)
//   EXPIRE bloodbank:event:{id} TTL
//
// Many events' transactions are pipelined into one round trip (a batch),
// each batch bounded by a timeout. Redis being down or slow never stops
// publishing: the first failure turns tracking off for the rest of the run
// and everything not written is counted, for one warning at the end.
#pragma once

#include "bloodbank/config.hpp"
#include "bloodbank/envelope.hpp"
#include "bloodbank/error.hpp"
#include "bloodbank/redis.hpp"

#include <chrono>
#include <cstddef>
#include <optional>
#include <string>
#include <utility>
#include <vector>

namespace bb {

// The rule, in one place: tracking is on with --track, or when REDIS_URL or
// REDIS_HOST is configured (set in .env, the environment or by a flag);
// --no-track turns it off. `flag` is true for --track, false for --no-track.
bool tracking_enabled(const Config& config, std::optional<bool> flag);

struct TrackingOptions {
    RedisTarget target;
    long ttl_seconds = 30L * 86400;
    std::chrono::milliseconds timeout{1000}; // connecting, and each batch
    std::size_t batch_events = 256;          // events per pipelined round trip
};

struct TrackingReport {
    bool enabled = false;
    std::size_t events_written = 0;
    std::size_t links_written = 0; // parent -> child links
    std::size_t events_not_written = 0;
    std::size_t links_not_written = 0;
    std::optional<Error> failure; // the first failure (unavailable, redacted target)

    bool complete() const { return events_not_written == 0 && links_not_written == 0; }
};

class Tracker {
public:
    // Connects within the timeout. A failure is not an error here: it is
    // remembered, and every event recorded afterwards counts as not written.
    static Tracker open(const TrackingOptions& options);

    // Queues the transaction for one confirmed event; sends a batch when
    // batch_events are queued.
    void record(const Envelope& event);
    // Sends what is queued and checks every reply (bounded by the timeout).
    void flush();
    std::size_t queued() const { return batch_.size(); }

    const TrackingReport& report() const { return report_; }

private:
    struct Queued {
        std::size_t links = 0;
        std::size_t commands = 0; // replies to expect, MULTI and EXEC included
    };
    explicit Tracker(TrackingOptions options) : options_(std::move(options)) {}
    void fail(Error error);

    TrackingOptions options_;
    std::optional<RedisConnection> redis_;
    std::vector<Queued> batch_;
    TrackingReport report_;
    // Reused buffers for the commands' arguments.
    std::string ttl_, forward_key_, record_, event_key_, timestamp_, id_;
};

// The message for a run that could not write everything, e.g.
// "correlation tracking unavailable (Redis at redis://127.0.0.1:6379/0:
// Connection refused); 3 links and 10 event records not written".
std::string tracking_warning(const TrackingReport& report);

} // namespace bb
