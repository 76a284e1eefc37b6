// Through Sentinel a failover promotes a replica, and whatever the old master
// had not yet passed on to it is gone. So there, when the master has a
// replica, tracking counts a batch as written only once a replica has it too
// (WAIT): every link bb-publish reports written survives a failover.
#pragma once

#include "bloodbank/redis.hpp"

#include <chrono>
#include <cstddef>
#include <string>

namespace bb::detail {

// How many replicas the master says (ROLE) are connected; 0 when it cannot
// tell, then nothing is waited for.
std::size_t connected_replicas(RedisConnection& redis);

// Queues WAIT for one replica, waiting at most half of `timeout` so that the
// answer comes within the round trip's deadline.
void append_replica_wait(RedisConnection& redis, std::chrono::milliseconds timeout);

// Whether WAIT's reply says a replica has the writes.
bool replica_acknowledged(const redisReply* reply);

} // namespace bb::detail
