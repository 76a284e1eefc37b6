// Redis Cluster's addressing, as its specification defines it: which of the
// 16384 hash slots a key lives in (CRC16-XMODEM of the key, or of the part
// between the first '{' and the next '}' when that part is not empty), which
// master serves each slot (the CLUSTER SLOTS answer), and the MOVED and ASK
// redirections a node answers with for a slot it does not serve.
// RedisConnection routes through these (redis.hpp); they are public so that
// they can be checked against the specification's values on their own.
#pragma once

#include "bloodbank/config.hpp"
#include "bloodbank/error.hpp"

#include <hiredis/hiredis.h>

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace bb {

constexpr int cluster_slot_count = 16384;

// CRC16 with the XMODEM parameters (polynomial 0x1021, initial value 0):
// crc16_xmodem("123456789") is 0x31C3.
std::uint16_t crc16_xmodem(std::string_view data);

// The hash slot of a key: the CRC16 of its hash tag if it has one, else of
// the whole key, modulo 16384.
int cluster_key_slot(std::string_view key);

// The key a command names, by which it is routed; nullopt for commands that
// name none (PING, ROLE, WAIT, MULTI, EXEC, SCAN, INFO, ...). bloodbank's
// commands name at most one key, always their first argument.
std::optional<std::string_view> command_key(const std::string_view* argv, std::size_t count);

// One range of slots and the master that serves it.
struct ClusterSlotRange {
    int first = 0;
    int last = 0;
    RedisNodeAddress master;
};

// The ranges of a CLUSTER SLOTS answer. A node that answers with an empty
// host (an older Redis naming itself) is `asked`. Errors (unavailable) say
// what in the answer is not as the command documents it.
Result<std::vector<ClusterSlotRange>> parse_cluster_slots(const redisReply* reply,
                                                          const RedisNodeAddress& asked);

// "MOVED 3999 127.0.0.1:6381" or "ASK 3999 127.0.0.1:6381": the slot now
// (MOVED) or for this one command (ASK) served elsewhere.
struct ClusterRedirect {
    bool ask = false;
    int slot = 0;
    RedisNodeAddress to;
};
std::optional<ClusterRedirect> parse_cluster_redirect(std::string_view error);

} // namespace bb
