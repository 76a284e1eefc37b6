// The publish pipeline driven by a scripted broker (fake_channel.hpp): the
// cases of a real broker's bad day, each checked on the outcomes, the
// summary and what was sent. The real-broker tests (integration, faults)
// cover the same paths against RabbitMQ.
#include "../support/temp_dir.hpp"
#include "fake_channel.hpp"

#include "bloodbank/publish.hpp"
#include "bloodbank/spool.hpp"

#include <doctest/doctest.h>
#include <fmt/format.h>

#include <algorithm>
#include <fcntl.h>
#include <fstream>
#include <iterator>
#include <optional>
#include <string>
#include <unistd.h>
#include <vector>

namespace {

using bb::LineStatus;
using bbtest::FakeChannel;

struct Outcomes : bb::PublishSink {
    std::vector<std::size_t> lines;
    std::vector<LineStatus> statuses;
    std::vector<unsigned> attempts;
    std::vector<std::string> ids;
    std::vector<std::string> notices;
    void outcome(const bb::LineOutcome& o) override {
        lines.push_back(o.line);
        statuses.push_back(o.status);
        attempts.push_back(o.attempts);
        ids.push_back(o.event_id ? o.event_id->str() : "");
    }
    void notice(std::string_view text) override { notices.emplace_back(text); }
    std::size_t count(LineStatus status) const {
        return static_cast<std::size_t>(std::count(statuses.begin(), statuses.end(), status));
    }
};

// `n` valid NDJSON envelopes with ids ...0001, ...0002, ...
std::string envelopes(int n) {
    std::string out;
    for (int i = 1; i <= n; ++i)
        out += fmt::format("{{\"event_id\":\"00000000-0000-4000-8000-{:012}\",\"event_type\":"
                           "\"test.fake\",\"source\":{{\"host\":\"h\",\"type\":\"manual\"}},"
                           "\"payload\":{{\"i\":{}}}}}\n",
                           i, i);
    return out;
}

std::string id(int i) {
    return fmt::format("00000000-0000-4000-8000-{:012}", i);
}

// Runs `input` (from a file, so that all of it is readable at once).
struct Run {
    bbtest::TempDir dir{"bb-pipeline-test"};
    bb::PipelineOptions options;
    Outcomes sink;
    std::optional<bb::SpoolWriter> spool;

    Run() {
        options.confirm_timeout = std::chrono::milliseconds(5000);
        options.reconnect.first_delay = std::chrono::milliseconds(1);
        options.reconnect.max_delay = std::chrono::milliseconds(2);
        options.shutdown_timeout = std::chrono::milliseconds(50);
    }

    // Keeps what fails in a spool folder of its own.
    void use_spool() {
        auto opened = bb::SpoolWriter::open(spool_dir());
        REQUIRE(opened);
        spool.emplace(std::move(*opened));
        options.spool = &*spool;
    }
    std::string spool_dir() const { return dir.file("spool"); }
    // The lines of every segment in the spool, in order.
    std::vector<std::string> spooled_lines() const {
        std::vector<std::string> out;
        auto segments = bb::list_spool(spool_dir());
        REQUIRE(segments);
        for (const auto& path : *segments) {
            std::ifstream in(path);
            for (std::string line; std::getline(in, line);)
                out.push_back(line);
        }
        return out;
    }

    bb::PublishSummary operator()(const std::string& input, bb::ConfirmChannel* channel) {
        std::string path = dir.file("input.ndjson");
        std::ofstream(path) << input;
        int fd = ::open(path.c_str(), O_RDONLY);
        REQUIRE(fd >= 0);
        bb::LineReader reader(fd, 1 << 20);
        auto summary = bb::run_publish(reader, {}, options, channel, nullptr, sink);
        ::close(fd);
        return summary;
    }
};

std::vector<std::size_t> one_to(std::size_t n) {
    std::vector<std::size_t> out(n);
    for (std::size_t i = 0; i < n; ++i)
        out[i] = i + 1;
    return out;
}

} // namespace

TEST_CASE("pipeline: acks in reverse order still give outcomes in input order") {
    FakeChannel broker;
    broker.answer = [](const std::vector<std::uint64_t>& tags) {
        std::vector<bb::Settled> out;
        for (auto it = tags.rbegin(); it != tags.rend(); ++it)
            out.push_back({*it, bb::Delivery::confirmed});
        return out;
    };
    Run run;
    run.options.max_in_flight = 8;
    auto summary = run(envelopes(100), &broker);
    CHECK(summary.published == 100);
    CHECK(run.sink.lines == one_to(100));
    CHECK(run.sink.count(LineStatus::confirmed) == 100);
    CHECK(run.sink.ids.front() == id(1));
    CHECK(run.sink.ids.back() == id(100));
    CHECK(broker.sent.size() == 100);
    CHECK(bb::publish_exit_status(summary, false) == 0);
}

