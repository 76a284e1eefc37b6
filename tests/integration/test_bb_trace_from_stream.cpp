// bb-trace --from-stream: the links come from Redis (written as the Python
// tracker writes them), the envelopes from a stream queue bound to the
// exchange, filled by the test's own client; what bb-trace prints is
// compared with the bodies the test published.
#include "support/amqp_consumer.hpp"
#include "support/lines.hpp"
#include "test_bb_publish_support.hpp"
#include "test_bb_trace_fixtures.hpp"

#include "bloodbank/error.hpp"

#include <doctest/doctest.h>

namespace {

using bbtest::publish::canonical;
using bbtest::publish::EnvelopeSpec;

// A private exchange with a stream bound to all of it: an archive of that bus.
struct ArchivedBus {
    bbtest::AmqpConsumer admin;
    std::string exchange = bbtest::unique_name("archive");
    std::string stream = bbtest::unique_name("archive-stream");
    explicit ArchivedBus(const std::string& url) : admin(url) {
        admin.declare_exchange(exchange);
        bbtest::QueueOptions q;
        q.durable = true;
        q.type = "stream";
        admin.declare_queue(stream, q);
        admin.bind(stream, exchange);
    }
    ~ArchivedBus() {
        try {
            admin.delete_queue(stream);
            admin.delete_exchange(exchange);
        } catch (...) {
        }
    }
    // Publishes each event, in this order; returns their bodies by id.
    std::map<std::string, std::string> publish(const std::vector<EnvelopeSpec>& events) {
        std::map<std::string, std::string> bodies;
        for (const auto& e : events) {
            bodies[e.event_id] = canonical(e);
            admin.publish(exchange, e.event_type, bodies[e.event_id], e.event_id);
        }
        admin.wait_for_confirms();
        return bodies;
    }
    bbtest::RunOptions options(bbtest::RunOptions o, const std::string& rabbit_url) const {
        o.env["RABBIT_URL"] = rabbit_url;
        o.env["EXCHANGE_NAME"] = exchange;
        return o;
    }
};

// A chain in Redis and on the bus: uncle -> root -> child -> grandchild, a
// ghost child of root linked but never published, a stranger published
// but linked to nothing.
struct Chain {
    EnvelopeSpec uncle, root, child, grandchild, stranger;
    std::string ghost;
    std::map<std::string, std::string> bodies;
    Chain(tracetest::Fixture& f, ArchivedBus& bus) : ghost(f.event()) {
        root.parents = {uncle.event_id};
        child.parents = {root.event_id};
        grandchild.parents = {child.event_id};
        f.link(root.event_id, {uncle.event_id});
        f.link(child.event_id, {root.event_id});
        f.link(grandchild.event_id, {child.event_id});
        f.link(ghost, {root.event_id});
        bodies = bus.publish({uncle, root, stranger, child, grandchild});
    }
    std::vector<std::string> lines(const std::vector<const EnvelopeSpec*>& events) {
        std::vector<std::string> out;
        for (const auto* e : events)
            out.push_back(bodies.at(e->event_id));
        return out;
    }
};

} // namespace

// One chain on one archived bus per subcase (doctest runs the setup again
// for each).
TEST_CASE("bb-trace --from-stream: a chain's envelopes from a stream that archives the bus") {
    auto f = tracetest::fixture();
    if (!f)
        return;
    const std::string url = f->services().rabbit_url;
    ArchivedBus bus(url);
    Chain chain(*f, bus);
    auto options = bus.options(f->options(), url);

    SUBCASE("a chain's envelopes as published, in the order published") {
        auto down =
            f->trace({"descendants", chain.root.event_id, "--from-stream", bus.stream}, options);
        CHECK(down.status == 0);
        CHECK(bbtest::split_lines(down.out) ==
              chain.lines({&chain.root, &chain.child, &chain.grandchild}));
        // The linked event the stream never had is named, not silently left out.
        CHECK(down.err.find("1 of the chain's 4 events is not in stream") != std::string::npos);
        CHECK(down.err.find(chain.ghost) != std::string::npos);

        auto around = f->trace({chain.root.event_id, "--from-stream", bus.stream}, options);
        CHECK(around.status == 0);
        CHECK(bbtest::split_lines(around.out) ==
              chain.lines({&chain.uncle, &chain.root, &chain.child, &chain.grandchild}));

        auto up = f->trace({"ancestors", chain.grandchild.event_id, "--from-stream", bus.stream},
                           options);
        CHECK(up.status == 0);
        CHECK(bbtest::split_lines(up.out) ==
              chain.lines({&chain.uncle, &chain.root, &chain.child, &chain.grandchild}));
        CHECK(up.err.empty());
    }

    SUBCASE(
        "into bb-publish --replay: the same bytes again, marked as replays, and still shown once") {
        auto expected = chain.lines({&chain.child, &chain.grandchild});

        auto found =
            f->trace({"descendants", chain.child.event_id, "--from-stream", bus.stream}, options);
        REQUIRE(found.status == 0);
        auto replay_options = options;
        replay_options.input = found.out;
        auto replayed = bbtest::run({bbtest::binary("bb-publish"), "--replay"}, replay_options);
        REQUIRE_MESSAGE(replayed.status == 0, replayed.err);

        // The stream now holds both copies; bb-trace passes over the replays.
        auto again =
            f->trace({"descendants", chain.child.event_id, "--from-stream", bus.stream}, options);
        CHECK(again.status == 0);
        CHECK(bbtest::split_lines(again.out) == expected);
        auto everything =
            bbtest::run({bbtest::binary("bb-consume"), "--queue", bus.stream, "--queue-type",
                         "stream", "--from", "first", "--idle-timeout", "1"},
                        options);
        auto all = bbtest::split_lines(everything.out);
        REQUIRE(all.size() == 7);
        CHECK(std::vector<std::string>(all.begin() + 5, all.end()) == expected);
    }

    SUBCASE("a missing stream, a chain not in it, and misuse are errors") {
        auto missing =
            f->trace({chain.root.event_id, "--from-stream", bus.stream + "-nosuch"}, options);
        CHECK(missing.status == bb::exit_code(bb::ErrorKind::unavailable));
        CHECK(missing.err.find(bus.stream + "-nosuch") != std::string::npos);

        // Only the ghost is looked for in its descendants listing, and it is not there.
        auto ghost = f->trace(
            {"descendants", chain.ghost, "--from-stream", bus.stream, "--idle-timeout", "0.5"},
            options);
        CHECK(ghost.out.empty());
        CHECK(ghost.status == bb::exit_code(bb::ErrorKind::not_found));
        CHECK(ghost.err.find("event " + chain.ghost + " is not in stream") != std::string::npos);

        auto formatted = f->trace(
            {chain.root.event_id, "--from-stream", bus.stream, "--format", "json"}, options);
        CHECK(formatted.status == 64);
        CHECK(formatted.err.find("--format does not apply") != std::string::npos);
        auto followed = f->trace(
            {"descendants", chain.root.event_id, "--from-stream", bus.stream, "--follow"}, options);
        CHECK(followed.status == 64);
    }
}
