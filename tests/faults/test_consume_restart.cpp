// The broker restarted (rabbitmqctl stop_app / start_app) while bb-consume
// reads a durable queue, once streaming into a slow pipe and once running a
// command per event: it reconnects, what it had not acked comes back, and
// every event reaches the reader or the command (lost = 0). Events are
// published by the test's own client and counted by what the reader wrote.
#include "faults/fault_bus.hpp"
#include "faults/private_services.hpp"
#include "integration/test_bb_consume_support.hpp"

#include <doctest/doctest.h>

#include <chrono>
#include <csignal>
#include <map>
#include <thread>

using namespace bbtest;
using namespace bbtest::consume;
using namespace bbtest::faults;
using namespace std::chrono_literals;

namespace {

// How often each line of `path` occurs.
std::map<std::string, int> line_counts(const std::string& path) {
    std::map<std::string, int> counts;
    for (const auto& line : lines_of(read_text(path)))
        ++counts[line];
    return counts;
}

// The pid of bb-consume among the children of the shell whose pid is in `file`.
pid_t consumer_pid(const std::string& shell_pid_file) {
    std::string pid =
        run({"/bin/sh", "-c", "pgrep -P \"$(cat '" + shell_pid_file + "')\" -x bb-consume"}).out;
    REQUIRE(!pid.empty());
    return static_cast<pid_t>(std::stoi(pid));
}

// Runs `pipeline` (bb-consume's stderr to DIR/err) in a shell, waits until
// `seen` lines are in DIR/out, restarts the broker, then waits until
// bb-consume reconnected, DIR/out holds every one of `expected` and the
// queue is empty; stops bb-consume with
// SIGTERM and returns its stderr (which must say it reconnected). The events
// are checked by the caller.
std::string consume_through_restart(const PrivateServices& s, const Bus& bus,
                                    const std::string& dir, const std::string& pipeline,
                                    std::size_t seen, const std::set<std::string>& expected) {
    Background shell({"/bin/sh", "-c", "echo $$ > '" + dir + "/shell'; " + pipeline},
                     bus.options(""));
    REQUIRE(wait_until([&] { return line_counts(dir + "/out").size() >= seen; }, 60s));
    pid_t consumer = consumer_pid(dir + "/shell");
    {
        StoppedApp stopped(s);
        // The broker went while events were still queued: mid-stream.
        CHECK(line_counts(dir + "/out").size() < expected.size());
        std::this_thread::sleep_for(1s);
        stopped.start();
    }
    bool all = wait_until(
        [&] {
            if (read_text(dir + "/err").find("reconnected to") == std::string::npos)
                return false;
            auto got = line_counts(dir + "/out");
            if (got.size() < expected.size())
                return false;
            AmqpConsumer fresh(s.services.rabbit_url);
            return fresh.message_count(bus.queue) == 0;
        },
        120s);
    std::string err = read_text(dir + "/err");
    INFO("bb-consume's stderr: " << err.substr(0, 3000));
    CHECK(all);
    CHECK(::kill(consumer, SIGTERM) == 0);
    CHECK(wait_until([&] { return !shell.running(); }, 30s));
    return read_text(dir + "/err");
}

// lost = 0 and nothing unexpected; duplicates only within what could have
// been written and not yet acked when the connection went (the prefetch).
void check_once_at_least(const std::string& out_path, const std::set<std::string>& expected,
                         int window) {
    auto got = line_counts(out_path);
    std::size_t lost = 0;
    for (const auto& e : expected)
        lost += got.count(e) == 0;
    std::size_t unexpected = 0;
    int duplicated = 0;
    for (const auto& [line, n] : got) {
        unexpected += expected.count(line) == 0;
        duplicated += n - 1;
    }
    MESSAGE("lost " << lost << ", unexpected " << unexpected << ", duplicated " << duplicated);
    CHECK(lost == 0);
    CHECK(unexpected == 0);
    CHECK(duplicated <= window);
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
    std::string err = consume_through_restart(*s, bus, dir, pipeline, 1000, expected);
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
    std::set<std::string> ids;
    for (const auto& body : bodies) {
        auto at = body.find("\"event_id\":\"") + 12;
        ids.insert(body.substr(at, 36));
    }
    std::string dir = make_temp_dir();
    std::string pipeline =
        binary("bb-consume") + " --queue '" + bus.queue +
        "' --concurrency 2 --heartbeat 5 --reconnect-attempts 30"
        " --reconnect-time 90 2> '" +
        dir + "/err' --exec /bin/sh -c 'echo \"$BB_EVENT_ID\" >> \"$0\"; sleep 0.02' '" + dir +
        "/out'";
    // 20 ms a command, two at a time: the 3,000 take half a minute, and the
    // restart lands among them.
    std::string err = consume_through_restart(*s, bus, dir, pipeline, 300, ids);
    CHECK(err.find("reconnected to") != std::string::npos);
    // A command that ran while the connection was down is acked by nobody:
    // its event comes back and runs again; never more than were running.
    check_once_at_least(dir + "/out", ids, 2 + 2);
}
