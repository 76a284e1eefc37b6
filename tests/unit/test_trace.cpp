#include "bloodbank/trace.hpp"
#include "bloodbank/trace_render.hpp"

#include <doctest/doctest.h>
#include <fmt/format.h>

#include <set>
#include <string>
#include <vector>

using namespace bb;

namespace {

// Ids whose order is their number: 00000000-0000-4000-8000-0000000000NN.
Uuid n(int number) {
    return *parse_uuid(fmt::format("00000000-0000-4000-8000-{:012}", number));
}

EventSummary at(const std::string& type, std::int64_t seconds) {
    EventSummary s;
    s.event_type = type;
    s.time_micros = seconds * 1'000'000;
    return s;
}

std::vector<Uuid> ids(const TraceGraph& g, const std::vector<std::size_t>& order) {
    std::vector<Uuid> out;
    for (std::size_t i : order)
        out.push_back(g.node(i).id);
    return out;
}

std::vector<Uuid> node_ids(const TraceGraph& g) {
    std::vector<Uuid> out;
    for (const auto& node : g.nodes())
        out.push_back(node.id);
    return out;
}

// Adds child with the given parents, in that order (as a forward record lists them).
void link(TraceGraph& g, int child, std::vector<int> parents) {
    std::size_t c = g.add_node(n(child), 0).first;
    for (int p : parents)
        g.add_edge(g.add_node(n(p), 0).first, c);
}

} // namespace

TEST_CASE("trace: nodes and edges are recorded once, parents in insertion order") {
    TraceGraph g(n(1), TraceView::ancestors);
    CHECK(g.size() == 1);
    CHECK(g.focus() == 0);
    auto [a, added_a] = g.add_node(n(2), -1);
    auto [again, added_again] = g.add_node(n(2), -5);
    CHECK(added_a);
    CHECK_FALSE(added_again);
    CHECK(again == a);
    CHECK(g.node(a).level == -1); // the first level met is kept
    std::size_t b = g.add_node(n(3), -1).first;
    g.add_edge(b, 0);
    g.add_edge(a, 0);
    g.add_edge(b, 0);
    CHECK(g.edge_count() == 2);
    CHECK(g.parents(0).to_vector() == std::vector<std::size_t>{b, a});
    CHECK(g.children(a).to_vector() == std::vector<std::size_t>{0});
    CHECK(g.find(n(3)) == b);
    CHECK_FALSE(g.find(n(9)).has_value());
}

TEST_CASE("trace: the first truncation reason is kept") {
    TraceGraph g(n(1), TraceView::descendants);
    CHECK_FALSE(g.truncated());
    g.set_truncated("depth limit of 2 reached (--depth)");
    g.set_truncated("node limit of 5 reached (--max-nodes)");
    CHECK(g.truncated());
    CHECK(g.truncated_reason() == "depth limit of 2 reached (--depth)");
}

TEST_CASE("trace: reorder moves nodes and keeps every edge and the focus") {
    TraceGraph g(n(1), TraceView::descendants);
    link(g, 2, {1});
    link(g, 3, {1});
    link(g, 4, {2, 3});
    g.reorder({3, 1}); // a prefix: node 3 (id 4) first, node 1 (id 2), then the rest in order
    CHECK(node_ids(g) == std::vector<Uuid>{n(4), n(2), n(1), n(3)});
    CHECK(g.node(g.focus()).id == n(1));
    CHECK(ids(g, g.parents(0).to_vector()) == std::vector<Uuid>{n(2), n(3)}); // still record order
    CHECK(g.find(n(3)) == 3);
    std::vector<std::pair<std::size_t, std::size_t>> expected{{1, 0}, {2, 1}, {2, 3}, {3, 0}};
    CHECK(g.edges() == expected);
}

TEST_CASE("trace: display order is time, then untimed, each tie by id") {
    TraceNode early, late, untimed_low, untimed_high, same_time_high;
    early.id = n(9);
    early.summary = at("x", 100);
    late.id = n(1);
    late.summary = at("x", 200);
    same_time_high.id = n(10);
    same_time_high.summary = at("x", 100);
    untimed_low.id = n(2);
    untimed_high.id = n(3);
    untimed_high.summary = EventSummary{}; // a summary whose time did not parse
    CHECK(shown_before(early, late));
    CHECK_FALSE(shown_before(late, early));
    CHECK(shown_before(early, same_time_high));
    CHECK(shown_before(late, untimed_low));
    CHECK(shown_before(untimed_low, untimed_high));
    CHECK_FALSE(shown_before(untimed_low, untimed_low));
}

