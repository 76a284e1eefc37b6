// bb-publish --dedupe against the real RabbitMQ and Redis: an event whose id
// was confirmed (and so recorded in bloodbank:event:{id}) is not published
// again, what arrives is counted on an independent queue, and the window the
// man page states (two publishers racing on one id) is the only one.
#include "support/lines.hpp"
#include "support/ports.hpp"
#include "support/redis.hpp"
#include "test_bb_publish_support.hpp"

#include <map>
#include <regex>
#include <thread>

using namespace bbtest;
using namespace bbtest::publish;

namespace {

struct DedupeBus : Bus {
    explicit DedupeBus(const Services& s) : Bus(s) {}
    RunOptions tracked(const std::string& input) const {
        RunOptions o = options(input);
        o.env["REDIS_HOST"] = services.redis_host;
        o.env["REDIS_PORT"] = std::to_string(services.redis_port);
        return o;
    }
    RunResult dedupe(const std::string& input) const {
        return run_publish({"--dedupe", "--report"}, tracked(input));
    }
    // How many times each event id arrived on the queue.
    std::map<std::string, int> arrived() {
        std::map<std::string, int> ids;
        for (const auto& m : admin.drain(queue))
            ++ids[m.message_id.value_or("")];
        return ids;
    }
};

std::string input_of(const std::vector<EnvelopeSpec>& events) {
    std::string text;
    for (const auto& e : events)
        text += canonical(e) + "\n";
    return text;
}

std::vector<EnvelopeSpec> events(std::size_t n) {
    return std::vector<EnvelopeSpec>(n);
}

// The "status" of every --report line, in order.
std::vector<std::string> statuses(const std::string& report) {
    static const std::regex status(R"rx("status":"([a-z]+)")rx");
    std::vector<std::string> found;
    for (const auto& line : split_lines(report)) {
        std::smatch m;
        REQUIRE(std::regex_search(line, m, status));
        found.push_back(m[1]);
    }
    return found;
}

} // namespace

TEST_CASE("bb-publish --dedupe: a second run of the same input publishes nothing") {
    auto s = services();
    if (!s)
        return;
    DedupeBus bus(*s);
    auto batch = events(300);
    std::string input = input_of(batch);

    auto first = bus.run_publish({"--report"}, bus.tracked(input)); // tracking writes the marks
    REQUIRE(first.status == 0);
    CHECK(bus.arrived().size() == batch.size());

    auto again = bus.dedupe(input);
    CHECK(again.status == 0);
    CHECK(statuses(again.out) == std::vector<std::string>(batch.size(), "duplicate"));
    CHECK(bus.arrived().empty());
}

TEST_CASE("bb-publish --dedupe: only the events not published before arrive") {
    auto s = services();
    if (!s)
        return;
    DedupeBus bus(*s);
    auto batch = events(200);
    std::vector<EnvelopeSpec> old_half(batch.begin(), batch.begin() + 100);
    REQUIRE(bus.dedupe(input_of(old_half)).status == 0);
    REQUIRE(bus.arrived().size() == 100);

    auto r = bus.dedupe(input_of(batch));
    CHECK(r.status == 0);
    auto seen = statuses(r.out);
    REQUIRE(seen.size() == batch.size());
    std::map<std::string, int> expected;
    for (std::size_t i = 0; i < batch.size(); ++i) {
        CHECK_MESSAGE(seen[i] == (i < 100 ? "duplicate" : "confirmed"), i);
        if (i >= 100)
            expected[batch[i].event_id] = 1;
    }
    CHECK(bus.arrived() == expected);
    CHECK(r.err.empty()); // not a terminal: silence on success
}

TEST_CASE("bb-publish --dedupe: an event that was returned is not marked and goes out later") {
    auto s = services();
    if (!s)
        return;
    DedupeBus bus(*s);
    EnvelopeSpec unroutable;
    unroutable.event_type = "nobody.listens";
    bus.admin.delete_queue(bus.queue); // nothing bound: the broker returns it
    auto r = bus.dedupe(canonical(unroutable) + "\n");
    CHECK(r.status == 69);
    CHECK(statuses(r.out) == std::vector<std::string>{"returned"});

    bus.admin.declare_queue(bus.queue);
    bus.admin.bind(bus.queue, bus.exchange);
    r = bus.dedupe(canonical(unroutable) + "\n");
    CHECK(r.status == 0);
    CHECK(statuses(r.out) == std::vector<std::string>{"confirmed"});
    CHECK(bus.arrived() == std::map<std::string, int>{{unroutable.event_id, 1}});
}

TEST_CASE("bb-publish --dedupe: two racing runs publish each id at most twice, a third none") {
    auto s = services();
    if (!s)
        return;
    DedupeBus bus(*s);
    auto batch = events(2000);
    std::string input = input_of(batch);
    RunResult a, b;
    std::thread other([&] { b = bus.dedupe(input); });
    a = bus.dedupe(input);
    other.join();
    CHECK(a.status == 0);
    CHECK(b.status == 0);
    auto ids = bus.arrived();
    CHECK(ids.size() == batch.size()); // every id at least once
    for (const auto& [id, times] : ids)
        CHECK_MESSAGE(times <= 2, id); // the documented window: both checked before a confirm

    auto third = bus.dedupe(input);
    CHECK(third.status == 0);
    CHECK(statuses(third.out) == std::vector<std::string>(batch.size(), "duplicate"));
    CHECK(bus.arrived().empty());
}

TEST_CASE("bb-publish --dedupe: Redis unreachable publishes nothing, exit 69") {
    auto s = services();
    if (!s)
        return;
    DedupeBus bus(*s);
    RefusedPort down;
    auto o = bus.tracked(input_of(events(3)));
    o.env["REDIS_PORT"] = std::to_string(down.port());
    auto r = Bus::run_publish({"--dedupe", "--report"}, o);
    CHECK(r.status == 69);
    CHECK(r.out.empty());
    CHECK(r.err.find("; nothing published (--dedupe)\n") != std::string::npos);
    CHECK(bus.arrived().empty());
}

TEST_CASE("bb-publish --dedupe: combinations that would publish unchecked are usage errors") {
    auto s = services();
    if (!s)
        return;
    DedupeBus bus(*s);
    for (const auto& extra : std::vector<std::vector<std::string>>{
             {"--no-track"}, {"--spool", bus.cwd + "/spool"}, {"--drain", bus.cwd + "/spool"}}) {
        std::vector<std::string> args{"--dedupe"};
        args.insert(args.end(), extra.begin(), extra.end());
        auto r = Bus::run_publish(args, bus.tracked(""));
        CHECK_MESSAGE(r.status == 64, extra[0]);
    }
}
