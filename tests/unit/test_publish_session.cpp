// The bb-publish session: the exit status of every pair of competing causes,
// the closing lines, and the runs that need no server (a dry run, a broker
// that refuses connections on loopback port 1, an empty spool).
#include "../support/temp_dir.hpp"

#include "bloodbank/publish_session.hpp"

#include <doctest/doctest.h>

#include <filesystem>
#include <fstream>
#include <functional>
#include <map>
#include <optional>
#include <string>
#include <utility>
#include <vector>

namespace {

namespace fs = std::filesystem;
using bbtest::TempDir;

// One cause of a status, applied to an outcome; `status` is what it gives alone.
struct Cause {
    const char* name;
    std::function<void(bb::PublishOutcome&)> apply;
    int status;
};

bb::Error error(bb::ErrorKind kind) {
    return bb::make_error(kind, "it failed");
}

void tracking_lost(bb::PublishSummary& s) {
    s.tracking.enabled = true;
    s.tracking.events_not_written = 1;
}

// In precedence order: of any two, the first decides the status.
std::vector<Cause> publish_causes() {
    using O = bb::PublishOutcome;
    return {
        {"stdout not written", [](O& o) { o.stdout_written = false; }, 74},
        {"stopped before running", [](O& o) { o.stopped = bb::ErrorKind::not_found; }, 66},
        {"input error", [](O& o) { o.summary.input_error = error(bb::ErrorKind::io); }, 74},
        {"spool error", [](O& o) { o.summary.spool_error = error(bb::ErrorKind::io); }, 74},
        {"SIGTERM", [](O& o) { o.summary.signal = 15; }, 143},
        {"event nacked", [](O& o) { o.summary.nacked = 1; }, 69},
        {"input left unread", [](O& o) { o.summary.input_stopped = true; }, 69},
        {"tracking incomplete", [](O& o) { tracking_lost(o.summary); }, 79},
        {"events spooled", [](O& o) { o.summary.spooled = 2; }, 75},
        {"record invalid", [](O& o) { o.summary.invalid = 1; }, 65},
    };
}

std::vector<Cause> drain_causes() {
    using O = bb::PublishOutcome;
    return {
        {"stdout not written", [](O& o) { o.stdout_written = false; }, 74},
        {"stopped before running", [](O& o) { o.stopped = bb::ErrorKind::temporary; }, 75},
        {"segment I/O error", [](O& o) { o.drained.error = error(bb::ErrorKind::io); }, 74},
        {"SIGINT", [](O& o) { o.drained.totals.signal = 2; }, 130},
        {"segment missing", [](O& o) { o.drained.error = error(bb::ErrorKind::not_found); }, 75},
        {"segments left",
         [](O& o) {
             o.drained.segments = 3, o.drained.removed = 1, o.drained.rewritten = 1;
             o.drained.kept = 4;
         },
         75},
        {"unfinished files left", [](O& o) { o.drained.unfinished_events = 3; }, 75},
        {"events set aside", [](O& o) { o.drained.set_aside = 1; }, 65},
        {"tracking incomplete", [](O& o) { tracking_lost(o.drained.totals); }, 79},
    };
}

bb::PublishOutcome outcome(bb::PublishMode mode) {
    bb::PublishOutcome o;
    o.mode = mode;
    o.require_tracking = true;
    o.spool_dir = "/spool";
    return o;
}

void check_pairs(bb::PublishMode mode, const std::vector<Cause>& causes) {
    for (const Cause& cause : causes) {
        bb::PublishOutcome alone = outcome(mode);
        cause.apply(alone);
        CAPTURE(cause.name);
        CHECK(alone.exit_status() == cause.status);
    }
    for (std::size_t first = 0; first < causes.size(); ++first) {
        for (std::size_t second = first + 1; second < causes.size(); ++second) {
            // Either order of applying them: the fields are independent.
            bb::PublishOutcome both = outcome(mode);
            causes[second].apply(both);
            causes[first].apply(both);
            std::string pair = std::string(causes[first].name) + " over " + causes[second].name;
            CAPTURE(pair);
            CHECK(both.exit_status() == causes[first].status);
        }
    }
}

// A file `name` in `dir` holding `text`.
std::string write(const TempDir& dir, const std::string& name, const std::string& text) {
    std::ofstream(dir.file(name), std::ios::binary) << text;
    return dir.file(name);
}

// A broker that refuses at once: nothing listens on loopback port 1.
bb::Config refusing_broker(std::map<std::string, std::string> env = {}) {
    env.emplace("RABBIT_URL", "amqp://127.0.0.1:1/");
    bb::ConfigSources sources;
    sources.dotenv_path = "";
    sources.getenv = [env](const std::string& name) -> std::optional<std::string> {
        auto it = env.find(name);
        return it == env.end() ? std::nullopt : std::optional<std::string>(it->second);
    };
    auto config = bb::Config::load(sources);
    REQUIRE(config.has_value());
    return *config;
}

struct Recorder : bb::PublishSink {
    std::vector<std::string> notices;
    std::vector<bb::LineStatus> statuses;