TEST_CASE("trace: ancestors chain is the Python post-order over record-ordered parents") {
    // 5 has parents [4, 3]; 4 has parents [1]; 3 has parents [1, 2].
    // Python: traverse(5) -> traverse(4) -> traverse(1): append 1; append 4;
    // traverse(3) -> 1 visited, traverse(2): append 2; append 3; append 5.
    TraceGraph g(n(5), TraceView::ancestors);
    link(g, 5, {4, 3});
    link(g, 4, {1});
    link(g, 3, {1, 2});
    CHECK(ids(g, chain_order(g, Direction::ancestors)) ==
          std::vector<Uuid>{n(1), n(4), n(2), n(3), n(5)});
}

TEST_CASE("trace: descendants chain of a tree is the pre-order in display order") {
    // 1 -> {2 (t=30), 3 (t=10)}, 3 -> {4 (t=20)}, 2 -> {5 (t=40)}
    TraceGraph g(n(1), TraceView::descendants);
    link(g, 2, {1});
    link(g, 3, {1});
    link(g, 4, {3});
    link(g, 5, {2});
    g.node(*g.find(n(2))).summary = at("b", 30);
    g.node(*g.find(n(3))).summary = at("c", 10);
    g.node(*g.find(n(4))).summary = at("d", 20);
    g.node(*g.find(n(5))).summary = at("e", 40);
    CHECK(ids(g, chain_order(g, Direction::descendants)) ==
          std::vector<Uuid>{n(1), n(3), n(4), n(2), n(5)});
}

TEST_CASE("trace: descendants chain of a diamond lists every parent before its child") {
    // 1 -> 2, 1 -> 3, 2 -> 4, 3 -> 4 (untimed, so by id). Python's pre-order
    // would give 1 2 4 3, putting 4 before its parent 3; 4 must come last.
    TraceGraph g(n(1), TraceView::descendants);
    link(g, 2, {1});
    link(g, 3, {1});
    link(g, 4, {2, 3});
    CHECK(ids(g, chain_order(g, Direction::descendants)) ==
          std::vector<Uuid>{n(1), n(2), n(3), n(4)});
}

TEST_CASE("trace: chains end on cycles") {
    TraceGraph g(n(1), TraceView::ancestors);
    link(g, 1, {2});
    link(g, 2, {1});
    CHECK(ids(g, chain_order(g, Direction::ancestors)) == std::vector<Uuid>{n(2), n(1)});
    CHECK(ids(g, chain_order(g, Direction::descendants)) == std::vector<Uuid>{n(1), n(2)});
}

TEST_CASE("trace: a 20,000-long chain needs no recursion") {
    TraceGraph g(n(20000), TraceView::ancestors);
    for (int i = 20000; i > 1; --i)
        link(g, i, {i - 1});
    auto up = chain_order(g, Direction::ancestors);
    REQUIRE(up.size() == 20000);
    CHECK(g.node(up.front()).id == n(1));
    CHECK(g.node(up.back()).id == n(20000));
    auto rows = tree_layout(g);
    REQUIRE(rows.size() == 20000);
    CHECK(g.node(rows.back().node).id == n(20000));
    CHECK(rows.back().depth == 19999);
    // Indentation starts again every tree_max_indent levels: 3 columns per
    // level, then "└─ ". Row i of the chain is at depth i; deeper rows never
    // share one column.
    CHECK(rows[tree_max_indent - 1].prefix.size() < rows[tree_max_indent].prefix.size());
    CHECK(rows[tree_max_indent + 1].prefix == "└─ ");
    CHECK(rows[tree_max_indent + 1].prefix.size() < rows[tree_max_indent + 2].prefix.size());
    CHECK(rows[2 * tree_max_indent + 1].prefix == "└─ ");
    CHECK(rows[19999].prefix.size() == rows[19999 % tree_max_indent].prefix.size());
}

