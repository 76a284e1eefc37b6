// A node of a walk holds its summary out of line: a listing of 11,111 ids
// must fit in a few MiB, and the five strings of a summary inline (over
// 200 bytes a node, twice over while the nodes are reordered) did not.
#include "bloodbank/trace.hpp"

#include <doctest/doctest.h>

TEST_CASE("trace node: a node without a summary stays small") {
    CHECK(sizeof(bb::TraceNode) <= 48);
}

TEST_CASE("trace node: the summary reads as an optional and copies deeply") {
    bb::TraceNode node;
    CHECK_FALSE(node.summary.has_value());
    CHECK_FALSE(static_cast<bool>(node.summary));
    CHECK_FALSE(std::optional<bb::EventSummary>(node.summary).has_value());

    bb::EventSummary summary;
    summary.event_type = "a.type";
    summary.time_micros = 42;
    node.summary = std::optional<bb::EventSummary>(summary);
    REQUIRE(node.summary.has_value());
    CHECK(node.summary->event_type == "a.type");
    CHECK((*node.summary).time_micros == 42);

    bb::TraceNode copy = node;
    copy.summary->event_type = "b.type";
    CHECK(node.summary->event_type == "a.type");
    CHECK(copy.summary->event_type == "b.type");

    node.summary = std::optional<bb::EventSummary>();
    CHECK_FALSE(node.summary.has_value());
    std::optional<bb::EventSummary> kept = copy.summary;
    REQUIRE(kept.has_value());
    CHECK(kept->event_type == "b.type");
}