TEST_CASE("pipeline: acks held back and given all at once, with a window of one") {
    FakeChannel broker;
    int calls = 0;
    auto ack_all = broker.answer;
    broker.answer = [&calls, ack_all](const std::vector<std::uint64_t>& tags) {
        return ++calls % 3 == 0 ? ack_all(tags) : std::vector<bb::Settled>{};
    };
    Run run;
    run.options.max_in_flight = 1;
    auto summary = run(envelopes(10), &broker);
    CHECK(summary.published == 10);
    CHECK(run.sink.lines == one_to(10));
}

TEST_CASE("pipeline: nacked and returned events are reported as such, in order") {
    FakeChannel broker;
    broker.answer = FakeChannel::answer_each([](std::uint64_t tag) {
        return tag % 3 == 1   ? bb::Delivery::nacked
               : tag % 3 == 2 ? bb::Delivery::returned
                              : bb::Delivery::confirmed;
    });
    Run run;
    auto summary = run(envelopes(9), &broker);
    CHECK(summary.nacked == 3);
    CHECK(summary.returned == 3);
    CHECK(summary.published == 3);
    CHECK(run.sink.statuses ==
          std::vector<LineStatus>{LineStatus::nacked, LineStatus::returned, LineStatus::confirmed,
                                  LineStatus::nacked, LineStatus::returned, LineStatus::confirmed,
                                  LineStatus::nacked, LineStatus::returned, LineStatus::confirmed});
    CHECK(bb::publish_exit_status(summary, false) == 69);
}

TEST_CASE("pipeline: with a spool, nacked events are kept there and the rest is published") {
    FakeChannel broker;
    broker.answer = FakeChannel::answer_each([](std::uint64_t tag) {
        return tag == 2 ? bb::Delivery::nacked : bb::Delivery::confirmed;
    });
    Run run;
    run.use_spool();
    auto summary = run(envelopes(4), &broker);
    CHECK(summary.published == 3);
    CHECK(summary.spooled == 1);
    CHECK(summary.nacked == 0);
    CHECK(run.sink.statuses[1] == LineStatus::spooled);
    auto kept = run.spooled_lines();
    REQUIRE(kept.size() == 1);
    CHECK(kept[0].find(id(2)) != std::string::npos);
    CHECK(bb::publish_exit_status(summary, false) == 75);
}

TEST_CASE("pipeline: a lost connection sends the events in doubt again after reconnecting") {
    FakeChannel broker;
    // Answers come only once the connection is back.
    auto ack_all = broker.answer;
    broker.answer = [&broker, ack_all](const std::vector<std::uint64_t>& tags) {
        return broker.reconnects > 0 ? ack_all(tags) : std::vector<bb::Settled>{};
    };
    broker.lose_at_publish = 5; // events 1-4 in flight, unanswered; 5 finds the connection gone
    broker.failing_reconnects = 1;
    Run run;
    run.options.reconnect.attempts = 3;
    auto summary = run(envelopes(8), &broker);
    CHECK(summary.published == 8);
    CHECK(summary.reconnects == 1);
    CHECK(summary.resent == 5);
    CHECK(broker.reconnects == 2);
    CHECK(run.sink.lines == one_to(8));
    CHECK(run.sink.attempts ==
          std::vector<unsigned>{2, 2, 2, 2, 2, 1, 1, 1}); // 5 went out once before it failed
    // Events 1-4 went out twice, 5 once (its first publish failed), in order.
    auto ids = broker.ids();
    REQUIRE(ids.size() == 12);
    CHECK(ids[0] == id(1));
    CHECK(ids[4] == id(1));
    CHECK(ids[8] == id(5));
    CHECK(ids[11] == id(8));
    REQUIRE(run.sink.notices.size() == 2);
    CHECK(run.sink.notices[0].find("reconnecting (5 events in doubt)") != std::string::npos);
    CHECK(run.sink.notices[1] == "reconnected to amqp://fake/; sending 5 events again");
    CHECK(bb::publish_exit_status(summary, false) == 0);
}

