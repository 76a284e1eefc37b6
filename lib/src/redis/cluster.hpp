// Redis Cluster: what a connection to a cluster keeps (the slot map, one
// connection per master, the commands of the round trip under way) so that
// it can send each command to the master that serves its key.
#pragma once

#include "bloodbank/redis.hpp"
#include "bloodbank/redis_cluster.hpp"

#include <chrono>
#include <optional>
#include <string>
#include <utility>
#include <vector>

namespace bb::detail {

struct ClusterNode {
    RedisNodeAddress address;
    std::optional<RedisConnection> connection; // made at its first command
    std::vector<std::size_t> batch;            // the commands of this round for it
};

struct ClusterRoute {
    RedisTarget target; // as configured: the seeds, credentials and TLS files
    std::chrono::milliseconds timeout;
    std::vector<ClusterNode> nodes;
    std::vector<int> slot_node = std::vector<int>(cluster_slot_count, -1); // into nodes

    // The commands queued since the last flush, formatted one after another
    // in `queued` (kept to be sent again after a redirection), each with its
    // slot (-1: none, any master takes it) and the node it was already
    // queued on, if any: a command is handed to its master's connection as
    // it is appended, when that master is connected, so that a large level
    // of a walk streams out while it is being queued.
    struct Command {
        std::size_t begin;
        std::size_t end;
        int slot;
        int queued_on = -1;
    };
    std::string queued;
    std::vector<Command> commands;
    std::optional<std::size_t> open_transaction; // where the MULTI not yet ended is
    std::size_t handed_out = 0; // commands before this one were offered to their masters
    // Two slots of one transaction, which the next flush refuses.
    std::optional<std::pair<int, int>> cross_slot;

    // Hands the commands not yet offered to the connected masters of their
    // slots; none while a transaction is open (its master is known at EXEC).
    void hand_out();

    // Closes the connections that hold commands queued but not yet sent,
    // which a flush that gives up must not send later.
    void drop_queued();
    // The nodes that serve a slot, in the order of their first slot.
    std::vector<int> masters() const;
    // The node of an address, added when it is new.
    int node_of(const RedisNodeAddress& address);
    // The master of a slot; a command without a key goes to the first one.
    int node_for(int slot) const;
    // The target of one node: the configured one's credentials and TLS.
    RedisTarget node_target(int node) const;
    // The slot map from CLUSTER SLOTS, asked of the known nodes then the
    // seeds until one answers.
    Result<void> refresh(std::chrono::steady_clock::time_point deadline);
    // Take a slot map.
    void take(const std::vector<ClusterSlotRange>& ranges);
};

// hiredis's RESP form of a command, appended to `out` (redis.cpp).
void format_command(std::string& out, const std::string_view* argv, std::size_t count);

// Whether a command's name is `upper` (an upper-case word), in any case.
bool command_is(std::string_view name, std::string_view upper);

} // namespace bb::detail
