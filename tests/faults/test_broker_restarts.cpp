// The broker restarted twice (rabbitmqctl stop_app / start_app) while
// bb-publish streams 100,000 events with a spool: it reconnects, sends the
// events in doubt again, spools what it cannot get confirmed, and after the
// drain a consumer has every event, twice only for events that were in doubt.
#include "faults/fault_stream.hpp"

#include <doctest/doctest.h>

#include <chrono>
#include <thread>

using namespace bbtest;
using namespace bbtest::faults;
using namespace std::chrono_literals;

TEST_CASE("broker restarted twice during a 100,000-event stream: nothing lost after the drain") {
    auto s = private_services();
    if (!s)
        return;
    FaultStream stream(*s, make_input(100000));
    // The last 10,000 lines wait for the second restart: the stream spans both.
    stream.start({"--spool", stream.spool, "--reconnect-attempts", "20", "--reconnect-time", "60",
                  "--heartbeat", "5", "--confirm-timeout", "15"},
                 5000, 90000);
    for (std::size_t restart_at : {20000u, 55000u}) {
        stream.wait_for_progress(restart_at, 0);
        auto t0 = std::chrono::steady_clock::now();
        StoppedApp stopped(*s);
        std::this_thread::sleep_for(1s);
        stopped.start();
        MESSAGE("restart at line "
                << stream.writer->written() << ": broker back after "
                << std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count()
                << " s");
    }
    stream.writer->release();
    StreamOutcome done = stream.finish(300s);
    std::size_t spooled = check_confirmed_or_spooled(done.report, done.err);
    CHECK(done.status == (spooled > 0 ? 75 : 0));
    {
        // One loss and one reconnect per restart: the stream spanned both.
        INFO("stderr: " << done.err.substr(0, 3000));
        CHECK(lines_containing(done.err, "lost") >= 2);
        CHECK(lines_containing(done.err, "reconnected") >= 2);
    }

    Reconciliation r = drain_and_reconcile(stream.bus, stream.spool, done.report);
    report_figures("two broker restarts", r);
    CHECK(r.lost == 0);
    CHECK(r.unexpected == 0);
    CHECK(r.duplicated_not_in_doubt == 0);
}
