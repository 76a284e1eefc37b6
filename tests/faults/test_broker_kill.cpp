// The broker's Erlang VM killed with SIGKILL in the middle of a stream: what
// bb-publish reported confirmed was on disk, so a consumer finds every
// confirmed event once the node is back; with the spool drained, nothing at
// all is lost.
#include "faults/fault_stream.hpp"

#include <doctest/doctest.h>

#include <chrono>

using namespace bbtest;
using namespace bbtest::faults;
using namespace std::chrono_literals;

TEST_CASE("broker killed with SIGKILL mid-stream: every confirmed event is there after restart") {
    auto s = private_services();
    if (!s)
        return;
    FaultStream stream(*s, make_input(30000));
    stream.start({"--spool", stream.spool, "--reconnect-attempts", "10", "--reconnect-time", "60",
                  "--heartbeat", "2", "--confirm-timeout", "10", "--connect-timeout", "2"},
                 3000);
    stream.wait_for_progress(9000, 1000);
    std::size_t confirmed_before = count_status(parse_report(stream.publisher->out()), "confirmed");
    REQUIRE(kill_recorded(*s, "rabbitmq"));
    auto t0 = std::chrono::steady_clock::now();
    REQUIRE(private_services(/*keep_broker_data=*/true));
    MESSAGE("killed at line "
            << stream.writer->written() << " with " << confirmed_before
            << " confirmed; node back after "
            << std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count()
            << " s");

    StreamOutcome done = stream.finish(300s);
    std::size_t spooled = check_confirmed_or_spooled(done.report, done.err);
    CHECK(done.status == (spooled > 0 ? 75 : 0));
    CHECK(confirmed_before > 0);

    // Before any drain: the confirmed events alone, the crash's survivors among them.
    Consumed after_restart = stream.bus.consume();
    std::size_t confirmed_missing = 0;
    for (const auto& line : done.report)
        if (line.status == "confirmed" && !after_restart.times.count(*line.event_id))
            ++confirmed_missing;
    CHECK(confirmed_missing == 0);

    Reconciliation r = drain_and_reconcile(stream.bus, stream.spool, done.report, after_restart);
    report_figures("broker killed", r);
    CHECK(r.lost == 0);
    CHECK(r.unexpected == 0);
    CHECK(r.duplicated_not_in_doubt == 0);
}
