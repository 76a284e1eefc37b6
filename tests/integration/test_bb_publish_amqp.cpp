// The library's publisher against the real broker: every property as DESIGN
// §3 lists it, acks, nacks, returns, and the errors for a broker that is down
// or an exchange that cannot be used. The bb-publish binary is tested in
// test_bb_publish.cpp; this checks the layer under it.
#include "support/amqp_consumer.hpp"
#include "support/services.hpp"

#include "bloodbank/amqp.hpp"

#include <doctest/doctest.h>

#include <chrono>
#include <string>
#include <string_view>
#include <vector>

using namespace std::chrono_literals;

namespace {

bb::AmqpUrl url_of(const bbtest::Services& s) {
    bb::AmqpUrl url;
    url.host = s.amqp_host;
    url.port = s.amqp_port;
    return url;
}

// A message with an empty JSON body, routed by its type. It views `type` and
// `id`, which must outlive it.
bb::OutgoingMessage empty_message(std::string_view type, std::string_view id) {
    bb::OutgoingMessage m;
    m.routing_key = m.type = type;
    m.body = "{}";
    m.message_id = id;
    return m;
}

// Waits until every tag published so far is settled (or 10 s pass).
std::vector<bb::Settled> settle_all(bb::Publisher& publisher) {
    std::vector<bb::Settled> settled;
    auto deadline = std::chrono::steady_clock::now() + 10s;
    while (publisher.in_flight() > 0 && std::chrono::steady_clock::now() < deadline) {
        auto r = publisher.service(100ms, settled);
        REQUIRE_MESSAGE(r.has_value(), r.error().message);
    }
    return settled;
}

// An exchange with a queue bound to it with '#', removed at the end.
struct Bus {
    bbtest::AmqpConsumer admin;
    std::string exchange = bbtest::unique_name("ex");
    std::string queue = bbtest::unique_name("q");
    explicit Bus(const bbtest::Services& s, const bbtest::QueueOptions& q = {})
        : admin(s.rabbit_url) {
        admin.declare_exchange(exchange);
        admin.declare_queue(queue, q);
        admin.bind(queue, exchange);
    }
    ~Bus() {
        try {
            admin.delete_queue(queue);
            admin.delete_exchange(exchange);
        } catch (...) {
        }
    }
};

} // namespace

TEST_CASE("amqp: messages arrive with every property of DESIGN §3 and are confirmed") {
    auto s = bbtest::services();
    if (!s)
        return;
    Bus bus(*s);
    bb::PublisherOptions options;
    options.urls = {url_of(*s)};
    options.exchange = bus.exchange;
    auto publisher = bb::Publisher::connect(options);
    REQUIRE_MESSAGE(publisher.has_value(), publisher.error().message);

    const int n = 50;
    for (int i = 0; i < n; ++i) {
        std::string id = "id-" + std::to_string(i);
        std::string body = "{\"n\":" + std::to_string(i) + "}";
        bb::OutgoingMessage m;
        m.routing_key = "test.event.kind";
        m.type = "test.event.kind";
        m.body = body;
        m.message_id = id;
        std::string parent = i % 2 ? "parent-" + std::to_string(i) : "";
        m.correlation_id = parent;
        m.timestamp = 1760796187 + i;
        auto tag = publisher->publish(m);
        REQUIRE(tag.has_value());
        CHECK(*tag == static_cast<std::uint64_t>(i + 1));
    }
    auto settled = settle_all(*publisher);
    REQUIRE(settled.size() == n);
    for (int i = 0; i < n; ++i) {
        CHECK(settled[i].tag == static_cast<std::uint64_t>(i + 1));
        CHECK(settled[i].delivery == bb::Delivery::confirmed);
    }
    publisher->close();

    auto got = bus.admin.drain(bus.queue);
    REQUIRE(got.size() == n);
    for (int i = 0; i < n; ++i) {
        const auto& m = got[i];
        CHECK(m.body == "{\"n\":" + std::to_string(i) + "}");
        CHECK(m.exchange == bus.exchange);
        CHECK(m.routing_key == "test.event.kind");
        CHECK(m.content_type == "application/json");
        CHECK(m.content_encoding == "utf-8");
        CHECK(m.delivery_mode == 2);
        CHECK(m.message_id == "id-" + std::to_string(i));
        CHECK(m.type == "test.event.kind");
        CHECK(m.timestamp == std::uint64_t(1760796187 + i));
        if (i % 2)
            CHECK(m.correlation_id == "parent-" + std::to_string(i));
        else
            CHECK_FALSE(m.correlation_id.has_value());
        CHECK_FALSE(m.has_headers);
        CHECK_FALSE(m.has_other_properties);
    }
}

