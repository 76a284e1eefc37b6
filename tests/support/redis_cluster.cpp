#include "support/redis_cluster.hpp"

#include <doctest/doctest.h>

#include <cstdlib>
#include <iterator>
#include <sstream>

namespace bbtest {

ClusterNodes::ClusterNodes(std::vector<int> ports) : ports_(std::move(ports)) {}

Reply ClusterNodes::on(int port, const std::vector<std::string>& argv) {
    return Redis("127.0.0.1", port).command(argv);
}

int ClusterNodes::slot_of(const std::string& key) {
    return static_cast<int>(on(ports_.front(), {"CLUSTER", "KEYSLOT", key}).integer);
}

int ClusterNodes::owner_of(int slot) {
    // CLUSTER NODES: "<id> <host:port@bus> <flags> <master> <ping> <pong>
    // <epoch> <link> <slot or first-last>...", one line per node.
    std::istringstream lines(on(ports_.front(), {"CLUSTER", "NODES"}).str);
    std::string line;
    while (std::getline(lines, line)) {
        std::istringstream words(line);
        std::vector<std::string> w{std::istream_iterator<std::string>(words), {}};
        if (w.size() < 9 || w[2].find("master") == std::string::npos)
            continue;
        int port = std::atoi(w[1].c_str() + w[1].rfind(':') + 1);
        for (std::size_t i = 8; i < w.size(); ++i) {
            if (w[i].starts_with("["))
                continue; // a migration under way, not ownership
            std::size_t dash = w[i].find('-');
            int first = std::atoi(w[i].c_str());
            int last = dash == std::string::npos ? first : std::atoi(w[i].c_str() + dash + 1);
            if (slot >= first && slot <= last)
                return port;
        }
    }
    return 0;
}

int ClusterNodes::holder_of(const std::string& key) {
    for (int port : ports_) {
        Reply reply = on(port, {"EXISTS", key});
        if (reply.type == REDIS_REPLY_INTEGER && reply.integer == 1)
            return port;
    }
    return 0;
}

long long ClusterNodes::dbsize(int port) {
    return on(port, {"DBSIZE"}).integer;
}

int ClusterNodes::other_than(int port) const {
    for (int other : ports_)
        if (other != port)
            return other;
    return 0;
}

std::string ClusterNodes::id_of(int port) {
    return on(port, {"CLUSTER", "MYID"}).str;
}

void ClusterNodes::begin_migration(int slot, int from, int to) {
    std::string s = std::to_string(slot);
    REQUIRE(on(to, {"CLUSTER", "SETSLOT", s, "IMPORTING", id_of(from)}).str == "OK");
    REQUIRE(on(from, {"CLUSTER", "SETSLOT", s, "MIGRATING", id_of(to)}).str == "OK");
}

void ClusterNodes::migrate(int from, int to, const std::vector<std::string>& keys) {
    std::vector<std::string> argv{"MIGRATE", "127.0.0.1", std::to_string(to), "", "0",
                                  "5000",    "KEYS"};
    argv.insert(argv.end(), keys.begin(), keys.end());
    Reply reply = on(from, argv);
    REQUIRE_MESSAGE(reply.str == "OK", reply.str);
}

void ClusterNodes::finish_migration(int slot, int from, int to) {
    // The keys not moved yet first: a node refuses to give up a slot it
    // still holds keys of.
    Reply keys = on(from, {"CLUSTER", "GETKEYSINSLOT", std::to_string(slot), "1000"});
    if (!keys.elements.empty())
        migrate(from, to, keys.elements);
    std::string id = id_of(to);
    // The new owner first, then the others, as the specification orders it.
    REQUIRE(on(to, {"CLUSTER", "SETSLOT", std::to_string(slot), "NODE", id}).str == "OK");
    for (int port : ports_)
        if (port != to)
            REQUIRE(on(port, {"CLUSTER", "SETSLOT", std::to_string(slot), "NODE", id}).str == "OK");
}

void ClusterNodes::move_slot(int slot, int from, int to) {
    begin_migration(slot, from, to);
    finish_migration(slot, from, to);
}

} // namespace bbtest
