// Signals while the broker blocks publishers (a memory alarm: watermark 0):
// it stops reading from the socket and stops confirming. Every wait of
// bb-publish must still end: the first signal ends a write the broker does not
// take, --shutdown-timeout bounds the wait for confirms, a second signal ends
// it. No timing is asserted: a generous bound only catches a wait that does
// not end. Every line read is confirmed or spooled, and the drain delivers it.
#include "faults/fault_stream.hpp"

#include <doctest/doctest.h>

#include <chrono>
#include <csignal>
#include <thread>

using namespace bbtest;
using namespace bbtest::faults;
using namespace std::chrono_literals;

namespace {

// Long enough for any wait the signals should have ended: past it the test fails.
constexpr auto exit_bound = 20s;

// The broker blocks every publisher while this lives; the watermark goes back
// to RabbitMQ's default (0.4, which the fixture's configuration keeps) when it
// goes, even when the test fails first, or at unblock().
class BlockedBroker {
public:
    explicit BlockedBroker(const PrivateServices& s) : services_(s) {
        rabbitmqctl(s, {"set_vm_memory_high_watermark", "0"});
        blocked_ = true;
    }
    ~BlockedBroker() {
        if (blocked_)
            run({services_.rabbitmqctl, "set_vm_memory_high_watermark", "0.4"});
    }
    BlockedBroker(const BlockedBroker&) = delete;
    BlockedBroker& operator=(const BlockedBroker&) = delete;
    void unblock() {
        blocked_ = false;
        rabbitmqctl(services_, {"set_vm_memory_high_watermark", "0.4"});
    }

private:
    const PrivateServices& services_;
    bool blocked_ = false;
};

// Events of about 64 KiB: a few of them fill the socket's buffers, so that
// bb-publish waits for the socket, not for confirms.
StreamInput large_events(std::size_t count) {
    StreamInput input;
    const std::string pad(64 * 1024, 'x');
    for (std::size_t n = 1; n <= count; ++n) {
        publish::EnvelopeSpec e;
        e.event_type = "fault.test";
        e.host = "fault-test";
        e.payload = "{\"n\":" + std::to_string(n) + ",\"pad\":\"" + pad + "\"}";
        input.lines.push_back(publish::canonical(e));
        input.event_ids.emplace_back(e.event_id);
    }
    return input;
}

// Only a signal or --shutdown-timeout may end the waits: no heartbeats,
// confirm deadline and reconnects out of the way.
std::vector<std::string> only_signals_end_waits(const FaultStream& stream,
                                                const std::string& shutdown_timeout,
                                                const std::string& max_in_flight) {
    return {"--spool",
            stream.spool,
            "--heartbeat",
            "0",
            "--confirm-timeout",
            "600",
            "--reconnect-attempts",
            "0",
            "--shutdown-timeout",
            shutdown_timeout,
            "--max-in-flight",
            max_in_flight};
}

// Every line read has an outcome, confirmed or spooled, and the drain (with
// the broker unblocked) leaves none of them lost.
void check_accounted(const FaultStream& stream, const StreamOutcome& done, BlockedBroker& blocked,
                     const std::string& scenario) {
    CHECK(done.report.size() < stream.input.lines.size()); // the signal stopped the reading
    std::size_t spooled = check_confirmed_or_spooled(done.report, done.err);
    CHECK(spooled > 0); // what the blocked broker never confirmed
    blocked.unblock();
    Reconciliation r = drain_and_reconcile(stream.bus, stream.spool, done.report);
    report_figures(scenario, r);
    CHECK(r.lost == 0);
    CHECK(r.unexpected == 0);
}

// Sends `signal` and waits (up to exit_bound) for the exit; reports the time
// it took, a figure for the record, not an assertion.
int signal_and_wait(Background& p, int signal, const std::string& what) {
    auto sent = std::chrono::steady_clock::now();
    kill(p.pid(), signal);
    int status = wait_for_exit(p, exit_bound);
    MESSAGE(what << ": exited "
                 << std::chrono::duration<double>(std::chrono::steady_clock::now() - sent).count()
                 << " s after the signal");
    return status;
}

// Whether `p` writes `text` to stderr (waited for up to exit_bound).
bool err_mentions(Background& p, const std::string& text) {
    return wait_until([&] { return p.err().find(text) != std::string::npos || !p.running(); },
                      exit_bound) &&
           p.err().find(text) != std::string::npos;
}

} // namespace

TEST_CASE("blocked broker: the first SIGTERM ends a write the broker does not take") {
    auto s = private_services();
    if (!s)
        return;
    FaultStream stream(*s, large_events(5000));
    // Window far larger than the socket's buffers: the socket fills first.
    stream.start(only_signals_end_waits(stream, "300", "65535"), 200);
    stream.wait_for_progress(100, 50);
    BlockedBroker blocked(*s);
    // The broker stops reading on the first publish after the alarm; the
    // socket's buffers are full well within this time.
    std::size_t before = outcomes_so_far(*stream.publisher);
    std::this_thread::sleep_for(2s);
    REQUIRE(stream.publisher->running());
    int status = signal_and_wait(*stream.publisher, SIGTERM, "SIGTERM in a blocked write");
    StreamOutcome done = stream.outcome(status);
    MESSAGE("outcomes before the block: " << before
                                          << ", after the signal: " << done.report.size());

    CHECK(status == 143);
    // The signal ended the write, not the write deadline.
    CHECK(done.err.find("the broker stopped accepting data; stopped by SIGTERM") !=
          std::string::npos);
    CHECK(done.err.find("(timed out)") == std::string::npos);
    check_accounted(stream, done, blocked, "SIGTERM in a blocked write");
}

TEST_CASE("blocked broker: --shutdown-timeout bounds the wait for confirms after one SIGTERM") {
    auto s = private_services();
    if (!s)
        return;
    FaultStream stream(*s, make_input(20000));
    // A small window of small events: it fills before the socket does.
    stream.start(only_signals_end_waits(stream, "2", "64"), 2000);
    stream.wait_for_progress(2000, 1000);
    BlockedBroker blocked(*s);
    std::this_thread::sleep_for(1s);
    REQUIRE(stream.publisher->running());
    int status = signal_and_wait(*stream.publisher, SIGTERM, "SIGTERM, --shutdown-timeout 2");
    StreamOutcome done = stream.outcome(status);

    CHECK(status == 143);
    CHECK(done.err.find("SIGTERM: stopped reading; waiting up to 2 s for") != std::string::npos);
    check_accounted(stream, done, blocked, "SIGTERM, --shutdown-timeout 2");
}

TEST_CASE("blocked broker: a second SIGTERM ends the wait for confirms") {
    auto s = private_services();
    if (!s)
        return;
    FaultStream stream(*s, make_input(20000));
    // The shutdown wait is far longer than the bound: only the second signal ends it.
    stream.start(only_signals_end_waits(stream, "300", "64"), 2000);
    stream.wait_for_progress(2000, 1000);
    BlockedBroker blocked(*s);
    std::this_thread::sleep_for(1s);
    REQUIRE(stream.publisher->running());
    kill(stream.publisher->pid(), SIGTERM);
    // It waits for the confirms in flight, and says so, before the second one.
    REQUIRE(err_mentions(*stream.publisher, "SIGTERM: stopped reading; waiting up to 300 s for"));
    REQUIRE(stream.publisher->running());
    int status = signal_and_wait(*stream.publisher, SIGTERM, "second SIGTERM");
    StreamOutcome done = stream.outcome(status);

    CHECK(status == 143);
    check_accounted(stream, done, blocked, "second SIGTERM");
}
