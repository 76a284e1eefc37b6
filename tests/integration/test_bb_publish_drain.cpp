// What a drain does with what it cannot publish, against the real broker:
// an unroutable event set aside, a file-size limit while spooling, writers'
// unfinished files, a spool folder others can write into, and files that are
// not segments.
#include "support/lines.hpp"
#include "test_bb_publish_spool_support.hpp"

#include <fmt/format.h>

#include <filesystem>
#include <fstream>
#include <sys/stat.h>
#include <unistd.h>

using namespace bbtest;
using namespace bbtest::publish;

namespace {

// Events spooled while the broker is down, in one segment.
void spool_events(const Bus& bus, const std::string& spool,
                  const std::vector<EnvelopeSpec>& events) {
    std::string input;
    for (const auto& e : events)
        input += canonical(e) + "\n";
    RunResult r = Bus::run_publish({"--quiet", "--spool", spool}, broker_down(bus, input));
    REQUIRE(r.status == 75);
}

std::vector<std::string> ids(const std::vector<EnvelopeSpec>& events) {
    std::vector<std::string> out;
    for (const auto& e : events)
        out.push_back(e.event_id);
    return out;
}

// A bus whose queue takes "test.#" only: "other.*" events are unroutable.
struct TestOnlyBus : SpoolBus {
    explicit TestOnlyBus(const Services& s) : SpoolBus(s, false) {
        admin.declare_queue(queue);
        admin.bind(queue, exchange, "test.#");
    }
};

} // namespace

TEST_CASE("drain: an unroutable event is set aside in rejected/ with its reason, and the events "
          "after it are delivered") {
    auto services = bbtest::services();
    if (!services)
        return;
    TestOnlyBus bus(*services);
    const std::string& spool = bus.spool;
    EnvelopeSpec first, poison, after, later;
    poison.event_type = "other.unbound";
    spool_events(bus, spool, {first, poison, after});
    spool_events(bus, spool, {later});
    auto segments = segments_in(spool);
    REQUIRE(segments.size() == 2);
    std::string segment = segments[0].filename().string();

    RunResult r = bus.publish({"--drain", spool}, "");
    // Set aside is not success: a person has to look (65); nothing is left for a later drain.
    CHECK(r.status == 65);
    CHECK(ids_of(bus.admin.drain(bus.queue)) == ids({first, after, later}));
    CHECK(split_lines(r.out) == ids({first, after, later}));
    CHECK(contains(r.err, segment + " line 2: event " + poison.event_id + " was returned"));
    CHECK(contains(r.err, "failed 0"));
    CHECK(contains(r.err, "drained 2 of 2 segments from " + spool + "; 0 left"));
    CHECK(contains(r.err, "set aside 1 event in " + spool + "/rejected, with the reasons"));

    std::string rejected = spool + "/rejected";
    CHECK((fs::status(rejected).permissions() & fs::perms::all) == fs::perms::owner_all);
    CHECK(read_file(rejected + "/" + segment) == canonical(poison) + "\n");
    CHECK((fs::status(rejected + "/" + segment).permissions() & fs::perms::all) ==
          (fs::perms::owner_read | fs::perms::owner_write));
    CHECK(read_file(rejected + "/" + segment + ".reasons") ==
          "line 1: " + segment +
              " line 2: returned by the broker: no queue is bound for event type "
              "\"other.unbound\"\n");
    CHECK(hidden_files_in(spool).empty());

    RunResult again = bus.publish({"--drain", spool, "-v"}, "");
    CHECK(again.status == 0);
    CHECK(contains(again.err, "is empty"));
    CHECK(bus.admin.message_count(bus.queue) == 0);
}

TEST_CASE("drain: a file-size limit while spooling is a write error: exit 74, the first line not "
          "kept named, no temporary file left") {
    auto services = bbtest::services();
    if (!services)
        return;
    SpoolBus bus(*services);
    const std::string& spool = bus.spool;
    std::string input;
    for (int i = 0; i < 100; ++i)
        input += canonical(EnvelopeSpec{}) + "\n";
    // 3000 bytes: less than the first segment of 100 events.
    RunResult r =
        run({"/usr/bin/prlimit", "--fsize=3000", binary("bb-publish"), "--quiet", "--spool", spool},
            broker_down(bus, input));
    CHECK(r.status == 74);
    CHECK(contains(r.err, "spool " + spool +
                              ": cannot write: File too large; events from input line 1 on were "
                              "not kept"));
    CHECK(segments_in(spool).empty());
    CHECK(hidden_files_in(spool).empty());
}

