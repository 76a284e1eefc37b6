// bb-consume on a stream: replay from where --from says, resume from an
// offset file with no event skipped or repeated, filters on replay. Events
// are published by the test's own client; what bb-consume writes is
// compared with what was published, in order.
#include "test_bb_consume_support.hpp"

#include <doctest/doctest.h>
#include <rapidjson/document.h>

#include <chrono>
#include <ctime>
#include <thread>

using namespace bbtest;
using namespace bbtest::consume;

namespace {

// A bus whose queue is a stream that bb-consume declares and binds.
struct StreamBus {
    Bus bus;
    std::string stream = unique_name("cs");
    explicit StreamBus(const Services& s) : bus(s, false) {
        auto declared = consume({"--idle-timeout", "0.2"});
        REQUIRE(declared.status == 0);
    }
    ~StreamBus() {
        try {
            bus.admin.delete_queue(stream);
        } catch (...) {
        }
    }
    RunResult consume(std::vector<std::string> args) const {
        std::vector<std::string> argv{binary("bb-consume"), "--queue", stream, "--queue-type",
                                      "stream"};
        argv.insert(argv.end(), args.begin(), args.end());
        return run(argv, bus.options(""));
    }
};

std::vector<std::string> slice(const std::vector<std::string>& v, std::size_t from,
                               std::size_t to) {
    return {v.begin() + static_cast<std::ptrdiff_t>(from),
            v.begin() + static_cast<std::ptrdiff_t>(to)};
}

std::string utc_iso(std::time_t t) {
    char text[32];
    std::tm tm{};
    gmtime_r(&t, &tm);
    std::strftime(text, sizeof text, "%Y-%m-%dT%H:%M:%SZ", &tm);
    return text;
}

} // namespace

TEST_CASE("bb-consume: --offset-file resumes a stream where the last run stopped") {
    auto s = services();
    if (!s)
        return;
    StreamBus sb(*s);
    auto bodies = publish_events(sb.bus, 20);
    std::string file = sb.bus.cwd + "/offset";
    auto first = sb.consume({"--offset-file", file, "--count", "7"});
    CHECK(first.status == 0);
    auto second = sb.consume({"--offset-file", file, "--idle-timeout", "1"});
    CHECK(second.status == 0);
    auto seen = lines_of(first.out);
    CHECK(seen == slice(bodies, 0, 7));
    auto rest = lines_of(second.out);
    seen.insert(seen.end(), rest.begin(), rest.end());
    CHECK(seen == bodies); // the union is everything, in order, nothing twice
    auto more = publish_events(sb.bus, 3);
    auto third = sb.consume({"--offset-file", file, "--idle-timeout", "1"});
    CHECK(third.status == 0);
    CHECK(lines_of(third.out) == more);
    CHECK(read_text(file) == "23\n"); // a fresh stream counts from 0
}

TEST_CASE("bb-consume: --from first, an offset and a time replay exactly the events after it") {
    auto s = services();
    if (!s)
        return;
    StreamBus sb(*s);
    auto early = publish_events(sb.bus, 5);
    // A whole second between the two batches: stream times are kept per chunk.
    std::time_t middle = std::time(nullptr) + 1;
    while (std::time(nullptr) < middle + 1)
        std::this_thread::sleep_for(std::chrono::milliseconds(100));
    auto late = publish_events(sb.bus, 5);
    auto all = early;
    all.insert(all.end(), late.begin(), late.end());

    auto from_first = sb.consume({"--from", "first", "--idle-timeout", "1"});
    CHECK(from_first.status == 0);
    CHECK(lines_of(from_first.out) == all);

    auto delivered = sb.consume({"--from", "first", "--idle-timeout", "1", "--format", "delivery"});
    auto lines = lines_of(delivered.out);
    REQUIRE(lines.size() == 10);
    std::vector<std::int64_t> offsets;
    for (const auto& line : lines) {
        rapidjson::Document d;
        d.Parse(line.c_str());
        REQUIRE(d["properties"]["headers"].HasMember("x-stream-offset"));
        offsets.push_back(d["properties"]["headers"]["x-stream-offset"].GetInt64());
    }
    for (std::size_t i = 1; i < offsets.size(); ++i)
        CHECK(offsets[i] == offsets[i - 1] + 1);
    auto from_offset = sb.consume({"--from", std::to_string(offsets[3]), "--idle-timeout", "1"});
    CHECK(from_offset.status == 0);
    CHECK(lines_of(from_offset.out) == slice(all, 3, 10));

    auto from_time = sb.consume({"--from", utc_iso(middle), "--idle-timeout", "1"});
    CHECK(from_time.status == 0);
    CHECK(lines_of(from_time.out) == late);

    auto from_next = sb.consume({"--from", "next", "--idle-timeout", "1"});
    CHECK(from_next.status == 0);
    CHECK(from_next.out.empty());
}

