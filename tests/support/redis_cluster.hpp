// The test Redis Cluster seen node by node, as an operator sees it with
// redis-cli: where a key lives, how many keys a node holds, and a slot moved
// from one master to another by hand (CLUSTER SETSLOT IMPORTING/MIGRATING,
// MIGRATE, SETSLOT NODE), whole or halfway. No routing of its own: each
// command goes to the node named.
#pragma once

#include "support/redis.hpp"

#include <string>
#include <vector>

namespace bbtest {

class ClusterNodes {
public:
    explicit ClusterNodes(std::vector<int> ports);

    Reply on(int port, const std::vector<std::string>& argv);
    // CLUSTER KEYSLOT, as the node computes it.
    int slot_of(const std::string& key);
    // The master that serves a slot, by CLUSTER SLOTS.
    int owner_of(int slot);
    // The node whose EXISTS says it holds the key; 0 for none.
    int holder_of(const std::string& key);
    long long dbsize(int port);
    int other_than(int port) const;

    // A migration of `slot` from one master to another, begun (both nodes
    // told), keys moved with MIGRATE, and finished (the keys left moved,
    // then every node told the slot's new owner).
    void begin_migration(int slot, int from, int to);
    void migrate(int from, int to, const std::vector<std::string>& keys);
    void finish_migration(int slot, int from, int to);
    // Moves a slot and every key in it.
    void move_slot(int slot, int from, int to);

    const std::vector<int>& ports() const { return ports_; }

private:
    std::string id_of(int port);
    std::vector<int> ports_;
};

} // namespace bbtest
