#include "bloodbank/tracking.hpp"

#include "correlation/link_writes.hpp"
#include "correlation/replica_ack.hpp"

#include "bloodbank/correlation_keys.hpp"

#include <fmt/format.h>

#include <algorithm>

namespace bb {

bool tracking_enabled(const Config& config, std::optional<bool> flag) {
    if (flag)
        return *flag;
    auto configured = [&](std::string_view name) {
        return config.is_set(name) && !config.value(name).empty();
    };
    return configured("REDIS_URL") || configured("REDIS_HOST") || configured("REDIS_SENTINELS");
}

namespace {

// How long one flush() may spend writing the retry buffer again, so that
// catching up after an outage never holds publishing up for long.
constexpr std::chrono::milliseconds catch_up_budget{50};

double seconds_since(Tracker::Clock::time_point since) {
    return std::chrono::duration<double>(Tracker::Clock::now() - since).count();
}

} // namespace

Tracker Tracker::open(const TrackingOptions& options) {
    Tracker tracker(options);
    tracker.report_.enabled = true;
    tracker.ttl_ = std::to_string(options.ttl_seconds);
    auto redis = RedisConnection::connect(options.target, options.timeout);
    if (redis)
        tracker.use(std::move(*redis));
    else
        tracker.lose(redis.error());
    return tracker;
}

void Tracker::lose(Error error) {
    redis_.reset();
    // Events whose links were still to be written are written again whole.
    for (Write& w : linking_)
        keep_for_retry(std::move(w));
    linking_.clear();
    for (Write& w : batch_)
        keep_for_retry(std::move(w));
    batch_.clear();
    retry_delay_ = options_.first_retry_delay;
    next_attempt_ = Clock::now() + retry_delay_;
    if (down_since_)
        return; // a failed catch-up: the same outage goes on
    down_since_ = Clock::now();
    retried_in_outage_ = 0;
    ++report_.outages;
    notices_.push_back(fmt::format("warning: tracking: {}; reconnecting in the background, "
                                   "keeping up to {} events' writes meanwhile",
                                   error.message, options_.retry_buffer_events));
    // The report names it only if something ends up not written.
    outage_error_ = std::move(error);
}

void Tracker::keep_for_retry(Write write) {
    if (retry_.size() >= options_.retry_buffer_events) {
        ++report_.overflowed;
        not_written(write);
        return;
    }
    write.retried = true;
    retry_.push_back(std::move(write));
}

void Tracker::not_written(const Write& write) {
    if (!report_.failure && outage_error_)
        report_.failure = outage_error_;
    ++report_.events_not_written;
    report_.links_not_written += write.parents.size();
}

bool Tracker::try_reconnect(bool now) {
    if (redis_)
        return true;
    if (!now && Clock::now() < next_attempt_)
        return false;
    // A short deadline: a paused Redis still accepts connections (the kernel
    // does), so only an answer to PING says that it is back.
    auto deadline = std::min(options_.timeout, options_.retry_timeout);
    auto redis = RedisConnection::connect(options_.target, deadline);
    if (redis) {
        auto pong = redis->command({"PING"});
        if (pong && (*pong)->type != REDIS_REPLY_ERROR) {
            redis->set_timeout(options_.timeout);
            use(std::move(*redis));
            return true;
        }
    }
    retry_delay_ = std::min(retry_delay_ * 2, options_.max_retry_delay);
    next_attempt_ = Clock::now() + retry_delay_;
    return false;
}

void Tracker::use(RedisConnection redis) {
    replicas_ = 0;
    if (options_.target.through_sentinels()) {
        // The replicas the sentinels see count too: while a replica is
        // promoted the old master has none left, and writes it took then
        // would be lost when it is demoted.
        auto seen = sentinel_replicas_up(options_.target, options_.timeout);
        replicas_ = std::max(detail::connected_replicas(redis), seen ? *seen : 0);
    }
    redis_.emplace(std::move(redis));
}

void Tracker::check_recovered() {
    if (!down_since_ || !redis_ || !retry_.empty())
        return;
    notices_.push_back(fmt::format("tracking: Redis back after {:.1f} s; {} writes retried",
                                   seconds_since(*down_since_), retried_in_outage_));
    down_since_.reset();
}

void Tracker::record(const Envelope& event) {
    Write w;
    w.id = event.event_id;
    w.parents = event.correlation_ids;
    if (!w.parents.empty())
        w.forward_record = encode_forward_record(w.parents, Timestamp::now());
    w.event_type = event.event_type;
    w.timestamp = event.timestamp.iso();
    w.source_host = event.source.host;
    w.source_app = event.source.app.value_or("");
    w.source_type = to_string(event.source.type);
    if (!redis_) {
        keep_for_retry(std::move(w));
        flush();
        return;
    }
    batch_.push_back(std::move(w));
    if (batch_.size() >= options_.batch_events)
        flush();
}

void Tracker::flush() {
    if (!try_reconnect(false))
        return;
    auto started = Clock::now();
    do {
        // Retries ride along with the new writes, a batch at a time.
        while (!retry_.empty() && batch_.size() < options_.batch_events * 2) {
            batch_.push_back(std::move(retry_.front()));
            retry_.pop_front();
        }
        if (!send_batch())
            return;
    } while (!retry_.empty() && Clock::now() - started < catch_up_budget);
    check_recovered();
}

Result<std::vector<bool>> Tracker::recorded(const std::vector<Uuid>& ids) {
    flush();
    if (!redis_ || down_since_)
        return make_error(ErrorKind::unavailable,
                          outage_error_ ? outage_error_->message : "Redis is not connected");
    std::vector<std::string> keys;
    keys.reserve(ids.size());
    for (const Uuid& id : ids) {
        keys.push_back(event_key(id));
        redis_->append({"EXISTS", keys.back()});
    }
    auto replies = redis_->flush();
    if (!replies) {
        lose(replies.error());
        return replies.error();
    }
    std::vector<bool> seen;
    seen.reserve(ids.size());
    for (const auto& reply : *replies) {
        if (reply->type == REDIS_REPLY_ERROR)
            return make_error(
                ErrorKind::unavailable,
                fmt::format("Redis refused EXISTS: {}", std::string_view(reply->str, reply->len)));
        seen.push_back(reply->type == REDIS_REPLY_INTEGER && reply->integer > 0);
    }
    return seen;
}

void Tracker::finish() {
    if (!batch_.empty() || !retry_.empty() || !linking_.empty()) {
        try_reconnect(true);
        while (redis_ && (!batch_.empty() || !retry_.empty() || !linking_.empty())) {
            while (!retry_.empty() && batch_.size() < options_.batch_events) {
                batch_.push_back(std::move(retry_.front()));
                retry_.pop_front();
            }
            send_batch();
        }
        check_recovered();
    }
    for (const Write& w : batch_)
        not_written(w);
    for (const Write& w : retry_)
        not_written(w);
    batch_.clear();
    retry_.clear();
}

bool Tracker::send_batch() {
    if (redis_->cluster())
        return send_batch_to_cluster();
    if (batch_.empty())
        return true;
    RedisConnection& redis = *redis_;
    commands_.clear();
    for (const Write& w : batch_) {
        std::size_t commands = 0;
        id_ = w.id.str();
        redis.append({"MULTI"});
        ++commands;
        if (!w.parents.empty()) {
            forward_key_ = forward_key(w.id);
            commands += detail::append_link_writes(redis, forward_key_, id_, ttl_, w.forward_record,
                                                   w.parents);
        }
        commands += append_event_record(w);
        redis.append({"EXEC"});
        commands_.push_back(commands + 1);
    }
    if (replicas_ > 0)
        detail::append_replica_wait(redis, options_.timeout);
    auto replies = redis.flush();
    if (!replies) {
        lose(replies.error());
        return false;
    }
    if (replicas_ > 0 && !detail::replica_acknowledged(replies->back().get())) {
        lose(make_error(
            ErrorKind::unavailable,
            fmt::format("Redis at {}: no replica acknowledged the writes", redis.target())));
        return false;
    }
    // Each event's transaction ends with EXEC, whose reply is the array of
    // the queued commands' results, or an error when the transaction aborted.
    std::size_t at = 0;
    for (std::size_t k = 0; k < batch_.size(); ++k) {
        const Write& w = batch_[k];
        at += commands_[k];
        const redisReply* exec = (*replies)[at - 1].get();
        std::string why = exec && exec->str ? std::string(exec->str, exec->len)
                                            : std::string("transaction failed");
        bool ok = exec && exec->type == REDIS_REPLY_ARRAY;
        for (std::size_t i = 0; exec && exec->type == REDIS_REPLY_ARRAY && i < exec->elements; ++i)
            if (exec->element[i]->type == REDIS_REPLY_ERROR) {
                ok = false;
                why = std::string(exec->element[i]->str, exec->element[i]->len);
            }
        settle(w, ok ? std::nullopt : std::optional<std::string>(std::move(why)));
    }
    batch_.clear();
    return true;
}

std::size_t Tracker::append_event_record(const Write& w) {
    event_key_ = event_key(w.id);
    redis_->append({"HSET", event_key_, "event_type", w.event_type, "timestamp", w.timestamp,
                    "source_host", w.source_host, "source_app", w.source_app, "source_type",
                    w.source_type});
    redis_->append({"EXPIRE", event_key_, ttl_});
    return 2;
}

void Tracker::settle(const Write& w, std::optional<std::string> refused) {
    if (!refused) {
        ++report_.events_written;
        report_.links_written += w.parents.size();
        if (w.retried) {
            ++report_.retried;
            ++retried_in_outage_;
        }
        return;
    }
    not_written(w);
    if (!report_.failure)
        report_.failure = make_error(ErrorKind::unavailable,
                                     fmt::format("Redis at {}: {}", redis_->target(), *refused));
}

std::string tracking_warning(const TrackingReport& report) {
    std::string why = report.failure ? report.failure->message : "unknown failure";
    return fmt::format("correlation tracking unavailable ({}); {} link{} and {} event record{} "
                       "not written",
                       why, report.links_not_written, report.links_not_written == 1 ? "" : "s",
                       report.events_not_written, report.events_not_written == 1 ? "" : "s");
}

} // namespace bb
