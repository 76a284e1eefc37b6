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
#include <optional>
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

// bb-publish streaming `input` (lines_per_second), with only signals and
// `shutdown_timeout` to end its waits; once it has reported `outcomes`, the
// broker blocks it. Then the test sends its signals.
struct BlockedStream {
    BlockedStream(const PrivateServices& s, StreamInput input, double lines_per_second,
                  std::size_t outcomes, const std::string& shutdown_timeout,
                  const std::string& max_in_flight)
        : stream(s, std::move(input)) {
        stream.start(only_signals_end_waits(stream, shutdown_timeout, max_in_flight),
                     lines_per_second);
        stream.wait_for_progress(2 * outcomes, outcomes);
        blocked.emplace(s);
        // The broker stops reading on the first publish after the alarm; the
        // window or the socket's buffers are full well within this time.
        std::this_thread::sleep_for(2s);
        REQUIRE(stream.publisher->running());
    }
    FaultStream stream;
    std::optional<BlockedBroker> blocked;
};

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

// SIGTERM, and the wait (up to exit_bound) for the exit, which must be 143;
// reports the time it took, a figure for the record, not an assertion.
StreamOutcome sigterm_and_wait(BlockedStream& b, const std::string& what) {
    auto sent = std::chrono::steady_clock::now();
    kill(b.stream.publisher->pid(), SIGTERM);
    int status = wait_for_exit(*b.stream.publisher, exit_bound);
    MESSAGE(what << ": exited "
                 << std::chrono::duration<double>(std::chrono::steady_clock::now() - sent).count()
                 << " s after the signal");
    CHECK(status == 143);
    return b.stream.outcome(status);
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
    // Large events, a window far larger than the socket's buffers: the socket fills first.
    BlockedStream b(*s, large_events(5000), 200, 50, "300", "65535");
    StreamOutcome done = sigterm_and_wait(b, "SIGTERM in a blocked write");
    // The signal ended the write, not the write deadline.
    CHECK(done.err.find("the broker stopped accepting data; stopped by SIGTERM") !=
          std::string::npos);
    CHECK(done.err.find("(timed out)") == std::string::npos);
    check_accounted(b.stream, done, *b.blocked, "SIGTERM in a blocked write");
}

TEST_CASE("blocked broker: --shutdown-timeout bounds the wait for confirms after one SIGTERM") {
    auto s = private_services();
    if (!s)
        return;
    // A small window of small events: it fills before the socket does.
    BlockedStream b(*s, make_input(20000), 2000, 1000, "2", "64");
    StreamOutcome done = sigterm_and_wait(b, "SIGTERM, --shutdown-timeout 2");
    CHECK(done.err.find("SIGTERM: stopped reading; waiting up to 2 s for") != std::string::npos);
    check_accounted(b.stream, done, *b.blocked, "SIGTERM, --shutdown-timeout 2");
}

TEST_CASE("blocked broker: a second SIGTERM ends the wait for confirms") {
    auto s = private_services();
    if (!s)
        return;
    // The shutdown wait is far longer than the bound: only the second signal ends it.
    BlockedStream b(*s, make_input(20000), 2000, 1000, "300", "64");
    Background& publisher = *b.stream.publisher;
    kill(publisher.pid(), SIGTERM);
    // It waits for the confirms in flight, and says so, before the second one.
    REQUIRE(err_mentions(publisher, "SIGTERM: stopped reading; waiting up to 300 s for"));
    REQUIRE(publisher.running());
    StreamOutcome done = sigterm_and_wait(b, "second SIGTERM");
    check_accounted(b.stream, done, *b.blocked, "second SIGTERM");
}