TEST_CASE("bb-consume: --descends-from filters a replay of the stream") {
    auto s = services();
    if (!s)
        return;
    StreamBus sb(*s);
    EnvelopeSpec root, child, grandchild, stranger;
    child.parents = {root.event_id};
    grandchild.parents = {child.event_id};
    for (auto* e : {&stranger, &root, &child, &stranger, &grandchild})
        sb.bus.admin.publish(sb.bus.exchange, "test.event", canonical(*e), e->event_id);
    sb.bus.admin.wait_for_confirms();
    // No Redis for the seed: nothing recorded, so the filter starts from the id alone.
    auto options = sb.bus.options("");
    options.env["REDIS_HOST"] = s->redis_host;
    options.env["REDIS_PORT"] = std::to_string(s->redis_port);
    auto r = run({binary("bb-consume"), "--queue", sb.stream, "--queue-type", "stream", "--from",
                  "first", "--idle-timeout", "1", "--descends-from", root.event_id},
                 options);
    CHECK(r.status == 0);
    CHECK(lines_of(r.out) ==
          std::vector<std::string>{canonical(root), canonical(child), canonical(grandchild)});
}

TEST_CASE("bb-consume: a failed command on a stream stops the run at that event") {
    auto s = services();
    if (!s)
        return;
    StreamBus sb(*s);
    auto bodies = publish_events(sb.bus, 5);
    std::string dir = make_temp_dir();
    // Fails on the third event it is given, once.
    std::string cmd = script(dir, "third.sh",
                             "cat >> '" + dir + "/seen'; echo >> '" + dir +
                                 "/seen'\n"
                                 "[ $(wc -l < '" +
                                 dir + "/seen') -eq 3 ] && exit 1\nexit 0\n");
    std::string file = dir + "/offset";
    auto failed = sb.consume({"--offset-file", file, "--idle-timeout", "1", "--exec", cmd});
    CHECK(failed.status == 75);
    CHECK(lines_of(read_text(dir + "/seen")) == slice(bodies, 0, 3));
    auto again = sb.consume({"--offset-file", file, "--idle-timeout", "1", "--exec", cmd});
    CHECK(again.status == 0);
    // The failed event is given again, then the rest; nothing after it was skipped.
    auto seen = lines_of(read_text(dir + "/seen"));
    auto expected = slice(bodies, 0, 3);
    for (std::size_t i = 2; i < 5; ++i)
        expected.push_back(bodies[i]);
    CHECK(seen == expected);
}

TEST_CASE("bb-consume: stream options are usage errors without --queue-type stream") {
    auto s = services();
    if (!s)
        return;
    Bus bus(*s, false);
    for (std::vector<std::string> args :
         {std::vector<std::string>{"--queue", "q", "--from", "first"},
          {"--queue", "q", "--offset-file", "f"},
          {"--queue", "q", "--queue-type", "quorum", "--max-age", "7D"},
          {"--queue", "q", "--queue-type", "stream", "--max-age", "7 days"},
          {"--queue", "q", "--queue-type", "stream", "--from", "yesterday"},
          {"--queue-type", "stream"},
          {"--queue", "q", "--queue-type", "lake"}}) {
        CAPTURE(args.back());
        args.insert(args.begin(), binary("bb-consume"));
        auto r = run(args, bus.options(""));
        CHECK(r.status == 64);
        CHECK(!r.err.empty());
    }
}
