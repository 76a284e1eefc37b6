// bb-publish given the three nodes' URLs streams to a quorum queue while the
// node it is connected to dies (killed, paused, or its broker stopped): it
// reconnects to another node, sends the events in doubt again, and an
// independent consumer finds every event confirmed (a confirm on a quorum
// queue means a majority of the nodes has it), twice only for events that
// were in doubt. With every node down, --spool keeps what could not be
// confirmed and a later --drain delivers it.
#include "cluster/cluster_nodes.hpp"
#include "faults/fault_stream.hpp"

#include <doctest/doctest.h>

#include <chrono>
#include <functional>
#include <memory>
#include <thread>

using namespace bbtest;
using namespace bbtest::faults;
using namespace std::chrono_literals;

namespace {

// bb-publish connects to node 2 first, then 3, then 1; after a loss it tries
// `attempts` times within `seconds`.
std::vector<std::string> publish_args(const std::vector<PrivateServices>& nodes,
                                      const std::string& spool, const std::string& attempts = "20",
                                      const std::string& seconds = "60") {
    return {"--url",
            cluster::urls(nodes, {2, 3, 1}),
            "--spool",
            spool,
            "--reconnect-attempts",
            attempts,
            "--reconnect-time",
            seconds,
            "--heartbeat",
            "2",
            "--confirm-timeout",
            "10",
            "--connect-timeout",
            "2"};
}

// The stream's outcome once it ended: every valid record confirmed (three
// nodes, two always up: nothing needs the spool), one loss and one
// reconnect, and the queue read through node 1 holds every event.
void check_through_node_loss(FaultStream& stream, const std::string& scenario) {
    StreamOutcome done = stream.finish(300s);
    std::size_t spooled = check_confirmed_or_spooled(done.report, done.err);
    CHECK(done.status == (spooled > 0 ? 75 : 0));
    {
        INFO("stderr: " << done.err.substr(0, 3000));
        CHECK(lines_containing(done.err, "reconnected") >= 1);
    }
    Reconciliation r = drain_and_reconcile(stream.bus, stream.spool, done.report);
    report_figures(scenario, r);
    CHECK(r.lost == 0);
    CHECK(r.unexpected == 0);
    CHECK(r.duplicated_not_in_doubt == 0);
}

// 100,000 events streamed to a quorum queue through node 2 first; `fault`
// strikes node 2 once 30,000 are written, then the outcome is checked as
// above. False when the cluster is not there (the test must return).
bool stream_through_node_loss(const std::string& scenario,
                              const std::function<void(const PrivateServices&)>& fault) {
    auto nodes = cluster::cluster_nodes();
    if (!nodes)
        return false;
    FaultStream stream((*nodes)[0], make_input(100000), cluster::quorum_queue());
    stream.start(publish_args(*nodes, stream.spool), 10000);
    stream.wait_for_progress(30000, 5000);
    fault((*nodes)[1]);
    auto t0 = std::chrono::steady_clock::now();
    check_through_node_loss(stream, scenario);
    MESSAGE(scenario << ": stream ended and checked "
                     << std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count()
                     << " s after the fault");
    return true;
}

} // namespace

TEST_CASE("the node bb-publish is connected to is killed mid-stream: nothing lost") {
    bool ran = stream_through_node_loss("node killed", [](const PrivateServices& node) {
        REQUIRE(kill_recorded(node, "rabbitmq"));
    });
    if (!ran)
        return;
    auto t0 = std::chrono::steady_clock::now();
    REQUIRE(cluster::cluster_nodes()); // node 2 back, with its data
    MESSAGE("node 2 back after "
            << std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count()
            << " s");
}

TEST_CASE("the node bb-publish is connected to is paused mid-stream: nothing lost") {
    stream_through_node_loss("node paused", [](const PrivateServices& node) {
        // Paused long enough for heartbeats (2 s) to give it up.
        Paused paused(recorded_pid(node, "rabbitmq"));
        REQUIRE(paused.paused());
        std::this_thread::sleep_for(8s);
    });
}

TEST_CASE("the node bb-publish is connected to stops its broker mid-stream: nothing lost") {
    stream_through_node_loss("node's broker stopped", [](const PrivateServices& node) {
        // stop_app closes the node's connections; the node itself lives on.
        StoppedApp stopped(node);
        std::this_thread::sleep_for(3s);
        stopped.start();
    });
}

TEST_CASE("all three nodes stop their brokers mid-stream: the spool keeps what was not confirmed, "
          "and the drain delivers it") {
    auto nodes = cluster::cluster_nodes();
    if (!nodes)
        return;
    FaultStream stream((*nodes)[0], make_input(30000), cluster::quorum_queue());
    // With no node left, a few quick attempts, then the rest goes to the
    // spool. The input waits at line 15,000 until every broker is down.
    stream.start(publish_args(*nodes, stream.spool, "3", "10"), 10000, 15000);
    stream.wait_for_progress(10000, 3000);
    // Node 2, the one bb-publish is connected to, goes last: it cannot
    // escape to another.
    std::vector<std::unique_ptr<StoppedApp>> stopped;
    for (int n : {3, 1, 2})
        stopped.push_back(std::make_unique<StoppedApp>((*nodes)[static_cast<std::size_t>(n - 1)]));
    stream.writer->release();
    StreamOutcome done = stream.finish(300s);
    std::size_t spooled = check_confirmed_or_spooled(done.report, done.err);
    CHECK(spooled > 0);
    CHECK(done.status == 75);
    // The node stopped last comes back first: it waits for no other.
    for (auto node = stopped.rbegin(); node != stopped.rend(); ++node)
        (*node)->start();
    Reconciliation r = drain_and_reconcile(stream.bus, stream.spool, done.report);
    report_figures("every node's broker stopped", r);
    CHECK(r.lost == 0);
    CHECK(r.unexpected == 0);
    CHECK(r.duplicated_not_in_doubt == 0);
}
