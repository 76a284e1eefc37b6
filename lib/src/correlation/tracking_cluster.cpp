// Tracking writes through a Redis Cluster. An event's keys (its forward
// record, its hash, each parent's reverse set) lie in different slots, and
// so on different masters, where no MULTI ... EXEC can hold them all. They
// are written in the order the readers need, in two steps:
//
//   1. the event's own keys: SETEX of its forward record, HSET and EXPIRE
//      of its hash;
//   2. once those are written, SADD and EXPIRE of each parent's reverse set.
//
// Step 2 of one batch rides in the round trip of step 1 of the next (one
// pipelined round trip per batch, on every master at once, as one Redis
// takes); finish() writes the last batch's. A walk down that finds a child
// in a reverse set therefore always finds the child's forward record and
// hash (the walk counts such a child as known without asking, as the Python
// tracker's single transaction allowed). What is lost is all-or-nothing:
// until step 2 a walk up from the child sees the parent before the parent's
// reverse set lists the child, and a failure between the steps leaves the
// child's keys without the parents' links. Such an event is reported as not
// written (its links with it) and kept for a retry like any write that
// failed; its hash may then already exist, so bb-publish --dedupe counts it
// as recorded.
#include "correlation/link_writes.hpp"

#include "bloodbank/correlation_keys.hpp"
#include "bloodbank/tracking.hpp"

namespace bb {
namespace {

// The first error among `count` replies from `at`, if any.
std::optional<std::string> first_error(const std::vector<RedisReplyPtr>& replies, std::size_t at,
                                       std::size_t count) {
    for (std::size_t i = at; i < at + count; ++i)
        if (replies[i]->type == REDIS_REPLY_ERROR)
            return std::string(replies[i]->str, replies[i]->len);
    return std::nullopt;
}

} // namespace

bool Tracker::send_batch_to_cluster() {
    if (batch_.empty() && linking_.empty())
        return true;
    RedisConnection& redis = *redis_;
    commands_.clear();
    for (const Write& w : linking_) {
        id_ = w.id.str();
        commands_.push_back(detail::append_reverse_writes(redis, id_, ttl_, w.parents));
    }
    for (const Write& w : batch_) {
        std::size_t commands = 0;
        if (!w.parents.empty()) {
            forward_key_ = forward_key(w.id);
            redis.append({"SETEX", forward_key_, ttl_, w.forward_record});
            ++commands;
        }
        commands_.push_back(commands + append_event_record(w));
    }
    auto replies = redis.flush();
    if (!replies) {
        lose(replies.error());
        return false;
    }
    std::size_t at = 0;
    std::size_t k = 0;
    for (const Write& w : linking_) {
        settle(w, first_error(*replies, at, commands_[k]));
        at += commands_[k++];
    }
    linking_.clear();
    for (Write& w : batch_) {
        auto refused = first_error(*replies, at, commands_[k]);
        at += commands_[k++];
        if (refused || w.parents.empty())
            settle(w, std::move(refused));
        else
            linking_.push_back(std::move(w));
    }
    batch_.clear();
    return true;
}

} // namespace bb
