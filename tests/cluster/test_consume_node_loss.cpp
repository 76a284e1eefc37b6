// bb-consume given the three nodes' URLs reads a quorum queue while the node
// it is connected to is killed: it resumes on another node, what it had not
// acked comes back, and every event reaches the reader or the command
// (lost = 0); a command whose event was not acked runs again, so no event is
// acked without its command having succeeded. Events are published by the
// test's own client and counted by what the reader wrote.
#include "cluster/cluster_nodes.hpp"
#include "faults/consume_through.hpp"
#include "faults/fault_bus.hpp"

#include <doctest/doctest.h>

using namespace bbtest;
using namespace bbtest::consume;
using namespace bbtest::faults;

namespace {

// bb-consume on the queue, through node 2 first, then 3, then 1.
std::string consume_command(const std::vector<PrivateServices>& nodes, const FaultBus& bus) {
    return binary("bb-consume") + " --url '" + cluster::urls(nodes, {2, 3, 1}) + "' --queue '" +
           bus.queue + "' --heartbeat 2 --reconnect-attempts 30 --reconnect-time 120";
}

// Kills node 2's broker: the node bb-consume reads through.
std::function<void()> kill_node_2(const std::vector<PrivateServices>& nodes) {
    return [&nodes] { REQUIRE(kill_recorded(nodes[1], "rabbitmq")); };
}

} // namespace

TEST_CASE("the node bb-consume streams from is killed: every event read once at least") {
    auto nodes = cluster::cluster_nodes();
    if (!nodes)
        return;
    FaultBus bus((*nodes)[0].services, cluster::quorum_queue());
    auto bodies = publish_events(bus, 10000);
    std::set<std::string> expected(bodies.begin(), bodies.end());
    std::string dir = make_temp_dir();
    // The reader takes one line at a time, so the kill lands mid-stream.
    std::string pipeline = consume_command(*nodes, bus) + " 2> '" + dir +
                           "/err' | while read -r line; do printf '%s\\n' \"$line\" >> '" + dir +
                           "/out'; done";
    std::string err = consume_through_fault((*nodes)[0].services.rabbit_url, bus, dir, pipeline,
                                            1000, expected, kill_node_2(*nodes));
    CHECK(err.find("reconnected to") != std::string::npos);
    check_once_at_least(dir + "/out", expected, 256);
    REQUIRE(cluster::cluster_nodes()); // node 2 back, with its data
}

TEST_CASE("the node bb-consume runs commands from is killed: every event's command ran") {
    auto nodes = cluster::cluster_nodes();
    if (!nodes)
        return;
    FaultBus bus((*nodes)[0].services, cluster::quorum_queue());
    std::set<std::string> ids = event_ids(publish_events(bus, 3000));
    std::string dir = make_temp_dir();
    std::string pipeline = consume_command(*nodes, bus) + " --concurrency 2 2> '" + dir +
                           "/err' --exec /bin/sh -c 'echo \"$BB_EVENT_ID\" >> \"$0\"; sleep "
                           "0.02' '" +
                           dir + "/out'";
    std::string err = consume_through_fault((*nodes)[0].services.rabbit_url, bus, dir, pipeline,
                                            300, ids, kill_node_2(*nodes));
    CHECK(err.find("reconnected to") != std::string::npos);
    // A command that ran while the connection was down is acked by nobody:
    // its event comes back and runs again; never more than were running.
    check_once_at_least(dir + "/out", ids, 2 + 2);
    REQUIRE(cluster::cluster_nodes());
}