TEST_CASE("amqp: an unroutable message is returned, not confirmed") {
    auto s = bbtest::services();
    if (!s)
        return;
    bbtest::AmqpConsumer admin(s->rabbit_url);
    std::string exchange = bbtest::unique_name("lonely");
    admin.declare_exchange(exchange);
    bb::PublisherOptions options;
    options.urls = {url_of(*s)};
    options.exchange = exchange;
    auto publisher = bb::Publisher::connect(options);
    REQUIRE(publisher.has_value());
    for (std::string id : {"a", "b", "c"}) {
        bb::OutgoingMessage m = empty_message("nobody.listens", id);
        REQUIRE(publisher->publish(m).has_value());
    }
    auto settled = settle_all(*publisher);
    REQUIRE(settled.size() == 3);
    for (const auto& x : settled)
        CHECK(x.delivery == bb::Delivery::returned);
    publisher->close();
    admin.delete_exchange(exchange);
}

TEST_CASE("amqp: a full queue with reject-publish nacks what it cannot take") {
    auto s = bbtest::services();
    if (!s)
        return;
    bbtest::QueueOptions q;
    q.max_length = 2;
    q.reject_publish = true;
    Bus bus(*s, q);
    bb::PublisherOptions options;
    options.urls = {url_of(*s)};
    options.exchange = bus.exchange;
    auto publisher = bb::Publisher::connect(options);
    REQUIRE(publisher.has_value());
    for (int i = 0; i < 5; ++i) {
        std::string id = std::to_string(i);
        bb::OutgoingMessage m = empty_message("x", id);
        REQUIRE(publisher->publish(m).has_value());
    }
    auto settled = settle_all(*publisher);
    REQUIRE(settled.size() == 5);
    int confirmed = 0, nacked = 0;
    for (const auto& x : settled) {
        confirmed += x.delivery == bb::Delivery::confirmed;
        nacked += x.delivery == bb::Delivery::nacked;
    }
    CHECK(confirmed == 2);
    CHECK(nacked == 3);
    publisher->close();
    CHECK(bus.admin.message_count(bus.queue) == 2);
}

TEST_CASE("amqp: a refused connection names the redacted URL and the reason") {
    bb::PublisherOptions options;
    bb::AmqpUrl url;
    url.host = "127.0.0.1";
    url.port = 1; // nothing listens on port 1
    url.password = "s3cret";
    options.urls = {url};
    auto started = std::chrono::steady_clock::now();
    auto publisher = bb::Publisher::connect(options);
    REQUIRE_FALSE(publisher.has_value());
    CHECK(publisher.error().kind == bb::ErrorKind::unavailable);
    CHECK(publisher.error().message ==
          "cannot connect to amqp://guest@127.0.0.1:1/: connection refused");
    CHECK(std::chrono::steady_clock::now() - started < 5s);
}

TEST_CASE("amqp: several URLs are tried in turn") {
    auto s = bbtest::services();
    if (!s)
        return;
    bb::AmqpUrl down;
    down.host = "127.0.0.1";
    down.port = 1;
    bb::PublisherOptions options;
    options.urls = {down, url_of(*s)};
    options.exchange = bbtest::unique_name("ex");
    auto publisher = bb::Publisher::connect(options);
    REQUIRE_MESSAGE(publisher.has_value(), publisher.error().message);
    CHECK(publisher->target() == url_of(*s).redacted());
    publisher->close();
    bbtest::AmqpConsumer(s->rabbit_url).delete_exchange(options.exchange);

    options.urls = {down, down};
    auto none = bb::Publisher::connect(options);
    REQUIRE_FALSE(none.has_value());
    CHECK(none.error().message ==
          "no broker reachable: cannot connect to amqp://guest@127.0.0.1:1/: connection refused; "
          "cannot connect to amqp://guest@127.0.0.1:1/: connection refused");
}

