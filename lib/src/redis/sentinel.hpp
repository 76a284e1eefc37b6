// Redis through Sentinel: finding the master, and what a connection made
// that way keeps so that it can find the master again after a failover.
#pragma once

#include "bloodbank/config.hpp"
#include "bloodbank/error.hpp"

#include <hiredis/hiredis.h>

#include <chrono>
#include <string>
#include <string_view>
#include <vector>

namespace bb::detail {

using SentinelClock = std::chrono::steady_clock;

// A connection made through sentinels remembers the target as configured,
// the deadline of each call, and the commands of the round trip under way,
// which are sent again to the new master when the old one is lost or has
// become a replica. Every command bloodbank sends is idempotent (SET, SADD,
// HSET, EXPIRE, reads), so sending one twice does no harm.
struct SentinelRoute {
    RedisTarget target;
    std::chrono::milliseconds timeout;
    std::vector<std::vector<std::string>> pending;
};

// The master's address, from the first sentinel that names it; each sentinel
// is asked in turn within its share of the time left. Errors
// (ErrorKind::unavailable) say that no sentinel answered, naming each with
// its failure, or that the sentinels that answered do not know the name.
Result<SentinelAddress> resolve_master(const RedisTarget& target,
                                       SentinelClock::time_point deadline);

// A reply that means this server cannot take the commands now but the master
// after a failover can: READONLY (a master that became a replica) or LOADING.
bool is_failover_reply(const redisReply* reply);

} // namespace bb::detail
