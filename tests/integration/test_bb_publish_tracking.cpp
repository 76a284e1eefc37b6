// bb-publish's correlation tracking against the real Redis: keys and values
// byte for byte as DESIGN §3 lays them out, the rule that turns tracking on,
// and publishing going on when Redis is down or does not answer.
#include "support/lines.hpp"
#include "support/redis.hpp"
#include "test_bb_publish_support.hpp"

#include <algorithm>
#include <chrono>
#include <netinet/in.h>
#include <regex>
#include <set>
#include <sys/socket.h>
#include <unistd.h>

using namespace bbtest;
using namespace bbtest::publish;

namespace {

constexpr long ttl_two_days = 2 * 86400;

struct TrackedBus : Bus {
    Redis redis;
    explicit TrackedBus(const Services& s, bool bind_queue = true)
        : Bus(s, bind_queue), redis(s.redis_host, s.redis_port) {}

    RunOptions tracked(const std::string& input) const {
        RunOptions o = options(input);
        o.env["REDIS_HOST"] = services.redis_host;
        o.env["REDIS_PORT"] = std::to_string(services.redis_port);
        o.env["CORRELATION_TTL_DAYS"] = "2";
        return o;
    }
    bool exists(const std::string& key) { return redis.command({"EXISTS", key}).integer == 1; }
    void ttl_is_two_days(const std::string& key) {
        long long ttl = redis.command({"TTL", key}).integer;
        CHECK(ttl > ttl_two_days - 60);
        CHECK(ttl <= ttl_two_days);
    }
};

std::string forward(const std::string& id) {
    return "bloodbank:correlation:forward:" + id;
}
std::string reverse(const std::string& id) {
    return "bloodbank:correlation:reverse:" + id;
}
std::string summary(const std::string& id) {
    return "bloodbank:event:" + id;
}

// Python's datetime.utcnow().isoformat(): no offset, microseconds unless zero.
// Returns the instant, checked to lie within [from, to].
void check_created_at(const std::string& text, std::chrono::system_clock::time_point from,
                      std::chrono::system_clock::time_point to) {
    static const std::regex format(R"(\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d{6})?)");
    REQUIRE(std::regex_match(text, format));
    std::tm tm{};
    REQUIRE(strptime(text.substr(0, 19).c_str(), "%Y-%m-%dT%H:%M:%S", &tm));
    long micros = text.size() > 19 ? std::stol(text.substr(20)) : 0;
    auto at =
        std::chrono::system_clock::from_time_t(timegm(&tm)) + std::chrono::microseconds(micros);
    CHECK(at >= std::chrono::time_point_cast<std::chrono::seconds>(from));
    CHECK(at <= to);
}

// The forward record with its created_at checked and cut out.
std::string forward_without_time(TrackedBus& bus, const std::string& id,
                                 std::chrono::system_clock::time_point from,
                                 std::chrono::system_clock::time_point to) {
    Reply r = bus.redis.command({"GET", forward(id)});
    REQUIRE(r.type == REDIS_REPLY_STRING);
    const std::string marker = "\"created_at\":\"";
    auto at = r.str.find(marker);
    REQUIRE(at != std::string::npos);
    auto start = at + marker.size();
    auto end = r.str.find('"', start);
    REQUIRE(end != std::string::npos);
    check_created_at(r.str.substr(start, end - start), from, to);
    return r.str.substr(0, start) + "<created_at>" + r.str.substr(end);
}

std::set<std::string> members(TrackedBus& bus, const std::string& key) {
    auto r = bus.redis.command({"SMEMBERS", key});
    return {r.elements.begin(), r.elements.end()};
}

} // namespace