TEST_CASE("amqp: an exchange of another type is refused with the broker's reason") {
    auto s = bbtest::services();
    if (!s)
        return;
    bbtest::AmqpConsumer admin(s->rabbit_url);
    std::string exchange = bbtest::unique_name("fanout");
    admin.declare_exchange(exchange, "fanout");
    bb::PublisherOptions options;
    options.urls = {url_of(*s)};
    options.exchange = exchange;
    auto publisher = bb::Publisher::connect(options);
    REQUIRE_FALSE(publisher.has_value());
    CHECK(publisher.error().kind == bb::ErrorKind::unavailable);
    CHECK(publisher.error().message ==
          "cannot use exchange \"" + exchange + "\" on " + url_of(*s).redacted() +
              ": PRECONDITION_FAILED - inequivalent arg 'type' for exchange '" + exchange +
              "' in vhost '/': received 'topic' but current is 'fanout'");
    admin.delete_exchange(exchange);
}

TEST_CASE("amqp: without declaring, a missing exchange is refused") {
    auto s = bbtest::services();
    if (!s)
        return;
    bb::PublisherOptions options;
    options.urls = {url_of(*s)};
    options.exchange = bbtest::unique_name("missing");
    options.declare_exchange = false;
    auto publisher = bb::Publisher::connect(options);
    REQUIRE_FALSE(publisher.has_value());
    CHECK(publisher.error().message == "cannot use exchange \"" + options.exchange + "\" on " +
                                           url_of(*s).redacted() + ": NOT_FOUND - no exchange '" +
                                           options.exchange + "' in vhost '/'");
}

TEST_CASE("amqp: a wrong password is refused at login without showing it") {
    auto s = bbtest::services();
    if (!s)
        return;
    bb::PublisherOptions options;
    bb::AmqpUrl url = url_of(*s);
    url.password = "not-the-password";
    options.urls = {url};
    auto publisher = bb::Publisher::connect(options);
    REQUIRE_FALSE(publisher.has_value());
    CHECK(publisher.error().kind == bb::ErrorKind::unavailable);
    CHECK(publisher.error().message.rfind("cannot connect to " + url.redacted() + ": ", 0) == 0);
    CHECK(publisher.error().message.find("not-the-password") == std::string::npos);
}

// connection.open goes out with the channel setup when connect() waits for
// it, and alone (its open-ok awaited at login) when it does not: a vhost the
// broker refuses ends connect() the same way in both.
TEST_CASE("amqp: a vhost the broker does not have is refused at connect with its reason") {
    auto s = bbtest::services();
    if (!s)
        return;
    for (bool wait_for_setup : {true, false}) {
        CAPTURE(wait_for_setup);
        bb::PublisherOptions options;
        bb::AmqpUrl url = url_of(*s);
        url.vhost = bbtest::unique_name("no-such-vhost");
        options.urls = {url};
        options.wait_for_setup = wait_for_setup;
        bool refused = true;
        auto publisher = bb::Publisher::connect(options, &refused);
        REQUIRE_FALSE(publisher.has_value());
        CHECK(publisher.error().kind == bb::ErrorKind::unavailable);
        CHECK(publisher.error().message == "cannot connect to " + url.redacted() +
                                               ": NOT_ALLOWED - vhost " + url.vhost + " not found");
        CHECK_FALSE(refused); // the broker may get the vhost: not a refusal of ours to keep
    }
}

