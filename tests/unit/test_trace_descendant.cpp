// add_descendant: which events published while a chain is followed join it.
#include "bloodbank/envelope.hpp"
#include "bloodbank/trace.hpp"

#include <doctest/doctest.h>

#include <string>

namespace {

// 00000000-0000-4000-8000-00000000000N
bb::Uuid id(int n) {
    std::string digits = std::to_string(n);
    return *bb::parse_uuid("00000000-0000-4000-8000-" + std::string(12 - digits.size(), '0') +
                           digits);
}

bb::Envelope event(int n, std::vector<int> parents) {
    bb::Envelope e;
    e.event_id = id(n);
    e.event_type = "test.step" + std::to_string(n);
    for (int parent : parents)
        e.correlation_ids.push_back(id(parent));
    return e;
}

// An ancestor 1, the focus 2, its child 3: levels -1, 0, 1.
bb::TraceGraph around_focus() {
    bb::TraceGraph graph(id(2), bb::TraceView::around);
    auto [ancestor, a_new] = graph.add_node(id(1), -1);
    auto [focus, f_new] = graph.add_node(id(2), 0);
    auto [child, c_new] = graph.add_node(id(3), 1);
    graph.add_edge(ancestor, focus);
    graph.add_edge(focus, child);
    return graph;
}

} // namespace

TEST_CASE("add_descendant: a child of a descendant joins one level below, with its summary") {
    bb::TraceGraph graph = around_focus();
    auto added = bb::add_descendant(graph, event(4, {3}));
    REQUIRE(added);
    const bb::TraceNode& node = graph.node(*added);
    CHECK(node.id == id(4));
    CHECK(node.level == 2);
    CHECK(node.known);
    REQUIRE(node.summary);
    CHECK(node.summary->event_type == "test.step4");
    REQUIRE(graph.parents(*added).size() == 1);
    CHECK(graph.node(graph.parents(*added).front()).id == id(3));

    // Its own child follows it, and so on down.
    auto grandchild = bb::add_descendant(graph, event(5, {4}));
    REQUIRE(grandchild);
    CHECK(graph.node(*grandchild).level == 3);
}

TEST_CASE("add_descendant: the deepest parent decides the level, and every parent in the graph is "
          "linked") {
    bb::TraceGraph graph = around_focus();
    auto added = bb::add_descendant(graph, event(4, {2, 3, 9}));
    REQUIRE(added);
    CHECK(graph.node(*added).level == 2);
    CHECK(graph.parents(*added).size() == 2); // 9 is not in the graph
}

TEST_CASE("add_descendant: an ancestor's other child, an unrelated event and one already found "
          "are passed over") {
    bb::TraceGraph graph = around_focus();
    CHECK_FALSE(bb::add_descendant(graph, event(6, {1})));
    CHECK_FALSE(bb::add_descendant(graph, event(7, {})));
    CHECK_FALSE(bb::add_descendant(graph, event(8, {42})));
    CHECK_FALSE(bb::add_descendant(graph, event(3, {2})));
    CHECK(graph.size() == 3);
}
