// Tracking writes through a Redis Cluster. An event's keys (its forward
// record, its hash, each parent's reverse set) lie in different slots, and
// so on different masters, where no MULTI ... EXEC can hold them all. They
// are written in two pipelined round trips per batch, each on every master
// at once, in the order the readers need:
//
//   1. each event's own keys: SETEX of its forward record, HSET and EXPIRE
//      of its hash;
//   2. then, for the events whose own keys were written, SADD and EXPIRE of
//      each parent's reverse set.
//
// A walk down that finds a child in a reverse set therefore always finds
// the child's forward record and hash (the walk counts such a child as known
// without asking, as the Python tracker's single transaction allowed). What
// is lost is all-or-nothing: between the two round trips a walk up from the
// child sees the parent before the parent's reverse set lists the child, and
// a failure between them leaves the child's keys without the parents' links.
// Such an event is reported as not written (its links with it), and kept for
// a retry like any write that failed; its hash may then already exist, so
// bb-publish --dedupe counts it as recorded.
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
    RedisConnection& redis = *redis_;
    commands_.clear();
    for (const Write& w : batch_) {
        std::size_t commands = 0;
        if (!w.parents.empty()) {
            forward_key_ = forward_key(w.id);
            redis.append({"SETEX", forward_key_, ttl_, w.forward_record});
            ++commands;
        }
        commands_.push_back(commands + append_event_record(w));
    }
    auto own = redis.flush();
    if (!own) {
        lose(own.error());
        return false;
    }
    std::vector<std::optional<std::string>> refused(batch_.size());
    std::size_t at = 0;
    for (std::size_t k = 0; k < batch_.size(); ++k) {
        refused[k] = first_error(*own, at, commands_[k]);
        at += commands_[k];
    }

    for (std::size_t k = 0; k < batch_.size(); ++k) {
        const Write& w = batch_[k];
        commands_[k] = 0;
        if (refused[k] || w.parents.empty())
            continue;
        id_ = w.id.str();
        commands_[k] = detail::append_reverse_writes(redis, id_, ttl_, w.parents);
    }
    auto links = redis.flush();
    if (!links) {
        lose(links.error());
        return false;
    }
    at = 0;
    for (std::size_t k = 0; k < batch_.size(); ++k) {
        if (!refused[k])
            refused[k] = first_error(*links, at, commands_[k]);
        at += commands_[k];
        settle(batch_[k], std::move(refused[k]));
    }
    batch_.clear();
    return true;
}

} // namespace bb
