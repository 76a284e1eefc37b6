// The writes that record parent -> child links (DESIGN §3), in one place for
// bb-publish's tracking and for `link`, so that both send the same commands
// in the same order:
//
//   SETEX  bloodbank:correlation:forward:{child} TTL <forward record>
//   SADD   bloodbank:correlation:reverse:{parent} {child}   (per parent)
//   EXPIRE bloodbank:correlation:reverse:{parent} TTL
//
// The caller wraps them in its MULTI ... EXEC with whatever else belongs to
// the same transaction.
#pragma once

#include "bloodbank/redis.hpp"
#include "bloodbank/uuid.hpp"

#include <cstddef>
#include <string_view>
#include <vector>

namespace bb::detail {

// Queues the writes on `redis` (no I/O) and returns how many commands that
// was. `forward_key` is forward_key(child), `child` its id as text, `record`
// the forward record's JSON (encode_forward_record()).
std::size_t append_link_writes(RedisConnection& redis, std::string_view forward_key,
                               std::string_view child, std::string_view ttl,
                               std::string_view record, const std::vector<Uuid>& parents);
// The SADD and EXPIRE of each parent's reverse set alone, as a Redis Cluster
// writes them once the child's own keys are written.
std::size_t append_reverse_writes(RedisConnection& redis, std::string_view child,
                                  std::string_view ttl, const std::vector<Uuid>& parents);

} // namespace bb::detail