TEST_CASE("drain: events in a running writer's unfinished file are named as left, exit 75") {
    auto services = bbtest::services();
    if (!services)
        return;
    SpoolBus bus(*services);
    const std::string& spool = bus.spool;
    EnvelopeSpec e = spool_one_event(bus, spool);
    // This test's process is running: its file is not taken, however old.
    std::ofstream(fmt::format("{}/.tmp-{}-1", spool, ::getpid()))
        << canonical(EnvelopeSpec{}) << "\n"
        << canonical(EnvelopeSpec{}) << "\n";

    RunResult r = bus.publish({"--drain", spool}, "");
    CHECK(r.status == 75);
    CHECK(ids_of(bus.admin.drain(bus.queue)) == std::vector<std::string>{e.event_id});
    CHECK(contains(r.err, "drained 1 of 1 segments from " + spool + "; 0 left"));
    CHECK(contains(r.err, "2 events left in 1 unfinished file of writers that are still "
                          "running or wrote them less than 10 minutes ago"));

    // No segment at all: still not "empty".
    RunResult only = bus.publish({"--drain", spool}, "");
    CHECK(only.status == 75);
    CHECK_FALSE(contains(only.err, "is empty"));
    CHECK(contains(only.err, "2 events left in 1 unfinished file"));
}

TEST_CASE("drain: a spool folder others can write into, or another user's, is refused") {
    auto services = bbtest::services();
    if (!services)
        return;
    SpoolBus bus(*services);
    const std::string& spool = bus.spool;
    EnvelopeSpec e = spool_one_event(bus, spool);
    REQUIRE(::chmod(spool.c_str(), 0777) == 0);
    std::string refused = "spool " + spool + ": refused: its group or others can write to it";

    RunResult writing =
        Bus::run_publish({"--spool", spool}, broker_down(bus, canonical(EnvelopeSpec{}) + "\n"));
    CHECK(writing.status == 74);
    CHECK(contains(writing.err, refused));
    RunResult draining = bus.publish({"--drain", spool}, "");
    CHECK(draining.status == 74);
    CHECK(contains(draining.err, refused));
    CHECK(bus.admin.message_count(bus.queue) == 0);
    CHECK(segments_in(spool).size() == 1);

    REQUIRE(::chmod(spool.c_str(), 0700) == 0);
    if (::geteuid() == 0) {
        REQUIRE(::chown(spool.c_str(), 65534, 65534) == 0);
        RunResult theirs = bus.publish({"--drain", spool}, "");
        CHECK(theirs.status == 74);
        CHECK(contains(theirs.err, "refused: owned by uid 65534, not by this user"));
        REQUIRE(::chown(spool.c_str(), 0, 0) == 0);
    }
    RunResult mine = bus.publish({"--drain", spool}, "");
    CHECK(mine.status == 0);
    CHECK(ids_of(bus.admin.drain(bus.queue)) == std::vector<std::string>{e.event_id});
}

TEST_CASE("drain: files that are not segments are named, and a bad line is named with its "
          "segment and set aside") {
    auto services = bbtest::services();
    if (!services)
        return;
    SpoolBus bus(*services);
    const std::string& spool = bus.spool;
    EnvelopeSpec e = spool_one_event(bus, spool);
    auto segments = segments_in(spool);
    REQUIRE(segments.size() == 1);
    std::string segment = segments[0].filename().string();
    std::ofstream(segments[0], std::ios::app) << "{\"event_type\": \"test.event\"}\n";
    std::string near_miss = segment.substr(0, segment.size() - 7) + ".json";
    std::ofstream(spool + "/" + near_miss) << canonical(EnvelopeSpec{}) << "\n";

    RunResult r = bus.publish({"--drain", spool}, "");
    CHECK(r.status == 65);
    CHECK(contains(r.err, "warning: spool " + spool + ": " + near_miss + " is not a segment"));
    CHECK(contains(r.err, segment + " line 2: "));
    CHECK(ids_of(bus.admin.drain(bus.queue)) == std::vector<std::string>{e.event_id});
    CHECK(read_file(spool + "/rejected/" + segment) == "{\"event_type\": \"test.event\"}\n");
    CHECK(fs::exists(spool + "/" + near_miss));
}
