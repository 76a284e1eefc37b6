// bb-consume --descends-from with Redis named in another form (through
// Sentinel, a Redis Cluster): root and child are published and tracked
// before the queue exists, so only Redis can tell bb-consume that the
// grandchild descends from root; a stranger is filtered out.
#pragma once

#include "support/lines.hpp"
#include "test_bb_publish_support.hpp"

#include <doctest/doctest.h>

#include <functional>

namespace bbtest::publish {

inline void check_descends_from(const Services& services,
                                const std::function<RunOptions(RunOptions)>& redis_named) {
    Bus bus(services, false);
    EnvelopeSpec root, child, grandchild, stranger;
    child.parents = {root.event_id};
    grandchild.parents = {child.event_id};
    auto o = redis_named(bus.options(canonical(root) + "\n" + canonical(child) + "\n"));
    auto published = Bus::run_publish({"--require-tracking", "--allow-unroutable"}, o);
    REQUIRE_MESSAGE(published.status == 0, published.err);
    bus.admin.declare_queue(bus.queue, QueueOptions{});
    bus.admin.bind(bus.queue, bus.exchange);
    for (auto* e : {&stranger, &grandchild})
        bus.admin.publish(bus.exchange, "test.event", canonical(*e), e->event_id);
    bus.admin.wait_for_confirms();
    auto r = run({binary("bb-consume"), "--queue", bus.queue, "--no-declare", "--idle-timeout", "1",
                  "--descends-from", root.event_id},
                 redis_named(bus.options("")));
    CHECK_MESSAGE(r.status == 0, r.err);
    CHECK(split_lines(r.out) == std::vector<std::string>{canonical(grandchild)});
}

} // namespace bbtest::publish
