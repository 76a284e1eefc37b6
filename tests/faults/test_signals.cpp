// A signal in the middle of a stream with a spool: bb-publish stops reading,
// exits 128 + the signal, and every record it read has an outcome: confirmed
// or spooled (invalid lines aside). After the drain a consumer has every
// confirmed or spooled event, and nothing from the lines it never read.
#include "faults/fault_stream.hpp"

#include <doctest/doctest.h>

#include <chrono>
#include <csignal>
#include <thread>

using namespace bbtest;
using namespace bbtest::faults;
using namespace std::chrono_literals;

namespace {

// Lines 1..R read, R short of the input, invalid lines exactly the input's
// up to R, every valid one confirmed or spooled. Returns the spooled count.
std::size_t check_lines_read(const FaultStream& stream, const StreamOutcome& done) {
    const std::size_t read = done.report.size();
    CHECK(read < stream.input.lines.size());
    CHECK(count_status(done.report, "invalid") == stream.input.invalid_up_to(read));
    return check_confirmed_or_spooled(done.report, done.err);
}

void check_drained(const FaultStream& stream, const StreamOutcome& done,
                   const std::string& scenario) {
    Reconciliation r = drain_and_reconcile(stream.bus, stream.spool, done.report);
    MESSAGE(scenario << ": " << done.report.size() << " lines read, "
                     << stream.input.invalid_up_to(done.report.size()) << " invalid");
    report_figures(scenario, r);
    CHECK(r.lost == 0);
    CHECK(r.unexpected == 0); // nothing from beyond the last line read
    CHECK(r.duplicated_not_in_doubt == 0);
}

} // namespace

TEST_CASE("SIGTERM mid-stream with --spool: exit 143, every line read confirmed or spooled") {
    auto s = private_services();
    if (!s)
        return;
    FaultStream stream(*s, make_input(30000, 997)); // a few invalid lines
    stream.start({"--spool", stream.spool, "--shutdown-timeout", "10"}, 3000);
    stream.wait_for_progress(9000, 3000);
    std::size_t seen = outcomes_so_far(*stream.publisher);
    StreamOutcome done = stream.outcome(stream.publisher->stop(SIGTERM, 60s));

    CHECK(done.status == 143);
    CHECK(done.report.size() >= seen);
    check_lines_read(stream, done);
    check_drained(stream, done, "SIGTERM");
}

TEST_CASE("a second SIGINT ends the wait for confirms: exit 130, the events in flight spooled") {
    auto s = private_services();
    if (!s)
        return;
    FaultStream stream(*s, make_input(20000, 997));
    // Only a signal can end the wait: no heartbeats, deadlines far away.
    stream.start({"--spool", stream.spool, "--heartbeat", "0", "--confirm-timeout", "600",
                  "--shutdown-timeout", "300", "--reconnect-attempts", "0"},
                 3000);
    stream.wait_for_progress(6000, 2000);
    pid_t broker = recorded_pid(*s, "rabbitmq");
    REQUIRE(broker > 0);
    int status = -1;
    {
        // A frozen broker confirms nothing: what is sent from now on stays in flight.
        Paused paused(broker);
        REQUIRE(paused.paused());
        std::this_thread::sleep_for(1s);
        kill(stream.publisher->pid(), SIGINT);
        bool ended = wait_until([&] { return !stream.publisher->running(); }, 2s);
        CHECK_MESSAGE(!ended, "the first SIGINT did not wait for the confirms in flight");
        status = stream.publisher->stop(SIGINT, 30s);
    } // SIGCONT
    StreamOutcome done = stream.outcome(status);

    CHECK(status == 130);
    CHECK(check_lines_read(stream, done) > 0);
    std::size_t spooled_after_sending = 0;
    for (const auto& line : done.report)
        spooled_after_sending += line.status == "spooled" && line.attempts >= 1;
    CHECK(spooled_after_sending > 0);
    check_drained(stream, done, "second SIGINT");
}
