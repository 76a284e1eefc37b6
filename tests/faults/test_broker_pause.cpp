// The broker frozen with SIGSTOP while bb-publish streams with --heartbeat 1:
// missed heartbeats and deadlines make it notice ("lost") while the broker is
// still frozen, and once it thaws nothing is lost (confirmed or spooled, and
// the spool drained).
#include "faults/fault_stream.hpp"

#include <doctest/doctest.h>

#include <chrono>

using namespace bbtest;
using namespace bbtest::faults;
using namespace std::chrono_literals;

TEST_CASE("broker paused with SIGSTOP: bb-publish notices while it is paused, nothing lost") {
    auto s = private_services();
    if (!s)
        return;
    FaultStream stream(*s, make_input(20000));
    stream.start({"--spool", stream.spool, "--heartbeat", "1", "--confirm-timeout", "5",
                  "--connect-timeout", "2", "--reconnect-attempts", "10", "--reconnect-time", "60"},
                 2000);
    stream.wait_for_progress(4000, 1000);
    pid_t broker = recorded_pid(*s, "rabbitmq");
    REQUIRE(broker > 0);
    {
        Paused paused(broker);
        REQUIRE(paused.paused());
        auto t0 = std::chrono::steady_clock::now();
        bool noticed = wait_until(
            [&] { return stream.publisher->err().find("lost") != std::string::npos; }, 60s);
        CHECK_MESSAGE(noticed,
                      "no \"lost\" on stderr within 60 s of SIGSTOP: " << stream.publisher->err());
        if (noticed)
            MESSAGE("\"lost\" on stderr "
                    << std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count()
                    << " s after SIGSTOP");
    } // SIGCONT

    StreamOutcome done = stream.finish(300s);
    std::size_t spooled = check_confirmed_or_spooled(done.report, done.err);
    CHECK(done.status == (spooled > 0 ? 75 : 0));

    Reconciliation r = drain_and_reconcile(stream.bus, stream.spool, done.report);
    report_figures("broker paused", r);
    CHECK(r.lost == 0);
    CHECK(r.unexpected == 0);
    CHECK(r.duplicated_not_in_doubt == 0);
}
