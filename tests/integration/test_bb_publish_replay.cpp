// bb-publish --replay: a chain read back from a stream by bb-consume and
// published again arrives byte for byte as first sent, marked only by its
// AMQP headers; tracking writes nothing for it; bb-consume --skip-replays
// skips exactly the replays. What arrived is read by the test's own client.
#include "support/redis.hpp"
#include "test_bb_consume_support.hpp"

#include <doctest/doctest.h>

using namespace bbtest;
using namespace bbtest::consume;

namespace {

// Envelopes whose bytes a re-serialization would change: spaces after the
// colons, 1.50 and an escaped é in the payload.
std::string spaced(const EnvelopeSpec& e) {
    std::string text = canonical(e);
    std::string out;
    for (char c : text) {
        out += c;
        if (c == ',')
            out += ' ';
    }
    return out;
}

} // namespace

TEST_CASE("bb-publish --replay: a chain from a stream arrives byte for byte, marked in headers") {
    auto s = services();
    if (!s)
        return;
    Bus bus(*s, false);
    std::string stream = unique_name("cs");
    auto options = bus.options("");
    options.env["REDIS_HOST"] = s->redis_host;
    options.env["REDIS_PORT"] = std::to_string(s->redis_port);
    auto consume = [&](std::vector<std::string> args) {
        std::vector<std::string> argv{
            binary("bb-consume"), "--queue", stream, "--queue-type", "stream",
            "--idle-timeout",     "1"};
        argv.insert(argv.end(), args.begin(), args.end());
        return run(argv, options);
    };
    REQUIRE(consume({"--from", "next"}).status == 0);

    EnvelopeSpec root, child, grandchild, stranger;
    for (auto* e : {&root, &child, &grandchild, &stranger})
        e->payload = "{\"n\": 1.50, \"s\": \"caf\\u00e9\"}";
    child.parents = {root.event_id};
    grandchild.parents = {child.event_id};
    std::vector<std::string> originals;
    for (auto* e : {&stranger, &root, &child, &grandchild}) {
        originals.push_back(spaced(*e));
        bus.admin.publish(bus.exchange, "test.event", originals.back(), e->event_id);
    }
    bus.admin.wait_for_confirms();
    std::vector<std::string> chain(originals.begin() + 1, originals.end());

    // What the replay sends lands in a queue of its own (and in the stream).
    std::string seen = unique_name("replayed");
    bus.admin.declare_queue(seen, durable());
    bus.admin.bind(seen, bus.exchange);

    auto picked = consume({"--from", "first", "--descends-from", root.event_id});
    REQUIRE(picked.status == 0);
    CHECK(lines_of(picked.out) == chain);
    options.input = picked.out;
    auto replayed = run({binary("bb-publish"), "--replay"}, options);
    options.input.clear();
    CHECK(replayed.status == 0);

    auto arrived = bus.admin.drain(seen);
    REQUIRE(arrived.size() == 3);
    std::string replay_id = arrived[0].headers["x-bloodbank-replay-id"];
    CHECK(replay_id.size() == 36);
    const EnvelopeSpec* specs[] = {&root, &child, &grandchild};
    for (std::size_t i = 0; i < arrived.size(); ++i) {
        ReceivedMessage& m = arrived[i];
        CAPTURE(i);
        CHECK(m.body == chain[i]);
        CHECK(m.routing_key == "test.event");
        CHECK(m.message_id == specs[i]->event_id);
        CHECK(m.correlation_id == (specs[i]->parents.empty()
                                       ? std::nullopt
                                       : std::optional<std::string>(specs[i]->parents[0])));
        CHECK(m.type == "test.event");
        CHECK(m.timestamp == publish::epoch(2025, 10, 18, 14, 3, 7));
        CHECK(m.delivery_mode == 2);
        CHECK(m.headers["x-bloodbank-replay"] == "true");
        CHECK(m.headers["x-bloodbank-replay-id"] == replay_id);
        CHECK(!m.headers["x-bloodbank-replayed-at"].empty());
    }
    // The links were recorded (or not) when the events were first published.
    Redis redis(s->redis_host, s->redis_port);
    for (auto* e : {&child, &grandchild})
        CHECK(redis.command({"EXISTS", "bloodbank:correlation:forward:" + e->event_id}).integer ==
              0);
    CHECK(redis.command({"EXISTS", "bloodbank:event:" + root.event_id}).integer == 0);

    // The stream now holds the four originals and the three replays.
    auto everything = consume({"--from", "first"});
    auto all = originals;
    all.insert(all.end(), chain.begin(), chain.end());
    CHECK(lines_of(everything.out) == all);
    auto skipping = consume({"--from", "first", "--skip-replays"});
    CHECK(skipping.status == 0);
    CHECK(lines_of(skipping.out) == originals);

    // --exec sees the marker in BB_REPLAY.
    std::string dir = make_temp_dir();
    std::string cmd =
        script(dir, "mark.sh", "cat >/dev/null; echo \"$BB_REPLAY\" >> '" + dir + "/marks'\n");
    auto marked = consume({"--from", "first", "--exec", cmd});
    CHECK(marked.status == 0);
    CHECK(read_text(dir + "/marks") == "0\n0\n0\n0\n1\n1\n1\n");
    bus.admin.delete_queue(seen);
    bus.admin.delete_queue(stream);
}

TEST_CASE("bb-publish --replay: an envelope without its own id or time is invalid, not made up") {
    auto s = services();
    if (!s)
        return;
    Bus bus(*s, true, durable());
    EnvelopeSpec e;
    std::string whole = canonical(e);
    std::string no_id = "{\"event_type\":\"test.event\",\"source\":{\"host\":\"h\",\"type\":"
                        "\"manual\"},\"timestamp\":\"2025-10-18T14:03:07+00:00\",\"payload\":{}}";
    auto r = bus.publish({"--replay"}, no_id + "\n" + whole + "\n");
    CHECK(r.status == 65);
    CHECK(r.err.find("line 1: event_id: required to replay an event") != std::string::npos);
    auto arrived = bus.admin.drain(bus.queue);
    REQUIRE(arrived.size() == 1);
    CHECK(arrived[0].body == whole);
    auto usage = bus.publish({"--replay", "--parent", e.event_id}, whole + "\n");
    CHECK(usage.status == 64);
    CHECK(bus.admin.message_count(bus.queue) == 0);
}
