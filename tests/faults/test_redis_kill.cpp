// Redis killed with SIGKILL while bb-publish streams with tracking on:
// tracking degrades with a warning, publishing goes on, every event is
// confirmed and the exit status is 0 (tracking is not required).
#include "faults/fault_stream.hpp"
#include "support/redis.hpp"

#include <doctest/doctest.h>

#include <chrono>

using namespace bbtest;
using namespace bbtest::faults;
using namespace std::chrono_literals;

TEST_CASE("Redis killed mid-stream: every event confirmed, a warning, exit 0") {
    auto s = private_services();
    if (!s)
        return;
    FaultStream stream(*s, make_input(20000));
    stream.options.env["REDIS_HOST"] = s->services.redis_host;
    stream.options.env["REDIS_PORT"] = std::to_string(s->services.redis_port);
    stream.start({"--track", "--track-timeout", "1"}, 4000);
    stream.wait_for_progress(5000, 1000);
    {
        // Tracking really was on: the first event's record is in Redis.
        Redis redis(s->services.redis_host, s->services.redis_port);
        CHECK(redis.command({"EXISTS", "bloodbank:event:" + *stream.input.event_ids[0]}).integer ==
              1);
    }
    REQUIRE(kill_recorded(*s, "redis"));
    std::size_t killed_at = stream.writer->written();

    StreamOutcome done = stream.finish(120s);
    CHECK(count_status(done.report, "confirmed") == done.report.size());
    CHECK(done.status == 0);
    CHECK_MESSAGE(done.err.find("warning") != std::string::npos, "stderr: " << done.err);

    Reconciliation r = reconcile(done.report, stream.bus.consume());
    MESSAGE("Redis killed at line " << killed_at);
    report_figures("Redis killed", r);
    CHECK(r.lost == 0);
    CHECK(r.unexpected == 0);
    CHECK(r.duplicated == 0);

    // Later tests get their Redis back.
    auto back = private_services();
    REQUIRE(back);
    CHECK(recorded_pid(*back, "redis") > 0);
}
