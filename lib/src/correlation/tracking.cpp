#include "bloodbank/tracking.hpp"

#include "correlation/link_writes.hpp"

#include "bloodbank/correlation_keys.hpp"

#include <fmt/format.h>

namespace bb {

bool tracking_enabled(const Config& config, std::optional<bool> flag) {
    if (flag)
        return *flag;
    auto configured = [&](std::string_view name) {
        return config.is_set(name) && !config.value(name).empty();
    };
    return configured("REDIS_URL") || configured("REDIS_HOST");
}

Tracker Tracker::open(const TrackingOptions& options) {
    Tracker tracker(options);
    tracker.report_.enabled = true;
    tracker.ttl_ = std::to_string(options.ttl_seconds);
    auto redis = RedisConnection::connect(options.target, options.timeout);
    if (redis)
        tracker.redis_.emplace(std::move(*redis));
    else
        tracker.fail(redis.error());
    return tracker;
}

void Tracker::fail(Error error) {
    if (!report_.failure)
        report_.failure = std::move(error);
    for (const Queued& q : batch_) {
        ++report_.events_not_written;
        report_.links_not_written += q.links;
    }
    batch_.clear();
    redis_.reset();
}

void Tracker::record(const Envelope& event) {
    std::size_t links = event.correlation_ids.size();
    if (!redis_) {
        ++report_.events_not_written;
        report_.links_not_written += links;
        return;
    }
    RedisConnection& redis = *redis_;
    id_ = event.event_id.str();
    std::size_t commands = 0;
    redis.append({"MULTI"});
    ++commands;
    if (links > 0) {
        forward_key_ = forward_key(event.event_id);
        record_ = encode_forward_record(event.correlation_ids, Timestamp::now());
        commands += detail::append_link_writes(redis, forward_key_, id_, ttl_, record_,
                                               event.correlation_ids);
    }
    event_key_ = event_key(event.event_id);
    timestamp_ = event.timestamp.iso();
    redis.append({"HSET", event_key_, "event_type", event.event_type, "timestamp", timestamp_,
                  "source_host", event.source.host, "source_app", event.source.app.value_or(""),
                  "source_type", to_string(event.source.type)});
    redis.append({"EXPIRE", event_key_, ttl_});
    redis.append({"EXEC"});
    commands += 3;
    batch_.push_back({links, commands});
    if (batch_.size() >= options_.batch_events)
        flush();
}

void Tracker::flush() {
    if (!redis_ || batch_.empty())
        return;
    auto replies = redis_->flush();
    if (!replies) {
        fail(replies.error());
        return;
    }
    // Each event's transaction ends with EXEC, whose reply is the array of
    // the queued commands' results, or an error when the transaction aborted.
    std::size_t at = 0;
    for (const Queued& q : batch_) {
        at += q.commands;
        const redisReply* exec = (*replies)[at - 1].get();
        bool ok = exec && exec->type == REDIS_REPLY_ARRAY;
        for (std::size_t i = 0; ok && i < exec->elements; ++i)
            ok = exec->element[i]->type != REDIS_REPLY_ERROR;
        if (ok) {
            ++report_.events_written;
            report_.links_written += q.links;
        } else {
            ++report_.events_not_written;
            report_.links_not_written += q.links;
            if (!report_.failure) {
                std::string why = exec && exec->str ? std::string(exec->str, exec->len)
                                                    : std::string("transaction failed");
                for (std::size_t i = 0;
                     exec && exec->type == REDIS_REPLY_ARRAY && i < exec->elements; ++i)
                    if (exec->element[i]->type == REDIS_REPLY_ERROR)
                        why = std::string(exec->element[i]->str, exec->element[i]->len);
                report_.failure = make_error(ErrorKind::unavailable,
                                             fmt::format("Redis at {}: {}", redis_->target(), why));
            }
        }
    }
    batch_.clear();
}

std::string tracking_warning(const TrackingReport& report) {
    std::string why = report.failure ? report.failure->message : "unknown failure";
    return fmt::format("correlation tracking unavailable ({}); {} link{} and {} event record{} "
                       "not written",
                       why, report.links_not_written, report.links_not_written == 1 ? "" : "s",
                       report.events_not_written, report.events_not_written == 1 ? "" : "s");
}

} // namespace bb
