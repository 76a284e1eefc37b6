// A drain of a real spool folder through a scripted broker (fake_channel.hpp):
// what is published is marked in its segment, what can never be published
// is set aside in rejected/, and what a drain cannot take is named.
#include "fake_channel.hpp"
#include "spool_helpers.hpp"

#include "bloodbank/drain.hpp"
#include "bloodbank/spool.hpp"

#include <doctest/doctest.h>
#include <fmt/format.h>

#include <filesystem>
#include <set>
#include <string>
#include <sys/stat.h>
#include <unistd.h>
#include <vector>

namespace {

namespace fs = std::filesystem;
using bbtest::FakeChannel;
using namespace bbtest::spool;

const std::string segment_name = "20261127T110435.123456Z-04242-000001.ndjson";

std::string id(int i) {
    return fmt::format("00000000-0000-4000-8000-{:012}", i);
}

// A complete envelope in the canonical form (DESIGN §3, written out here):
// what a drain sends, and sets aside, byte for byte.
std::string envelope(int i, const std::string& type = "test.fake") {
    return fmt::format(R"({{"event_id":"{}","event_type":"{}",)"
                       R"("timestamp":"2025-10-18T14:03:07.123456+00:00","version":"1.0.0",)"
                       R"("source":{{"host":"h","type":"manual","app":null,"meta":null}},)"
                       R"("correlation_ids":[],"agent_context":null,"payload":{{"i":{}}}}})",
                       id(i), type, i);
}

struct Recorder : bb::PublishSink {
    std::vector<std::string> where; // "FILE line N" of every outcome
    std::vector<std::string> notices;
    void outcome(const bb::LineOutcome& o) override {
        where.push_back(fmt::format("{} line {}", o.file, o.line));
    }
    void notice(std::string_view text) override { notices.emplace_back(text); }
};

// A broker that answers each message with what `verdict` says of its id.
void answer_by_id(FakeChannel& broker, std::function<bb::Delivery(const std::string&)> verdict) {
    broker.answer = [&broker, verdict](const std::vector<std::uint64_t>& tags) {
        std::vector<bb::Settled> out;
        for (auto tag : tags)
            for (const auto& sent : broker.sent)
                if (sent.tag == tag)
                    out.push_back({tag, verdict(sent.message_id)});
        return out;
    };
}

bb::DrainSummary drain(const std::string& dir, FakeChannel& broker, Recorder& sink) {
    auto plan = bb::plan_drain(dir);
    REQUIRE_MESSAGE(plan.has_value(), plan.error().message);
    bb::PipelineOptions options;
    options.max_in_flight = 1;
    return bb::drain_spool(*plan, 1 << 20, options, broker, nullptr, sink);
}

std::set<std::string> names_in(const std::string& dir) {
    std::set<std::string> names;
    for (const auto& entry : fs::directory_iterator(dir))
        names.insert(entry.path().filename().string());
    return names;
}

} // namespace

TEST_CASE_FIXTURE(FreshSpool, "drain: a returned event and a line that is not an envelope are set "
                              "aside with their reasons, and the rest is published") {
    REQUIRE(::mkdir(dir.c_str(), 0700) == 0);
    write_file(dir + "/" + segment_name, envelope(1) + "\n" + envelope(2, "no.queue") + "\n" +
                                             "{\"not\": json\n" + envelope(3) + "\n");
    FakeChannel broker;
    answer_by_id(broker, [](const std::string& message) {
        return message == id(2) ? bb::Delivery::returned : bb::Delivery::confirmed;
    });
    Recorder sink;
    bb::DrainSummary summary = drain(dir, broker, sink);

    CHECK_FALSE(summary.error.has_value());
    CHECK(broker.ids() == std::vector<std::string>{id(1), id(2), id(3)});
    CHECK(sink.where == std::vector<std::string>{segment_name + " line 1", segment_name + " line 2",
                                                 segment_name + " line 3",
                                                 segment_name + " line 4"});
    CHECK(summary.removed == 1);
    CHECK(summary.set_aside == 2);
    CHECK(summary.totals.published == 2);
    CHECK(summary.totals.returned == 0); // counted as set aside, not as failed
    CHECK(summary.totals.invalid == 0);
    CHECK(names_in(dir) == std::set<std::string>{".drain.lock", "rejected"});

    std::string rejected = dir + "/rejected";
    CHECK(mode_of(rejected) == 0700);
    REQUIRE(summary.rejected_files == std::vector<std::string>{rejected + "/" + segment_name});
    CHECK(names_in(rejected) == std::set<std::string>{segment_name, segment_name + ".reasons"});
    CHECK(mode_of(rejected + "/" + segment_name) == 0600);
    CHECK(mode_of(rejected + "/" + segment_name + ".reasons") == 0600);
    CHECK(read_file(rejected + "/" + segment_name) ==
          envelope(2, "no.queue") + "\n{\"not\": json\n");
    std::string reasons = read_file(rejected + "/" + segment_name + ".reasons");
    CHECK(reasons.starts_with("line 1: " + segment_name +
                              " line 2: returned by the broker: no queue is bound for event "
                              "type \"no.queue\"\nline 2: " +
                              segment_name + " line 3: "));
    CHECK(std::count(reasons.begin(), reasons.end(), '\n') == 2);

    // Nothing is left for the next drain.
    FakeChannel again;
    Recorder quiet;
    bb::DrainSummary second = drain(dir, again, quiet);
    CHECK(second.segments == 0);
    CHECK(again.ids().empty());
}