TEST_CASE("bb-publish tracking: links and event records are written byte for byte") {
    auto s = services();
    if (!s)
        return;
    TrackedBus bus(*s);
    EnvelopeSpec root, child, grandchild;
    root.app = "producer";
    child.parents = {root.event_id};
    child.source_type = "agent";
    child.host = "other-host";
    grandchild.parents = {child.event_id, root.event_id};
    grandchild.timestamp = "2025-10-18T14:03:08+00:00";
    std::string input =
        canonical(root) + "\n" + canonical(child) + "\n" + canonical(grandchild) + "\n";

    auto before = std::chrono::system_clock::now();
    auto r = Bus::run_publish({"-v"}, bus.tracked(input));
    auto after = std::chrono::system_clock::now();
    CHECK(r.status == 0);
    CHECK(bbtest::split_lines(r.err).size() == 1); // the summary, no warning

    CHECK_FALSE(bus.exists(forward(root.event_id)));
    CHECK(forward_without_time(bus, child.event_id, before, after) ==
          "{\"parent_event_ids\":[\"" + root.event_id +
              "\"],\"created_at\":\"<created_at>\",\"metadata\":{}}");
    CHECK(forward_without_time(bus, grandchild.event_id, before, after) ==
          "{\"parent_event_ids\":[\"" + child.event_id + "\",\"" + root.event_id +
              "\"],\"created_at\":\"<created_at>\",\"metadata\":{}}");
    CHECK(members(bus, reverse(root.event_id)) ==
          std::set<std::string>{child.event_id, grandchild.event_id});
    CHECK(members(bus, reverse(child.event_id)) == std::set<std::string>{grandchild.event_id});
    CHECK_FALSE(bus.exists(reverse(grandchild.event_id)));

    auto hash = [&](const std::string& id) {
        auto h = bus.redis.command({"HGETALL", summary(id)}).elements;
        std::map<std::string, std::string> m;
        for (std::size_t i = 0; i + 1 < h.size(); i += 2)
            m[h[i]] = h[i + 1];
        return m;
    };
    using Map = std::map<std::string, std::string>;
    CHECK(hash(root.event_id) == Map{{"event_type", "test.event"},
                                     {"timestamp", "2025-10-18T14:03:07.123456+00:00"},
                                     {"source_host", "test-host"},
                                     {"source_app", "producer"},
                                     {"source_type", "manual"}});
    CHECK(hash(child.event_id) == Map{{"event_type", "test.event"},
                                      {"timestamp", "2025-10-18T14:03:07.123456+00:00"},
                                      {"source_host", "other-host"},
                                      {"source_app", ""},
                                      {"source_type", "agent"}});
    CHECK(hash(grandchild.event_id).at("timestamp") == "2025-10-18T14:03:08+00:00");

    for (const auto& key : {forward(child.event_id), forward(grandchild.event_id),
                            reverse(root.event_id), reverse(child.event_id), summary(root.event_id),
                            summary(child.event_id), summary(grandchild.event_id)})
        bus.ttl_is_two_days(key);
}

TEST_CASE("bb-publish tracking: --parent links are recorded too, and many events go in batches") {
    auto s = services();
    if (!s)
        return;
    TrackedBus bus(*s);
    std::string parent = random_uuid();
    std::vector<EnvelopeSpec> specs(700); // more than one batch of 256
    std::string input;
    for (auto& e : specs)
        input += canonical(e) + "\n";
    auto r = Bus::run_publish({"--parent", parent}, bus.tracked(input));
    CHECK(r.status == 0);
    std::set<std::string> children = members(bus, reverse(parent));
    CHECK(children.size() == specs.size());
    for (const auto& e : specs) {
        CHECK(children.count(e.event_id) == 1);
        CHECK(bus.exists(summary(e.event_id)));
    }
}

TEST_CASE("bb-publish tracking: REDIS_DB and REDIS_URL are honoured") {
    auto s = services();
    if (!s)
        return;
    TrackedBus bus(*s);
    EnvelopeSpec parent, child;
    child.parents = {parent.event_id};
    auto o = bus.tracked(canonical(child) + "\n");
    o.env["REDIS_DB"] = "3";
    CHECK(Bus::run_publish({}, o).status == 0);
    CHECK_FALSE(bus.exists(forward(child.event_id)));
    bus.redis.command({"SELECT", "3"});
    CHECK(bus.exists(forward(child.event_id)));
    CHECK(bus.exists(summary(child.event_id)));

    EnvelopeSpec other;
    other.parents = {parent.event_id};
    auto u = bus.options(canonical(other) + "\n");
    u.env["REDIS_URL"] = "redis://" + s->redis_host + ":" + std::to_string(s->redis_port) + "/4";
    CHECK(Bus::run_publish({}, u).status == 0);
    CHECK_FALSE(bus.exists(forward(other.event_id)));
    bus.redis.command({"SELECT", "4"});
    CHECK(bus.exists(forward(other.event_id)));
    CHECK(bus.redis.command({"TTL", forward(other.event_id)}).integer > 29 * 86400);
}

TEST_CASE("bb-publish tracking: off without Redis settings or with --no-track, on with --track") {
    auto s = services();
    if (!s)
        return;
    TrackedBus bus(*s);
    EnvelopeSpec a, b, c;
    auto plain = bus.options(canonical(a) + "\n");
    plain.env["REDIS_PORT"] = std::to_string(s->redis_port); // a port alone turns nothing on
    CHECK(Bus::run_publish({}, plain).status == 0);
    CHECK_FALSE(bus.exists(summary(a.event_id)));

    CHECK(Bus::run_publish({"--no-track"}, bus.tracked(canonical(b) + "\n")).status == 0);
    CHECK_FALSE(bus.exists(summary(b.event_id)));

    auto forced = bus.options(canonical(c) + "\n");
    forced.env["REDIS_PORT"] = std::to_string(s->redis_port);
    CHECK(Bus::run_publish({"--track", "--redis-host", s->redis_host}, forced).status == 0);
    CHECK(bus.exists(summary(c.event_id)));
}