    void outcome(const bb::LineOutcome& o) override { statuses.push_back(o.status); }
    void notice(std::string_view text) override { notices.emplace_back(text); }
};

const std::string event = R"({"event_type":"test.session","payload":{}})"
                          "\n";

bool starts_with(const std::string& text, std::string_view prefix) {
    return text.rfind(prefix, 0) == 0;
}

} // namespace

TEST_CASE("publish_session: of two causes in a publish, the first in precedence decides") {
    check_pairs(bb::PublishMode::publish, publish_causes());
}

TEST_CASE("publish_session: of two causes in a drain, the first in precedence decides") {
    check_pairs(bb::PublishMode::drain, drain_causes());
}

TEST_CASE("publish_session: the finer points of the status") {
    bb::PublishOutcome publish = outcome(bb::PublishMode::publish);
    CHECK(publish.exit_status() == 0);
    publish.summary.broker_error = error(bb::ErrorKind::unavailable);
    CHECK(publish.exit_status() == 69); // lost with nothing kept
    publish.summary.spooled = 1;
    CHECK(publish.exit_status() == 75); // lost, and everything kept
    publish.summary.input_error = bb::make_error(bb::ErrorKind::data, "bad");
    CHECK(publish.exit_status() == 65); // an input error keeps its own kind

    bb::PublishOutcome untracked = outcome(bb::PublishMode::publish);
    tracking_lost(untracked.summary);
    untracked.require_tracking = false;
    CHECK(untracked.exit_status() == 0);
    untracked.summary.tracking.enabled = false; // tracking off: nothing to lose
    untracked.require_tracking = true;
    CHECK(untracked.exit_status() == 0);

    bb::PublishOutcome drain = outcome(bb::PublishMode::drain);
    CHECK(drain.exit_status() == 0); // an empty spool
    drain.drained.segments = 2, drain.drained.removed = 2, drain.drained.set_aside = 2;
    CHECK(drain.exit_status() == 65); // all sent, but some need a person
    tracking_lost(drain.drained.totals);
    CHECK(drain.exit_status() == 65);
    drain.drained.removed = 1, drain.drained.rewritten = 1, drain.drained.kept = 3;
    CHECK(drain.exit_status() == 75); // a later drain has work

    CHECK(bb::publish_exit_status(publish.summary, true) == 65);
}

TEST_CASE("publish_session: a publish closes with its errors, warning, summary and spool") {
    bb::PublishOutcome o = outcome(bb::PublishMode::publish);
    o.summary.input_error = bb::make_error(bb::ErrorKind::io, "reading stdin failed");
    o.summary.broker_error = bb::make_error(bb::ErrorKind::unavailable, "broker gone");
    o.summary.spool_error = bb::make_error(bb::ErrorKind::io, "spool full");
    tracking_lost(o.summary);
    o.summary.spooled = 5;
    o.stdout_written = false;
    std::vector<std::string> lines = o.closing_lines(false);
    REQUIRE(lines.size() == 7);
    CHECK(lines[0] == "reading stdin failed");
    CHECK(lines[1] == "broker gone");
    CHECK(lines[2] == "spool full");
    CHECK(lines[3] == "warning: " + bb::tracking_warning(o.summary.tracking));
    CHECK(lines[4] == bb::summary_text(o.summary, false));
    CHECK(lines[5] ==
          "5 events kept in the spool /spool; publish them with bb-publish --drain /spool");
    CHECK(lines[6] == "write error on stdout");

    bb::PublishOutcome quiet = outcome(bb::PublishMode::publish);
    CHECK(quiet.closing_lines(true).empty());
    quiet.stopped = bb::ErrorKind::usage; // its reason was a notice
    CHECK(quiet.closing_lines(false).empty());
}

TEST_CASE("publish_session: a drain closes with its progress, also when quiet if any is left") {
    bb::PublishOutcome empty = outcome(bb::PublishMode::drain);
    CHECK(empty.closing_lines(false) == std::vector<std::string>{"the spool /spool is empty"});
    CHECK(empty.closing_lines(true).empty());

    bb::PublishOutcome o = outcome(bb::PublishMode::drain);
    o.drained.segments = 3;
    o.drained.removed = 1;
    o.drained.error = bb::make_error(bb::ErrorKind::io, "segment unreadable");
    std::vector<std::string> lines = o.closing_lines(true);
    REQUIRE(lines.size() == 2);
    CHECK(lines[0] == "segment unreadable");
    CHECK(lines[1] == "drained 1 of 3 segments from /spool; 2 left");
    o.drained.removed = 3;
    o.drained.error.reset();
    CHECK(o.closing_lines(true).empty());
    CHECK(o.closing_lines(false).back() == "drained 3 of 3 segments from /spool; 0 left");
}