TEST_CASE_FIXTURE(FreshSpool, "drain: what was published is marked in its segment, so a full disk "
                              "that stops the rewrite sends nothing twice") {
    REQUIRE(::mkdir(dir.c_str(), 0700) == 0);
    SmallTmpfs disk(dir, "64k");
    REQUIRE_MESSAGE(disk.mounted(), "the unit tests run as root, where a tmpfs can be mounted");
    std::string segment = dir + "/" + segment_name;
    std::string text;
    for (int i = 1; i <= 20; ++i)
        text += envelope(i) + "\n";
    write_file(segment, text);
    // Fill the disk: not one more block.
    {
        std::ofstream filler(dir + "/filler", std::ios::binary);
        std::string block(4096, 'x');
        while (filler.write(block.data(), block.size()) && filler.flush()) {
        }
    }

    // Ten are confirmed, the broker refuses the rest: the segment keeps them.
    FakeChannel broker;
    answer_by_id(broker, [](const std::string& message) {
        return message <= id(10) ? bb::Delivery::confirmed : bb::Delivery::nacked;
    });
    Recorder sink;
    bb::DrainSummary first = drain(dir, broker, sink);
    CHECK_FALSE(first.error.has_value());
    CHECK(first.totals.published == 10);
    CHECK(first.kept == 10);
    CHECK(first.possible_duplicates == 0);

    // The broker takes everything now: only the ten left are sent.
    FakeChannel later;
    Recorder sink2;
    ::unlink((dir + "/filler").c_str());
    bb::DrainSummary second = drain(dir, later, sink2);
    std::vector<std::string> rest;
    for (int i = 11; i <= 20; ++i)
        rest.push_back(id(i));
    CHECK(later.ids() == rest);
    CHECK(second.removed == 1);
}

TEST_CASE_FIXTURE(FreshSpool, "drain: a writer's unfinished file that cannot be taken yet, and "
                              "files that are not segments, are named, not passed over") {
    REQUIRE(::mkdir(dir.c_str(), 0700) == 0);
    // This process is running: its temporary file is left, with its two whole lines.
    write_file(fmt::format("{}/.tmp-{}-1", dir, ::getpid()),
               envelope(1) + "\n" + envelope(2) + "\n" + "{\"cut");
    write_file(dir + "/20261127T110435.123456Z-04242-1.ndjson", envelope(3) + "\n");
    write_file(dir + "/notes.txt", "");
    REQUIRE(::symlink(segment_name.c_str(), (dir + "/" + segment_name).c_str()) == 0);
    REQUIRE(::mkdir((dir + "/old").c_str(), 0700) == 0);
    REQUIRE(::mkdir((dir + "/rejected").c_str(), 0700) == 0);

    auto plan = bb::plan_drain(dir);
    REQUIRE_MESSAGE(plan.has_value(), plan.error().message);
    CHECK(plan->segments.empty());
    CHECK(plan->recovered.left_files == 1);
    CHECK(plan->recovered.left_events == 2);
    CHECK(plan->unknown == std::vector<std::string>{segment_name,
                                                    "20261127T110435.123456Z-04242-1.ndjson",
                                                    "notes.txt", "old"});
}

TEST_CASE_FIXTURE(FreshSpool, "drain: a spool folder others can write into, or another user's, "
                              "is refused for writing and for draining") {
    REQUIRE(::mkdir(dir.c_str(), 0700) == 0);
    REQUIRE(::chmod(dir.c_str(), 0777) == 0);
    std::string open_to_all = "spool " + dir +
                              ": refused: its group or others can write to it (mode 0777; chmod "
                              "go-w fixes that)";
    auto writer = bb::SpoolWriter::open(dir);
    REQUIRE_FALSE(writer.has_value());
    CHECK(writer.error().kind == bb::ErrorKind::io);
    CHECK(writer.error().message == open_to_all);
    auto plan = bb::plan_drain(dir);
    REQUIRE_FALSE(plan.has_value());
    CHECK(plan.error().message == open_to_all);
    CHECK_FALSE(fs::exists(dir + "/.drain.lock"));

    REQUIRE(::chmod(dir.c_str(), 0720) == 0); // group-writable is refused too
    CHECK_FALSE(bb::SpoolWriter::open(dir).has_value());

    REQUIRE(::chmod(dir.c_str(), 0700) == 0);
    if (::geteuid() != 0) {
        MESSAGE("not root: another user's folder cannot be made here");
        return;
    }
    REQUIRE(::chown(dir.c_str(), 65534, 65534) == 0);
    std::string theirs = "spool " + dir + ": refused: owned by uid 65534, not by this user (uid 0)";
    writer = bb::SpoolWriter::open(dir);
    REQUIRE_FALSE(writer.has_value());
    CHECK(writer.error().message == theirs);
    plan = bb::plan_drain(dir);
    REQUIRE_FALSE(plan.has_value());
    CHECK(plan.error().message == theirs);
}
