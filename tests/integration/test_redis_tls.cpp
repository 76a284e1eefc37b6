// Every tool that touches Redis, over TLS as an ACL user limited to the
// bloodbank:* keys (the TLS Redis of scripts/services.sh): tracking with
// bb-publish, read back by python3-redis; bb-trace's queries and formats,
// the same as over plain TCP; serve; bb-consume's ancestry filter.
#include "support/background.hpp"
#include "support/lines.hpp"
#include "test_redis_tls_support.hpp"

#include "bloodbank/redis.hpp"

#include <doctest/doctest.h>
#include <httplib.h>

#include <signal.h>

using bbtest::RunOptions;
using bbtest::RunResult;
using bbtest::publish::EnvelopeSpec;
using redistls::TlsRedis;

namespace {

// root <- child <- grandchild, and a stranger with no links.
struct Family {
    EnvelopeSpec root, child, grandchild;
    Family() {
        child.parents = {root.event_id};
        grandchild.parents = {child.event_id};
    }
    std::vector<EnvelopeSpec> all() const { return {root, child, grandchild}; }
};

} // namespace

TEST_CASE("redis tls: bb-publish tracks as an ACL user over TLS, and python3-redis reads it") {
    auto t = redistls::setup();
    if (!t)
        return;
    Family f;
    auto r = t->publish(f.all(), {"--require-tracking"});
    INFO(r.err);
    REQUIRE(r.status == 0);
    CHECK(r.err.empty());
    CHECK(r.err.find(t->r.password) == std::string::npos);

    auto read = t->python({"links"}, {f.root.event_id, f.child.event_id, f.grandchild.event_id});
    INFO(read.err);
    REQUIRE(read.status == 0);
    CHECK(
        bbtest::split_lines(read.out) ==
        std::vector<std::string>{
            f.root.event_id + " parents - children " + f.child.event_id,
            f.child.event_id + " parents " + f.root.event_id + " children " + f.grandchild.event_id,
            f.grandchild.event_id + " parents " + f.child.event_id + " children -"});
}

TEST_CASE("redis tls: bb-trace answers over TLS exactly as over plain TCP") {
    auto t = redistls::setup();
    if (!t)
        return;
    Family f;
    REQUIRE(t->publish(f.all()).status == 0);
    // The same events tracked into the plain Redis, to compare with.
    const auto& plain = t->r.tls.plain;
    std::string input;
    for (const auto& e : f.all())
        input += bbtest::publish::canonical(e) + "\n";
    RunOptions plain_options = t->options(input);
    plain_options.env["REDIS_HOST"] = plain.redis_host;
    plain_options.env["REDIS_PORT"] = std::to_string(plain.redis_port);
    REQUIRE(bbtest::publish::Bus::run_publish({}, plain_options).status == 0);
    plain_options.input.clear();

    const std::vector<std::vector<std::string>> queries = {
        {"parents", f.grandchild.event_id},
        {"children", f.root.event_id},
        {"ancestors", f.grandchild.event_id},
        {"descendants", f.root.event_id},
        {"descendants", f.root.event_id, "--format", "ids"},
        {"descendants", f.root.event_id, "--format", "tree"},
        {"descendants", f.root.event_id, "--format", "dot"},
        {"descendants", f.root.event_id, "--format", "mermaid"},
        {f.child.event_id},
        {f.child.event_id, "--format", "tree"},
    };
    for (const auto& query : queries) {
        CAPTURE(query);
        auto tls = t->trace(query);
        INFO(tls.err);
        REQUIRE(tls.status == 0);
        auto reference = t->tool("bb-trace", query, plain_options);
        REQUIRE(reference.status == 0);
        CHECK(tls.out == reference.out);
        CHECK_FALSE(tls.out.empty());
    }
    auto descendants = t->trace({"descendants", f.root.event_id, "--format", "ids"});
    CHECK(bbtest::split_lines(descendants.out) ==
          std::vector<std::string>{f.root.event_id, f.child.event_id, f.grandchild.event_id});
    // bb-trace writes a link as an ACL user too, and python3-redis reads it.
    EnvelopeSpec other;
    t->ids.push_back(other.event_id);
    auto link = t->trace({"link", f.root.event_id, other.event_id});
    INFO(link.err);
    REQUIRE(link.status == 0);
    auto read = t->python({"links"}, {other.event_id});
    CHECK(read.out == other.event_id + " parents " + f.root.event_id + " children -\n");
}

