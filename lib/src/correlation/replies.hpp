// Reading the replies of correlation queries: summaries, reverse-set members
// and forward records, each validated, with anything odd reported as a
// warning rather than ending the walk.
#pragma once

#include "bloodbank/error.hpp"
#include "bloodbank/redis.hpp"
#include "bloodbank/trace.hpp"
#include "bloodbank/uuid.hpp"

#include <hiredis/hiredis.h>

#include <optional>
#include <string>
#include <vector>

namespace bb::detail {

// The bloodbank:event:{id} hash from an HGETALL reply; nullopt when empty.
std::optional<EventSummary> summary_from_reply(const redisReply* reply);

// The ids of a SMEMBERS reply in the order Redis sent them. Members that are
// not ids are skipped with a warning naming the set.
std::vector<Uuid> members_from_reply(const redisReply* reply, const Uuid& owner,
                                     std::vector<std::string>& warnings);

// The parent ids of a GET reply of a forward record, in record order; none
// when the key is missing. A malformed record gives a warning and no parents.
std::vector<Uuid> parents_from_reply(const redisReply* reply, const Uuid& owner,
                                     std::vector<std::string>& warnings);

// True for a reply that shows a key exists: a non-nil string, a non-empty
// array or a positive integer (EXISTS).
bool shows_key(const redisReply* reply);

// "event <id> not found in Redis at redis://host:port/db" (ErrorKind::not_found).
Error not_found(const RedisConnection& redis, const Uuid& id);

} // namespace bb::detail