TEST_CASE("publish_session: a dry run connects to nothing") {
    TempDir dir{"bb-session-test"};
    bb::Config config = refusing_broker();
    bb::PublishSessionOptions options;
    options.input = write(dir, "events.ndjson", event + "not json\n" + event);
    options.pipeline.dry_run = true;
    options.spool_dir = dir.file("spool"); // a dry run opens no spool either
    Recorder sink;
    bb::PublishOutcome o = bb::PublishSession(config, options).publish(sink);
    CHECK_FALSE(o.stopped);
    CHECK(sink.notices.empty());
    CHECK(o.summary.valid == 2);
    CHECK(o.summary.invalid == 1);
    CHECK(o.exit_status() == 65);
    CHECK(starts_with(o.closing_lines(false).back(), "valid 2, invalid 1 in "));
    CHECK_FALSE(fs::exists(dir.file("spool")));
}

TEST_CASE("publish_session: a publish stops before reading when its input cannot be opened") {
    TempDir dir{"bb-session-test"};
    bb::Config config = refusing_broker();
    bb::PublishSessionOptions options;
    options.input = dir.file("missing.ndjson");
    Recorder sink;
    bb::PublishOutcome o = bb::PublishSession(config, options).publish(sink);
    REQUIRE(sink.notices.size() == 1);
    CHECK(starts_with(sink.notices[0], "cannot open " + options.input));
    CHECK(o.stopped == bb::ErrorKind::not_found);
    CHECK(o.exit_status() == 66);
}

TEST_CASE("publish_session: settings are read only when needed, and stop the run when bad") {
    TempDir dir{"bb-session-test"};
    bb::Config config = refusing_broker({{"REDIS_PORT", "x"}});
    config.set_flag(bb::ConfigItem::rabbit_url, "http://nowhere/");
    bb::PublishSessionOptions options;
    options.input = write(dir, "events.ndjson", event);
    Recorder sink;
    bb::PublishOutcome o = bb::PublishSession(config, options).publish(sink);
    REQUIRE(sink.notices.size() == 1);
    CHECK(starts_with(sink.notices[0], "RABBIT_URL (flag): "));
    CHECK(o.exit_status() == 64);

    // An empty spool needs no broker: its settings are never read.
    fs::create_directory(dir.file("spool"));
    options.spool_dir = dir.file("spool");
    bb::PublishOutcome drained = bb::PublishSession(config, options).drain(sink);
    CHECK(sink.notices.size() == 1);
    CHECK(drained.exit_status() == 0);
    CHECK(drained.closing_lines(false) ==
          std::vector<std::string>{"the spool " + options.spool_dir + " is empty"});

    // Tracking's settings are read (after the broker's) when tracking is on.
    config.set_flag(bb::ConfigItem::rabbit_url, "amqp://127.0.0.1:1/");
    options.spool_dir.clear();
    options.track = true;
    Recorder tracked;
    bb::PublishOutcome bad_redis = bb::PublishSession(config, options).publish(tracked);
    REQUIRE(tracked.notices.size() == 1);
    CHECK(starts_with(tracked.notices[0], "REDIS_PORT=x (environment): "));
    CHECK(bad_redis.exit_status() == 64);
}

TEST_CASE("publish_session: with a spool, a broker that cannot be reached keeps every event") {
    TempDir dir{"bb-session-test"};
    bb::Config config = refusing_broker();
    bb::PublishSessionOptions options;
    options.input = write(dir, "events.ndjson", event + event);
    options.spool_dir = dir.file("spool");
    Recorder sink;
    bb::PublishOutcome o = bb::PublishSession(config, options).publish(sink);
    REQUIRE_FALSE(sink.notices.empty());
    CHECK(sink.notices[0].ends_with("; keeping the events in the spool"));
    CHECK(o.summary.spooled == 2);
    CHECK(sink.statuses == std::vector{bb::LineStatus::spooled, bb::LineStatus::spooled});
    CHECK(o.exit_status() == 75);

    // Without a spool the same broker stops the run before any input is read.
    options.spool_dir.clear();
    Recorder without;
    bb::PublishOutcome stopped = bb::PublishSession(config, options).publish(without);
    REQUIRE(without.notices.size() == 1);
    CHECK(without.notices[0].find("127.0.0.1:1") != std::string::npos);
    CHECK(without.statuses.empty());
    CHECK(stopped.exit_status() == 69);

    // A drain of that spool leaves it whole and says so.
    options.spool_dir = dir.file("spool");
    Recorder drain;
    bb::PublishOutcome drained = bb::PublishSession(config, options).drain(drain);
    REQUIRE(drain.notices.size() == 2);
    CHECK(drain.notices[1] == "1 segments left in the spool " + options.spool_dir);
    CHECK(drained.closing_lines(false).empty());
    CHECK(drained.exit_status() == 75);
    CHECK(bb::list_spool(options.spool_dir)->size() == 1);
}