TEST_CASE("redis tls: bb-trace serve answers from a TLS Redis") {
    auto t = redistls::setup();
    if (!t)
        return;
    Family f;
    REQUIRE(t->publish(f.all()).status == 0);
    std::vector<std::string> argv{bbtest::binary("bb-trace"), "serve", "--http-port", "0"};
    for (const auto& flag : t->flags())
        argv.push_back(flag);
    bbtest::Background serve(argv, t->options());
    std::string marker = "serving the debug API on http://127.0.0.1:";
    bbtest::wait_until(
        [&] { return serve.err().find(marker) != std::string::npos || !serve.running(); },
        std::chrono::seconds(10));
    std::string banner = serve.err();
    auto at = banner.find(marker);
    REQUIRE_MESSAGE(at != std::string::npos, banner);
    int port = std::stoi(banner.substr(at + marker.size()));
    CHECK(banner.find("rediss://127.0.0.1:" + std::to_string(t->r.port) + "/0") !=
          std::string::npos);
    CHECK(banner.find(t->r.password) == std::string::npos);

    httplib::Client client("127.0.0.1", port);
    auto res = client.Get(
        ("/debug/correlation/" + f.root.event_id + "/chain?direction=descendants").c_str());
    REQUIRE(res);
    CHECK(res->status == 200);
    CHECK(res->body == "{\"event_id\":\"" + f.root.event_id +
                           "\",\"direction\":\"descendants\",\"chain\":[\"" + f.root.event_id +
                           "\",\"" + f.child.event_id + "\",\"" + f.grandchild.event_id +
                           "\"],\"count\":3}");
    CHECK(serve.stop(SIGTERM) == 0);
}

TEST_CASE("redis tls: bb-consume --descends-from reads the ancestry over TLS") {
    auto t = redistls::setup();
    if (!t)
        return;
    // A durable queue of our own (as bb-consume declares it), bound before
    // anything is published.
    bbtest::QueueOptions durable;
    durable.durable = true;
    bbtest::publish::Bus bus(t->r.tls.plain, true, durable);
    Family f;
    EnvelopeSpec stranger;
    std::string input;
    for (const auto* e : {&f.root, &stranger, &f.child, &f.grandchild}) {
        input += bbtest::publish::canonical(*e) + "\n";
        t->ids.push_back(e->event_id);
    }
    RunOptions publish = t->options(input);
    publish.env["EXCHANGE_NAME"] = bus.exchange;
    auto published = bbtest::publish::Bus::run_publish(t->flags(), publish);
    INFO(published.err);
    REQUIRE(published.status == 0);

    RunOptions consume = t->options();
    consume.env["EXCHANGE_NAME"] = bus.exchange;
    std::vector<std::string> args{"--queue", bus.queue,         "--idle-timeout",
                                  "1",       "--descends-from", f.root.event_id};
    for (const auto& flag : t->flags())
        args.push_back(flag);
    auto r = t->tool("bb-consume", args, consume);
    INFO(r.err);
    CHECK(r.status == 0);
    CHECK(bbtest::split_lines(r.out) ==
          std::vector<std::string>{bbtest::publish::canonical(f.root),
                                   bbtest::publish::canonical(f.child),
                                   bbtest::publish::canonical(f.grandchild)});
}

TEST_CASE("redis tls: a pipeline over TLS is one write and one round trip") {
    auto t = redistls::setup();
    if (!t)
        return;
    auto target = bb::parse_redis_url(t->r.url);
    REQUIRE(target);
    target->tls_options.ca_file = t->r.tls.ca_file;
    auto redis = bb::RedisConnection::connect(*target, std::chrono::milliseconds(5000));
    REQUIRE_MESSAGE(redis, redis.error().message);
    std::size_t logged_in = redis->round_trips(); // AUTH
    std::string key = "bloodbank:test:pipeline:" + bbtest::publish::random_uuid();
    // Large enough that the replies arrive in many TLS records and reads.
    for (int i = 0; i < 5000; ++i)
        redis->append({"RPUSH", key, std::string(100, static_cast<char>('a' + i % 26))});
    redis->append({"LRANGE", key, "0", "-1"});
    redis->append({"DEL", key});
    auto replies = redis->flush();
    REQUIRE(replies);
    CHECK(redis->round_trips() == logged_in + 1);
    REQUIRE(replies->size() == 5002);
    CHECK((*replies)[4999]->integer == 5000);
    REQUIRE((*replies)[5000]->elements == 5000);
    CHECK(std::string((*replies)[5000]->element[27]->str) == std::string(100, 'b'));
    CHECK((*replies)[5001]->integer == 1);
}
