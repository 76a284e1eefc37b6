// The broker restarted (rabbitmqctl stop_app / start_app) while bb-consume
// reads a durable queue, once streaming into a slow pipe and once running a
// command per event: it reconnects, what it had not acked comes back, and
// every event reaches the reader or the command (lost = 0). Events are
// published by the test's own client and counted by what the reader wrote.
#include "faults/consume_through.hpp"
#include "faults/fault_bus.hpp"
#include "faults/private_services.hpp"

#include <doctest/doctest.h>

#include <chrono>
#include <functional>
#include <thread>

using namespace bbtest;
using namespace bbtest::consume;
using namespace bbtest::faults;
using namespace std::chrono_literals;

namespace {

// stop_app, a second, start_app.
std::function<void()> restart(const PrivateServices& s) {
    return [&s] {
        StoppedApp stopped(s);
        std::this_thread::sleep_for(1s);
        stopped.start();
    };
}

} // namespace

TEST_CASE(
    "broker restarted while bb-consume streams into a slow pipe: every event read once at least") {
    auto s = private_services();
    if (!s)
        return;
    FaultBus bus(s->services); // deleted over a fresh connection
    auto bodies = publish_events(bus, 10000);
    std::set<std::string> expected(bodies.begin(), bodies.end());
    std::string dir = make_temp_dir();
    // The reader takes one line at a time, so the restart lands mid-stream.
    std::string pipeline = binary("bb-consume") + " --queue '" + bus.queue +
                           "' --heartbeat 5 --reconnect-attempts 30 --reconnect-time 90 2> '" +
                           dir + "/err' | while read -r line; do printf '%s\\n' \"$line\" >> '" +
                           dir + "/out'; done";
    std::string err = consume_through_fault(s->services.rabbit_url, bus, dir, pipeline, 1000,
                                            expected, restart(*s));
    CHECK(err.find("reconnecting") != std::string::npos);
    CHECK(err.find("reconnected to") != std::string::npos);
    check_once_at_least(dir + "/out", expected, 256);
}

TEST_CASE("broker restarted while bb-consume runs a command per event: every event's command ran") {
    auto s = private_services();
    if (!s)
        return;
    FaultBus bus(s->services); // deleted over a fresh connection
    auto bodies = publish_events(bus, 3000);
    std::set<std::string> ids = event_ids(bodies);
    std::string dir = make_temp_dir();
    std::string pipeline =
        binary("bb-consume") + " --queue '" + bus.queue +
        "' --concurrency 2 --heartbeat 5 --reconnect-attempts 30"
        " --reconnect-time 90 2> '" +
        dir + "/err' --exec /bin/sh -c 'echo \"$BB_EVENT_ID\" >> \"$0\"; sleep 0.02' '" + dir +
        "/out'";
    // 20 ms a command, two at a time: the 3,000 take half a minute, and the
    // restart lands among them.
    std::string err =
        consume_through_fault(s->services.rabbit_url, bus, dir, pipeline, 300, ids, restart(*s));
    CHECK(err.find("reconnected to") != std::string::npos);
    // A command that ran while the connection was down is acked by nobody:
    // its event comes back and runs again; never more than were running.
    check_once_at_least(dir + "/out", ids, 2 + 2);
}
