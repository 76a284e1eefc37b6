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
// publishing: a lost connection starts an outage, during which the writes
// wait in a bounded retry buffer while the tracker reconnects with a short
// deadline per attempt and a growing pause between attempts. Once back, the
// buffer is written again (every write is idempotent: SETEX, SADD, HSET,
// EXPIRE), a little at a time so that publishing goes on. Only what
// overflows the buffer, what Redis refuses and what is still buffered when
// the run ends counts as not written. The start and the end of an outage are
// notices for the application to print (take_notices()).
//
// Through Sentinel, connecting finds the master again after a failover, and a
// batch ends with WAIT 1 when the master has a replica: it counts as written
// once a replica has it too, and a batch that no replica acknowledged starts
// an outage (its writes wait in the retry buffer), so that every link
// reported written survives the master's loss.
#pragma once

#include "bloodbank/config.hpp"
#include "bloodbank/envelope.hpp"
#include "bloodbank/error.hpp"
#include "bloodbank/redis.hpp"

#include <chrono>
#include <cstddef>
#include <deque>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace bb {

// The rule, in one place: tracking is on with --track, or when REDIS_URL,
// REDIS_HOST or REDIS_SENTINELS is configured (set in .env, the environment or by a flag);
// --no-track turns it off. `flag` is true for --track, false for --no-track.
bool tracking_enabled(const Config& config, std::optional<bool> flag);

struct TrackingOptions {
    RedisTarget target;
    long ttl_seconds = 30L * 86400;
    std::chrono::milliseconds timeout{1000}; // connecting, and each batch
    std::size_t batch_events = 256;          // events per pipelined round trip
    // During an outage: each reconnect attempt's deadline (connect and PING;
    // at most `timeout`), the pause before the first attempt, doubled after
    // each failure up to the last, and how many events' writes wait at most.
    std::chrono::milliseconds retry_timeout{200};
    std::chrono::milliseconds first_retry_delay{100};
    std::chrono::milliseconds max_retry_delay{2000};
    std::size_t retry_buffer_events = 65536;
};

struct TrackingReport {
    bool enabled = false;
    std::size_t events_written = 0;
    std::size_t links_written = 0; // parent -> child links
    std::size_t events_not_written = 0;
    std::size_t links_not_written = 0;
    std::size_t outages = 0;    // times the connection was lost (or never made)
    std::size_t retried = 0;    // events written after waiting in the retry buffer
    std::size_t overflowed = 0; // events not written because the buffer was full
    // Why the first write not written was not (unavailable, redacted target).
    std::optional<Error> failure;

    bool complete() const { return events_not_written == 0 && links_not_written == 0; }
};

class Tracker {
public:
    using Clock = std::chrono::steady_clock;

    // Connects within the timeout. A failure is not an error here: it starts
    // an outage, as a connection lost later does.
    static Tracker open(const TrackingOptions& options);

    // Queues the transaction for one confirmed event; sends a batch when
    // batch_events are queued. During an outage the event waits in the retry
    // buffer, and a reconnect is tried when one is due.
    void record(const Envelope& event);
    // Sends what is queued, and part of the retry buffer, checking every
    // reply (each round trip bounded by the timeout); during an outage, tries
    // to reconnect when an attempt is due. Call it when idle too: that is how
    // a quiet run gets its Redis back.
    void flush();
    // The end of the run: one more reconnect attempt if Redis is away, then
    // everything still waiting is written or counted as not written.
    void finish();
    // For bb-publish --dedupe: whether each event's bloodbank:event:{id} hash
    // exists, i.e. whether it was confirmed and recorded within the TTL (the
    // hash is written only for confirmed events). Writes what is queued
    // first, so that events confirmed earlier in this run count; then one
    // pipelined round trip of EXISTS. An error (unavailable) while Redis is
    // away: the caller cannot tell, and must not publish as if it could.
    Result<std::vector<bool>> recorded(const std::vector<Uuid>& ids);
    std::size_t queued() const { return batch_.size() + retry_.size() + linking_.size(); }

    // Lines for the user since the last call: an outage began ("warning:
    // tracking: ..."), Redis came back ("tracking: Redis back after ...").
    std::vector<std::string> take_notices() { return std::exchange(notices_, {}); }

    const TrackingReport& report() const { return report_; }
    // Why Redis is away during an outage (open() could not connect, or the
    // connection was lost and is not back yet); nullopt while it answers.
    std::optional<Error> outage() const { return down_since_ ? outage_error_ : std::nullopt; }

private:
    // What one event's transaction writes, kept until Redis has answered.
    struct Write {
        Uuid id;
        std::vector<Uuid> parents;
        std::string forward_record; // empty without parents
        std::string event_type, timestamp, source_host, source_app;
        std::string_view source_type;
        bool retried = false; // it waited in the retry buffer
    };
    explicit Tracker(TrackingOptions options) : options_(std::move(options)) {}
    bool send_batch();
    bool send_batch_to_cluster(); // tracking_cluster.cpp
    // Queues the HSET and EXPIRE of the event's hash; how many commands.
    std::size_t append_event_record(const Write& w);
    // Counts one event's writes as done, or not done for the reason Redis
    // gave.
    void settle(const Write& w, std::optional<std::string> refused);
    bool try_reconnect(bool now);
    void use(RedisConnection redis);
    void lose(Error error);
    void keep_for_retry(Write write);
    void not_written(const Write& write);
    void check_recovered();

    TrackingOptions options_;
    std::optional<RedisConnection> redis_;
    std::vector<Write> batch_;
    // Through a Redis Cluster: events whose own keys are written, whose
    // parents' reverse sets go with the next round trip.
    std::vector<Write> linking_;
    std::deque<Write> retry_;
    std::vector<std::string> notices_;
    std::optional<Clock::time_point> down_since_; // set during an outage
    std::optional<Error> outage_error_;           // what began the last one
    Clock::time_point next_attempt_{};
    std::chrono::milliseconds retry_delay_{0};
    std::size_t retried_in_outage_ = 0;
    TrackingReport report_;
    // Reused buffers for the commands' arguments.
    std::string ttl_, id_, forward_key_, event_key_;
    std::vector<std::size_t> commands_; // replies to expect per batched event
    std::size_t replicas_ = 0;          // through Sentinel: the master's replicas
};

// The message for a run that could not write everything, e.g.
// "correlation tracking unavailable (Redis at redis://127.0.0.1:6379/0:
// Connection refused); 3 links and 10 event records not written".
std::string tracking_warning(const TrackingReport& report);

} // namespace bb
