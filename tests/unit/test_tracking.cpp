#include "bloodbank/tracking.hpp"

#include <doctest/doctest.h>

#include <map>
#include <string>

namespace {

bb::Config config_with(std::map<std::string, std::string> env) {
    bb::ConfigSources sources;
    sources.dotenv_path = "";
    sources.getenv = [env](const std::string& name) -> std::optional<std::string> {
        auto it = env.find(name);
        if (it == env.end())
            return std::nullopt;
        return it->second;
    };
    auto config = bb::Config::load(sources);
    REQUIRE(config.has_value());
    return *config;
}

bb::Envelope event_with_parents(int parents) {
    bb::Envelope e;
    e.event_id = bb::uuid_v4();
    e.event_type = "t";
    e.source.host = "h";
    for (int i = 0; i < parents; ++i)
        e.correlation_ids.push_back(bb::uuid_v4());
    return e;
}

} // namespace

TEST_CASE("tracking: on when REDIS_URL or REDIS_HOST is configured, flags decide first") {
    CHECK_FALSE(bb::tracking_enabled(config_with({}), std::nullopt));
    CHECK_FALSE(bb::tracking_enabled(config_with({{"REDIS_PORT", "6380"}, {"REDIS_DB", "2"}}),
                                     std::nullopt));
    CHECK(bb::tracking_enabled(config_with({{"REDIS_HOST", "redis.internal"}}), std::nullopt));
    CHECK(bb::tracking_enabled(config_with({{"REDIS_URL", "redis://r:6379/0"}}), std::nullopt));
    CHECK_FALSE(bb::tracking_enabled(config_with({{"REDIS_HOST", ""}}), std::nullopt));
    CHECK_FALSE(bb::tracking_enabled(config_with({{"REDIS_HOST", "r"}}), false));
    CHECK(bb::tracking_enabled(config_with({}), true));

    bb::Config flagged = config_with({});
    flagged.set_flag("REDIS_HOST", "127.0.0.1");
    CHECK(bb::tracking_enabled(flagged, std::nullopt));
}

TEST_CASE("tracking: when Redis cannot be reached, what waits for it is counted at the end") {
    bb::TrackingOptions options;
    options.target.host = "127.0.0.1";
    options.target.port = 1; // nothing listens there
    options.target.password = "hunter2";
    bb::Tracker tracker = bb::Tracker::open(options);
    // Said at once, not only at the end.
    auto notices = tracker.take_notices();
    REQUIRE(notices.size() == 1);
    CHECK(notices[0].rfind("warning: tracking: Redis at redis://127.0.0.1:1/0: ", 0) == 0);
    CHECK(notices[0].find("keeping up to 65536 events' writes") != std::string::npos);
    CHECK(notices[0].find("hunter2") == std::string::npos);
    CHECK(tracker.take_notices().empty());

    tracker.record(event_with_parents(0));
    tracker.record(event_with_parents(2));
    tracker.record(event_with_parents(1));
    tracker.flush();
    // Kept for a retry while the run goes on.
    CHECK(tracker.queued() == 3);
    CHECK(tracker.report().events_not_written == 0);
    tracker.finish();
    CHECK(tracker.queued() == 0);
    const bb::TrackingReport& report = tracker.report();
    REQUIRE(report.failure.has_value());
    CHECK(report.failure->kind == bb::ErrorKind::unavailable);
    CHECK(report.outages == 1);
    CHECK(report.enabled);
    CHECK(report.events_not_written == 3);
    CHECK(report.links_not_written == 3);
    CHECK(report.events_written == 0);
    CHECK_FALSE(report.complete());

    std::string warning = bb::tracking_warning(report);
    CHECK(warning.rfind("correlation tracking unavailable (Redis at redis://127.0.0.1:1/0: ", 0) ==
          0);
    const std::string tail = "); 3 links and 3 event records not written";
    REQUIRE(warning.size() > tail.size());
    CHECK(warning.substr(warning.size() - tail.size()) == tail);
    CHECK(warning.find("hunter2") == std::string::npos);
}

TEST_CASE("tracking: what overflows the retry buffer is counted as not written at once") {
    bb::TrackingOptions options;
    options.target.host = "127.0.0.1";
    options.target.port = 1;
    options.retry_buffer_events = 2;
    bb::Tracker tracker = bb::Tracker::open(options);
    tracker.record(event_with_parents(1));
    tracker.record(event_with_parents(1));
    tracker.record(event_with_parents(3));
    CHECK(tracker.queued() == 2);
    CHECK(tracker.report().overflowed == 1);
    CHECK(tracker.report().events_not_written == 1);
    CHECK(tracker.report().links_not_written == 3);
    tracker.finish();
    CHECK(tracker.report().events_not_written == 3);
    CHECK(tracker.report().links_not_written == 5);
    CHECK(tracker.report().events_written == 0);
}

TEST_CASE("tracking: the warning counts in the singular too") {
    bb::TrackingReport report;
    report.failure =
        bb::make_error(bb::ErrorKind::unavailable, "Redis at redis://r:1/0: timed out");
    report.links_not_written = 1;
    report.events_not_written = 1;
    CHECK(bb::tracking_warning(report) ==
          "correlation tracking unavailable (Redis at redis://r:1/0: timed out); 1 link and 1 "
          "event record not written");
}
