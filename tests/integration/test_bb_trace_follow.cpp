// bb-trace --follow: the chain as Redis has it, then each new descendant as
// the test's own client publishes it on the bus, step by step.
#include "support/background.hpp"
#include "support/lines.hpp"
#include "test_bb_publish_support.hpp"
#include "test_bb_trace_bus.hpp"
#include "test_bb_trace_fixtures.hpp"

#include <doctest/doctest.h>

#include <csignal>

namespace {

using bbtest::publish::EnvelopeSpec;
using tracetest::FollowBus;

bool has_line(const std::string& out, const std::string& line) {
    for (const auto& l : bbtest::split_lines(out))
        if (l == line)
            return true;
    return false;
}

} // namespace

TEST_CASE("bb-trace --follow: a chain published step by step appears step by step") {
    auto f = tracetest::fixture();
    if (!f)
        return;
    FollowBus bus(f->services().rabbit_url);
    EnvelopeSpec root, child, grandchild, stranger, cousin;
    std::string uncle = f->event();
    f->summary(root.event_id, "test.root", root.timestamp);
    f->link(root.event_id, {uncle}); // the root has a parent: the picture has an ancestor
    child.parents = {root.event_id};
    grandchild.parents = {child.event_id};
    cousin.parents = {uncle}; // a descendant of the ancestor only

    auto options = tracetest::with_broker(*f);
    options.env["EXCHANGE_NAME"] = bus.exchange;
    bbtest::Background follow(
        {bbtest::binary("bb-trace"), root.event_id, "--follow", "--format", "ids"}, options);
    // The listing is printed once the queue is bound: from then on nothing is missed.
    REQUIRE(bbtest::wait_until([&] { return has_line(follow.out(), root.event_id); },
                               std::chrono::seconds(20)));
    bus.publish(child);
    CHECK(bbtest::wait_until([&] { return has_line(follow.out(), child.event_id); },
                             std::chrono::seconds(20)));
    bus.publish(stranger);
    bus.publish(cousin);
    bus.publish(grandchild);
    CHECK(bbtest::wait_until([&] { return has_line(follow.out(), grandchild.event_id); },
                             std::chrono::seconds(20)));
    CHECK(follow.stop(SIGINT) == 130);
    // The picture first (the ancestor, then the event), then the new descendants only.
    CHECK(bbtest::split_lines(follow.out()) ==
          std::vector<std::string>{uncle, root.event_id, child.event_id, grandchild.event_id});
}

TEST_CASE("bb-trace --follow: JSON cannot follow, and an unknown event is not followed") {
    auto f = tracetest::fixture();
    if (!f)
        return;
    std::string id = tracetest::root_event(*f);
    auto options = tracetest::with_broker(*f);
    auto json = f->trace({id, "--follow", "--format", "json"}, options);
    CHECK(json.status == 64);
    auto unknown = f->trace({f->event(), "--follow"}, options);
    CHECK(unknown.status == 66);
}