TEST_CASE("trace: tree layout draws from the roots, marks repeats and cycles") {
    // 1 -> 2 -> 3 -> 2 (cycle), 1 -> 3; focus 3
    TraceGraph g(n(3), TraceView::around);
    link(g, 2, {1});
    link(g, 3, {2, 1});
    link(g, 2, {3});
    auto rows = tree_layout(g);
    std::vector<std::string> drawn;
    for (const auto& row : rows) {
        std::string kind = row.kind == TreeRow::Kind::full     ? ""
                           : row.kind == TreeRow::Kind::repeat ? " repeat"
                                                               : " cycle";
        drawn.push_back(row.prefix + short_id(g.node(row.node).id) + kind);
    }
    // Children of 1 in id order: 2 then 3. Under 2: 3; under 3: 2, on the path.
    std::vector<std::string> expected{
        "00000000",           "├─ 00000000", "│  └─ 00000000", "│     └─ 00000000 cycle",
        "└─ 00000000 repeat",
    };
    CHECK(drawn == expected);
    CHECK(g.node(rows[1].node).id == n(2));
    CHECK(g.node(rows[2].node).id == n(3));
    CHECK(g.node(rows[4].node).id == n(3));
}

TEST_CASE("trace: a cycle without a root is drawn from its most ancestral node") {
    TraceGraph g(n(1), TraceView::around);
    std::size_t up = g.add_node(n(2), -1).first;
    g.add_edge(up, 0);
    g.add_edge(0, up);
    auto rows = tree_layout(g);
    REQUIRE(rows.size() == 3);
    CHECK(rows[0].node == up);
    CHECK(rows[1].node == 0);
    CHECK(rows[2].node == up);
    CHECK(rows[2].kind == TreeRow::Kind::cycle);
    CHECK(tree_order(g) == std::vector<std::size_t>{up, 0});
}

TEST_CASE("trace: short ids are the first eight hex digits") {
    CHECK(short_id(*parse_uuid("92AC3D31-3CBB-5518-9CC9-EAA1D1198639")) == "92ac3d31");
}

TEST_CASE("trace: short ids tell a graph's events apart, time-ordered ids too") {
    auto id = [](const char* text) { return *parse_uuid(text); };
    // Different first digits: the first eight, as people quote ids.
    TraceGraph plain(id("92ac3d31-3cbb-5518-9cc9-eaa1d1198639"), TraceView::around);
    plain.add_node(id("dcbf406d-aaae-5a9a-8b36-38bb4f5ac1e7"), 1);
    ShortIds plain_ids(plain);
    CHECK(plain_ids(plain.node(0).id) == "92ac3d31");
    CHECK(plain_ids(plain.node(1).id) == "dcbf406d");

    // UUIDv7 ids minted in one second share their first digits: the random tail.
    TraceGraph timed(id("019aef3c-1a2b-7c3d-8e4f-5a6b7c8d9e0f"), TraceView::around);
    timed.add_node(id("019aef3c-1a2c-7111-9222-333344445555"), 1);
    ShortIds timed_ids(timed);
    CHECK(timed_ids(timed.node(0).id) == "…5a6b7c8d9e0f");
    CHECK(timed_ids(timed.node(1).id) == "…333344445555");

    // Heads and tails both collide: the whole id.
    TraceGraph both(id("019aef3c-1a2b-7c3d-8e4f-5a6b7c8d9e0f"), TraceView::around);
    both.add_node(id("019aef3c-ffff-7c3d-8e4f-5a6b7c8d9e0f"), 1);
    ShortIds both_ids(both);
    CHECK(both_ids(both.node(1).id) == "019aef3c-ffff-7c3d-8e4f-5a6b7c8d9e0f");
}

TEST_CASE("trace: a chain of bb-id --time ids shows a different short id on every row") {
    TraceGraph g(uuid_v7(), TraceView::around);
    std::size_t previous = 0;
    for (int i = 0; i < 20; ++i) {
        std::size_t next = g.add_node(uuid_v7(), i + 1).first;
        g.add_edge(previous, next);
        previous = next;
    }
    std::string tree = render_tree(g, {});
    ShortIds short_ids(g);
    std::set<std::string> shown;
    for (const auto& node : g.nodes()) {
        CHECK(tree.find("  " + short_ids(node.id)) != std::string::npos);
        shown.insert(short_ids(node.id));
    }
    CHECK(shown.size() == g.size());
}
