// Golden files in tests/unit/golden/ were written by hand from the spec
// (trace_render.hpp, bb-trace(1)) and checked by eye against the drawings
// in the comments below; they are not copies of the renderers' output.
#include "bloodbank/timestamp.hpp"
#include "bloodbank/trace_render.hpp"

#include <doctest/doctest.h>

#include <cstdio>
#include <fstream>
#include <sstream>
#include <string>

using namespace bb;

namespace {

std::string golden(const std::string& name) {
    std::ifstream in(std::string(BB_SOURCE_DIR) + "/tests/unit/golden/" + name, std::ios::binary);
    REQUIRE_MESSAGE(in.good(), "missing golden file " << name);
    std::ostringstream text;
    text << in.rdbuf();
    return text.str();
}

Uuid id(const char* text) {
    return *parse_uuid(text);
}

EventSummary summary(std::string type, std::string timestamp, std::string app, std::string host,
                     std::string source_type) {
    EventSummary s;
    s.event_type = std::move(type);
    s.timestamp = std::move(timestamp);
    s.source_app = std::move(app);
    s.source_host = std::move(host);
    s.source_type = std::move(source_type);
    if (auto parsed = parse_timestamp(s.timestamp))
        s.time_micros = parsed->unix_micros;
    return s;
}

// The whole picture around "ready" (R), as trace_around builds it:
//
//   upload U ──> ready R ──> summary S ──> report M
//   unknown X ─┘       └──> tasks T ──┬──> report M (again)
//                                     └──> N (Python-written, no summary)
TraceGraph around_graph() {
    const Uuid U = id("92ac3d31-3cbb-5518-9cc9-eaa1d1198639");
    const Uuid R = id("1a2b3c4d-5e6f-4a0b-8c1d-2e3f4a5b6c7d");
    const Uuid S = id("5e6f7a8b-9c0d-4e1f-a2b3-c4d5e6f7a8b9");
    const Uuid T = id("9c0d1e2f-3a4b-4c5d-8e6f-7a8b9c0d1e2f");
    const Uuid M = id("3f4e5d6c-7b8a-4998-8776-655443322110");
    const Uuid N = id("7d8e9fa0-b1c2-4d3e-9f40-5162738495a6");
    const Uuid X = id("0bad0bad-0bad-4bad-8bad-0bad0bad0bad");

    TraceGraph g(R, TraceView::around);
    auto add = [&](const Uuid& node, int level) { return g.add_node(node, level).first; };
    std::size_t r = g.focus(), x = add(X, -1), u = add(U, -1);
    std::size_t s = add(S, 1), t = add(T, 1), m = add(M, 2), n = add(N, 2);
    g.add_edge(x, r);
    g.add_edge(u, r);
    g.add_edge(r, s);
    g.add_edge(r, t);
    g.add_edge(s, m);
    g.add_edge(t, m);
    g.add_edge(t, n);
    for (std::size_t known : {r, u, s, t, m, n})
        g.node(known).known = true;
    g.node(u).summary = summary("fireflies.transcript.upload", "2025-10-18T14:03:07.123456+00:00",
                                "demo", "laptop", "manual");
    // Written with an offset: shown in UTC.
    g.node(r).summary = summary("fireflies.transcript.ready", "2025-10-18T16:05:12+02:00",
                                "fireflies", "fireflies.ai", "hook");
    g.node(s).summary = summary("llm.summary.requested", "2025-10-18T14:05:13.5+00:00", "worker",
                                "worker1", "agent");
    g.node(t).summary =
        summary("tasks.extracted", "2025-10-18T14:05:20+00:00", "worker", "worker1", "agent");
    // No app: the host is shown instead.
    g.node(m).summary =
        summary("report.compiled", "2025-10-18T14:06:00+00:00", "", "box2", "scheduled");
    g.reorder(tree_order(g));
    return g;
}

// Descendants of A on the cycle A -> B -> C -> A, Python-written (no
// summaries), stopped by a node limit of 3:
//
//   A ──> B ──> C ──> A (cycle)
TraceGraph cycle_graph() {
    TraceGraph g(id("aaaaaaaa-aaaa-4aaa-8aaa-aaaaaaaaaaaa"), TraceView::descendants);
    std::size_t a = g.focus();
    std::size_t b = g.add_node(id("bbbbbbbb-bbbb-4bbb-8bbb-bbbbbbbbbbbb"), 1).first;
    std::size_t c = g.add_node(id("cccccccc-cccc-4ccc-8ccc-cccccccccccc"), 2).first;
    g.add_edge(a, b);
    g.add_edge(b, c);
    g.add_edge(c, a);
    for (std::size_t i : {a, b, c})
        g.node(i).known = true;
    g.set_truncated("node limit of 3 reached (--max-nodes)");
    g.reorder(chain_order(g, Direction::descendants));
    return g;
}

} // namespace

TEST_CASE("trace_render: tree of the whole picture matches the golden file") {
    CHECK(render_tree(around_graph()) == golden("trace_around.txt"));
}

TEST_CASE("trace_render: tree of a truncated cycle matches the golden file") {
    CHECK(render_tree(cycle_graph()) == golden("trace_cycle.txt"));
}

TEST_CASE("trace_render: json matches the golden files") {
    CHECK(render_json(around_graph()) == golden("trace_around.json"));
    CHECK(render_json(cycle_graph()) == golden("trace_cycle.json"));
}

