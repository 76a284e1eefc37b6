// An exchange of the test's own on the shared broker, deleted at the end,
// and a client that publishes envelopes on it with confirms: the bus that
// bb-trace --follow and serve's live view read.
#pragma once

#include "support/amqp_consumer.hpp"
#include "test_bb_publish_support.hpp"
#include "test_bb_trace_fixtures.hpp"

#include <string>

namespace tracetest {

struct FollowBus {
    bbtest::AmqpConsumer admin;
    std::string exchange = bbtest::unique_name("follow");
    explicit FollowBus(const std::string& url) : admin(url) { admin.declare_exchange(exchange); }
    ~FollowBus() {
        try {
            admin.delete_exchange(exchange);
        } catch (...) {
        }
    }
    void publish(const bbtest::publish::EnvelopeSpec& e) {
        admin.publish(exchange, e.event_type, bbtest::publish::canonical(e), e.event_id);
        admin.wait_for_confirms();
    }
};

// A new event that Redis knows (a summary hash of type test.root): an
// event to follow.
inline std::string root_event(Fixture& f) {
    std::string id = f.event();
    f.summary(id, "test.root", "2025-10-18T14:03:07.123456+00:00");
    return id;
}

// The fixture's options (its Redis) with the shared broker: what
// bb-trace --follow and serve's live view read.
inline bbtest::RunOptions with_broker(const Fixture& f) {
    bbtest::RunOptions options = f.options();
    options.env["RABBIT_URL"] = f.services().rabbit_url;
    return options;
}

} // namespace tracetest