TEST_CASE("pipeline: when reconnecting fails, what was in doubt and the rest go to the spool") {
    FakeChannel broker;
    broker.answer = FakeChannel::answer_none;
    broker.lose_at_publish = 3;
    broker.failing_reconnects = 1000;
    Run run;
    run.options.reconnect.attempts = 2;
    run.use_spool();
    auto summary = run(envelopes(6), &broker);
    CHECK(broker.reconnects == 2);
    CHECK(summary.spooled == 6);
    CHECK(summary.published == 0);
    CHECK_FALSE(summary.input_stopped);
    REQUIRE(summary.broker_error);
    CHECK(summary.broker_error->message.find("connection refused") != std::string::npos);
    CHECK(run.sink.lines == one_to(6));
    auto kept = run.spooled_lines();
    REQUIRE(kept.size() == 6);
    CHECK(kept[0].find(id(1)) != std::string::npos);
    CHECK(kept[5].find(id(6)) != std::string::npos);
    CHECK(bb::publish_exit_status(summary, false) == 75);
}

TEST_CASE("pipeline: without a spool, a broker lost for good stops the reading") {
    FakeChannel broker;
    broker.answer = FakeChannel::answer_none;
    broker.lose_at_publish = 3;
    broker.refuse = true; // e.g. the exchange was deleted: no reconnect is tried
    Run run;
    run.options.max_in_flight = 4;
    auto summary = run(envelopes(5000), &broker);
    CHECK(broker.reconnects == 0);
    CHECK(summary.input_stopped);
    CHECK(summary.records < 5000);
    CHECK(summary.unconfirmed == summary.records);
    CHECK(run.sink.lines == one_to(summary.records));
    CHECK(bb::publish_exit_status(summary, false) == 69);
}

TEST_CASE("pipeline: a broker that stops confirming counts as lost after confirm_timeout") {
    FakeChannel broker;
    broker.answer = FakeChannel::answer_none;
    Run run;
    run.options.confirm_timeout = std::chrono::milliseconds(30);
    run.options.reconnect.attempts = 0;
    auto summary = run(envelopes(3), &broker);
    CHECK(summary.unconfirmed == 3);
    REQUIRE(summary.broker_error);
    CHECK(summary.broker_error->message.find("no confirms from amqp://fake/") != std::string::npos);
    CHECK(bb::publish_exit_status(summary, false) == 69);
}

TEST_CASE("pipeline: a stop request stops the reading, and what is in flight is still confirmed") {
    FakeChannel broker;
    bbtest::FakeStopRequests stop;
    int calls = 0;
    auto ack_all = broker.answer;
    broker.answer = [&](const std::vector<std::uint64_t>& tags) {
        std::vector<bb::Settled> out;
        if (stop.count() == 0 && !tags.empty()) {
            stop.send(SIGTERM); // arrives while events are in flight
            return out;
        }
        return ++calls > 2 ? ack_all(tags) : out; // some waiting later, the broker answers
    };
    Run run;
    run.options.signals = &stop;
    run.options.shutdown_timeout = std::chrono::milliseconds(10000);
    run.options.max_in_flight = 16;
    auto summary = run(envelopes(5000), &broker);
    CHECK(summary.signal == SIGTERM);
    CHECK(summary.records < 5000);
    CHECK(summary.records > 0);
    CHECK(summary.published == summary.records);
    CHECK(run.sink.lines == one_to(summary.records));
    CHECK(bb::publish_exit_status(summary, false) == 128 + SIGTERM);
}

TEST_CASE("pipeline: past the shutdown deadline what is in flight is spooled") {
    FakeChannel broker;
    bbtest::FakeStopRequests stop;
    broker.answer = [&](const std::vector<std::uint64_t>& tags) {
        if (stop.count() == 0 && !tags.empty())
            stop.send(SIGINT);
        return std::vector<bb::Settled>{}; // never answers
    };
    Run run;
    run.use_spool();
    run.options.signals = &stop;
    run.options.shutdown_timeout = std::chrono::milliseconds(20);
    auto summary = run(envelopes(5000), &broker);
    CHECK(summary.signal == SIGINT);
    CHECK(summary.records > 0);
    CHECK(summary.spooled == summary.records);
    CHECK(run.spooled_lines().size() == summary.records);
    CHECK(bb::publish_exit_status(summary, false) == 128 + SIGINT);
}

TEST_CASE("pipeline: a second stop request stops the waiting at once") {
    FakeChannel broker;
    bbtest::FakeStopRequests stop;
    broker.answer = [&](const std::vector<std::uint64_t>& tags) {
        if (stop.count() < 2 && !tags.empty())
            stop.send(SIGTERM);
        return std::vector<bb::Settled>{};
    };
    Run run;
    run.options.signals = &stop;
    run.options.shutdown_timeout = std::chrono::hours(1); // only the second request ends it
    auto summary = run(envelopes(100), &broker);
    CHECK(stop.count() == 2);
    CHECK(summary.unconfirmed == summary.records);
    CHECK(summary.records > 0);
}