TEST_CASE("bb-publish tracking: events that are not confirmed are not tracked") {
    auto s = services();
    if (!s)
        return;
    TrackedBus bus(*s, /*bind_queue=*/false);
    EnvelopeSpec e;
    e.parents = {random_uuid()};
    auto r = Bus::run_publish({}, bus.tracked(canonical(e) + "\n"));
    CHECK(r.status == 69);
    CHECK_FALSE(bus.exists(summary(e.event_id)));
    CHECK_FALSE(bus.exists(forward(e.event_id)));
}

TEST_CASE("bb-publish tracking: Redis down, events still published with one warning") {
    auto s = services();
    if (!s)
        return;
    TrackedBus bus(*s);
    EnvelopeSpec root, child;
    child.parents = {root.event_id, random_uuid()};
    std::string input = canonical(root) + "\n" + canonical(child) + "\n";
    auto o = bus.tracked(input);
    o.env.erase("REDIS_HOST");
    o.env.erase("REDIS_PORT");
    o.env["REDIS_URL"] = "redis://:s3cret@127.0.0.1:1/0";

    auto r = Bus::run_publish({"-v"}, o);
    CHECK(r.status == 0);
    CHECK(r.out == root.event_id + "\n" + child.event_id + "\n");
    auto err = bbtest::split_lines(r.err);
    REQUIRE(err.size() == 3);
    // Once when the outage begins, once with the count at the end.
    CHECK(err[0].rfind("bb-publish: warning: tracking: Redis at redis://127.0.0.1:1/0: ", 0) == 0);
    CHECK(err[1].rfind("bb-publish: warning: correlation tracking unavailable (Redis at "
                       "redis://127.0.0.1:1/0: ",
                       0) == 0);
    CHECK(err[1].find("onnection refused") != std::string::npos);
    const std::string tail = "); 2 links and 2 event records not written";
    REQUIRE(err[1].size() > tail.size());
    CHECK(err[1].substr(err[1].size() - tail.size()) == tail);
    CHECK(err[2].rfind("bb-publish: published 2, invalid 0, failed 0 in ", 0) == 0);
    CHECK(r.err.find("s3cret") == std::string::npos);
    CHECK(bus.admin.drain(bus.queue).size() == 2);
}

TEST_CASE("bb-publish tracking: --require-tracking with Redis down publishes nothing, exit 69") {
    auto s = services();
    if (!s)
        return;
    TrackedBus bus(*s);
    EnvelopeSpec root;
    auto o = bus.tracked(canonical(root) + "\n");
    o.env.erase("REDIS_HOST");
    o.env.erase("REDIS_PORT");
    o.env["REDIS_URL"] = "redis://:s3cret@127.0.0.1:1/0";
    // 69 means nothing of the input was published: a retry sends it once.
    auto r = Bus::run_publish({"--require-tracking", "--report"}, o);
    CHECK(r.status == 69);
    CHECK(r.out.empty());
    CHECK(r.err.rfind("bb-publish: correlation tracking unavailable (Redis at "
                      "redis://127.0.0.1:1/0: ",
                      0) == 0);
    CHECK(r.err.find("; nothing published (--require-tracking)\n") != std::string::npos);
    CHECK(r.err.find("s3cret") == std::string::npos);
    CHECK(bus.admin.drain(bus.queue).empty());
}

TEST_CASE("bb-publish tracking: a Redis that never answers costs one timeout, not the events") {
    auto s = services();
    if (!s)
        return;
    TrackedBus bus(*s);
    // A listening socket that nobody reads: connecting works, replies never come.
    int fd = socket(AF_INET, SOCK_STREAM, 0);
    REQUIRE(fd >= 0);
    sockaddr_in addr{};
    addr.sin_family = AF_INET;
    addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    REQUIRE(bind(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) == 0);
    REQUIRE(listen(fd, 16) == 0);
    socklen_t len = sizeof addr;
    getsockname(fd, reinterpret_cast<sockaddr*>(&addr), &len);
    int port = ntohs(addr.sin_port);

    std::vector<EnvelopeSpec> specs(300);
    std::string input;
    for (auto& e : specs)
        input += canonical(e) + "\n";
    auto o = bus.tracked(input);
    o.env["REDIS_HOST"] = "127.0.0.1";
    o.env["REDIS_PORT"] = std::to_string(port);
    auto r = Bus::run_publish({"--track-timeout", "0.2", "-v"}, o);
    close(fd);
    CHECK(r.status == 0);
    CHECK(bbtest::split_lines(r.out).size() == specs.size());
    auto err = bbtest::split_lines(r.err);
    REQUIRE(err.size() == 3);
    CHECK(err[0].rfind("bb-publish: warning: tracking: Redis at redis://127.0.0.1:" +
                           std::to_string(port) + "/0: ",
                       0) == 0);
    CHECK(err[1].rfind("bb-publish: warning: correlation tracking unavailable (Redis at redis://"
                       "127.0.0.1:" +
                           std::to_string(port) + "/0: ",
                       0) == 0);
    CHECK(err[1].find("timed out") != std::string::npos);
    CHECK(err[1].find("); 0 links and 300 event records not written") != std::string::npos);
    CHECK(bus.admin.drain(bus.queue).size() == specs.size());
}