TEST_CASE("trace_render: ids match the golden files") {
    CHECK(render_ids(around_graph()) == golden("trace_around.ids"));
    CHECK(render_ids(cycle_graph()) == golden("trace_cycle.ids"));
}

TEST_CASE("trace_render: dot matches the golden files") {
    CHECK(render_dot(around_graph()) == golden("trace_around.dot"));
    CHECK(render_dot(cycle_graph()) == golden("trace_cycle.dot"));
}

TEST_CASE("trace_render: mermaid matches the golden files") {
    CHECK(render_mermaid(around_graph()) == golden("trace_around.mmd"));
    CHECK(render_mermaid(cycle_graph()) == golden("trace_cycle.mmd"));
}

TEST_CASE("trace_render: render dispatches on the format") {
    TraceGraph g = around_graph();
    CHECK(render(g, TraceFormat::tree) == golden("trace_around.txt"));
    CHECK(render(g, TraceFormat::json) == golden("trace_around.json"));
    CHECK(render(g, TraceFormat::ids) == golden("trace_around.ids"));
    CHECK(render(g, TraceFormat::dot) == golden("trace_around.dot"));
    CHECK(render(g, TraceFormat::mermaid) == golden("trace_around.mmd"));
}

TEST_CASE("trace_render: format names") {
    CHECK(*parse_trace_format("tree") == TraceFormat::tree);
    CHECK(*parse_trace_format("json") == TraceFormat::json);
    CHECK(*parse_trace_format("ids") == TraceFormat::ids);
    CHECK(*parse_trace_format("dot") == TraceFormat::dot);
    CHECK(*parse_trace_format("mermaid") == TraceFormat::mermaid);
    auto bad = parse_trace_format("yaml");
    REQUIRE_FALSE(bad);
    CHECK(bad.error().kind == ErrorKind::usage);
    CHECK(bad.error().message == "\"yaml\" is not one of tree, json, ids, dot, mermaid");
}

TEST_CASE("trace_render: colour only when asked, and the focus stays marked without it") {
    TraceGraph g = around_graph();
    std::string plain = render_tree(g, {false});
    std::string colored = render_tree(g, {true});
    CHECK(plain.find('\x1b') == std::string::npos);
    CHECK(plain.find("◀") != std::string::npos);
    CHECK(colored.find("\x1b[1;7mfireflies.transcript.ready\x1b[0m") != std::string::npos);
    CHECK(colored.find("\x1b[33m92ac3d31\x1b[0m") != std::string::npos);
    CHECK(colored.find("\x1b[31m? unknown to Redis\x1b[0m") != std::string::npos);
    // Removing the escapes gives back the plain text: colour changes nothing else.
    std::string stripped;
    for (std::size_t i = 0; i < colored.size(); ++i) {
        if (colored[i] == '\x1b') {
            i = colored.find('m', i);
            continue;
        }
        stripped += colored[i];
    }
    CHECK(stripped == plain);
}

TEST_CASE("trace_render: parents and children listings leave the focus out of ids") {
    TraceGraph g(id("1a2b3c4d-5e6f-4a0b-8c1d-2e3f4a5b6c7d"), TraceView::parents);
    std::size_t p = g.add_node(id("92ac3d31-3cbb-5518-9cc9-eaa1d1198639"), -1).first;
    g.add_edge(p, g.focus());
    CHECK(render_ids(g) == "92ac3d31-3cbb-5518-9cc9-eaa1d1198639\n");
    TraceGraph lonely(id("1a2b3c4d-5e6f-4a0b-8c1d-2e3f4a5b6c7d"), TraceView::children);
    CHECK(render_ids(lonely) == "");
}

TEST_CASE("trace_render: labels are escaped for dot and mermaid") {
    TraceGraph g(id("1a2b3c4d-5e6f-4a0b-8c1d-2e3f4a5b6c7d"), TraceView::around);
    g.node(0).known = true;
    g.node(0).summary = summary("say \"hi\" <now> #1 \\o/", "not a time", "", "", "manual");
    std::string dot = render_dot(g);
    CHECK(
        dot.find(
            R"([label=<say &quot;hi&quot; &lt;now&gt; #1 \\o/<BR/>not a time<BR/>1a2b3c4d>, penwidth=3])") !=
        std::string::npos);
    std::string mermaid = render_mermaid(g);
    CHECK(
        mermaid.find(
            R"(n0["say #quot;hi#quot; #lt;now#gt; #35;1 \o/<br/>not a time<br/>1a2b3c4d"]:::focus)") !=
        std::string::npos);
}

TEST_CASE("trace_render: rows past the indentation limit show their depth") {
    TraceGraph g(id("00000000-0000-4000-8000-000000000000"), TraceView::descendants);
    std::size_t parent = g.focus();
    for (int i = 1; i <= 40; ++i) {
        char text[37];
        std::snprintf(text, sizeof text, "00000000-0000-4000-8000-%012d", i);
        std::size_t child = g.add_node(id(text), i).first;
        g.add_edge(parent, child);
        g.node(child).known = true;
        parent = child;
    }
    g.node(0).known = true;
    std::string tree = render_tree(g);
    CHECK(tree.find("[33] (no summary)") != std::string::npos);
    CHECK(tree.find("[40] (no summary)") != std::string::npos);
    CHECK(tree.find("[32]") == std::string::npos); // depth 32 is still drawn in its place
}