TEST_CASE("amqp: after a refused vhost the next URL is tried and publishes") {
    auto s = bbtest::services();
    if (!s)
        return;
    Bus bus(*s);
    bb::PublisherOptions options;
    bb::AmqpUrl missing = url_of(*s);
    missing.vhost = bbtest::unique_name("no-such-vhost");
    options.urls = {missing, url_of(*s)};
    options.exchange = bus.exchange;
    auto publisher = bb::Publisher::connect(options);
    REQUIRE_MESSAGE(publisher.has_value(), publisher.error().message);
    bb::OutgoingMessage m = empty_message("x", "second-url");
    REQUIRE(publisher->publish(m).has_value());
    auto settled = settle_all(*publisher);
    REQUIRE(settled.size() == 1);
    CHECK(settled[0].delivery == bb::Delivery::confirmed);
    publisher->close();
    CHECK(bus.admin.drain(bus.queue).size() == 1);
}

TEST_CASE("amqp: servicing an idle connection returns nothing and keeps it usable") {
    auto s = bbtest::services();
    if (!s)
        return;
    Bus bus(*s);
    bb::PublisherOptions options;
    options.urls = {url_of(*s)};
    options.exchange = bus.exchange;
    options.heartbeat_seconds = 1;
    auto publisher = bb::Publisher::connect(options);
    REQUIRE(publisher.has_value());
    std::vector<bb::Settled> settled;
    // Three heartbeat intervals of idling: the broker would close a connection
    // that sent no heartbeats for two of them.
    for (int i = 0; i < 30; ++i)
        REQUIRE(publisher->service(100ms, settled).has_value());
    CHECK(settled.empty());
    bb::OutgoingMessage m = empty_message("after.idle", "late");
    REQUIRE(publisher->publish(m).has_value());
    settled = settle_all(*publisher);
    REQUIRE(settled.size() == 1);
    CHECK(settled[0].delivery == bb::Delivery::confirmed);
    publisher->close();
    CHECK(bus.admin.drain(bus.queue).size() == 1);
}

TEST_CASE("amqp: without waiting for the setup, a refused exchange surfaces in service()") {
    auto s = bbtest::services();
    if (!s)
        return;
    bbtest::AmqpConsumer admin(s->rabbit_url);
    std::string exchange = bbtest::unique_name("fanout");
    admin.declare_exchange(exchange, "fanout");
    bb::PublisherOptions options;
    options.urls = {url_of(*s)};
    options.exchange = exchange;
    options.wait_for_setup = false;
    auto publisher = bb::Publisher::connect(options);
    REQUIRE(publisher.has_value());
    bb::OutgoingMessage m = empty_message("x", "early");
    auto tag = publisher->publish(m); // goes out before the refusal is known
    std::vector<bb::Settled> settled;
    bb::Result<void> r;
    for (int i = 0; i < 50 && r.has_value(); ++i)
        r = publisher->service(100ms, settled);
    REQUIRE_FALSE(r.has_value());
    CHECK(r.error().message.rfind("cannot use exchange \"" + exchange + "\" on " +
                                      url_of(*s).redacted() + ": PRECONDITION_FAILED",
                                  0) == 0);
    publisher->abandon_in_flight(settled);
    if (tag) {
        REQUIRE(settled.size() == 1);
        CHECK(settled[0].delivery == bb::Delivery::unconfirmed);
    }
    admin.delete_exchange(exchange);
}

TEST_CASE("amqp: without waiting for the setup, the first message is still confirmed") {
    auto s = bbtest::services();
    if (!s)
        return;
    Bus bus(*s);
    bb::PublisherOptions options;
    options.urls = {url_of(*s)};
    options.exchange = bus.exchange;
    options.wait_for_setup = false;
    auto publisher = bb::Publisher::connect(options);
    REQUIRE(publisher.has_value());
    bb::OutgoingMessage m = empty_message("x", "first");
    REQUIRE(publisher->publish(m).has_value());
    auto settled = settle_all(*publisher);
    REQUIRE(settled.size() == 1);
    CHECK(settled[0].tag == 1);
    CHECK(settled[0].delivery == bb::Delivery::confirmed);
    CHECK(publisher->await_setup().has_value());
    publisher->close();
    CHECK(bus.admin.drain(bus.queue).size() == 1);
}
