// The correlation queries of libbloodbank against the real test Redis, with
// fixtures written in the Python tracker's layout.
#include "test_bb_trace_fixtures.hpp"

#include "bloodbank/correlation.hpp"

#include <doctest/doctest.h>
#include <fmt/format.h>
#include <rapidjson/document.h>

#include <algorithm>
#include <map>
#include <random>
#include <set>

using namespace bb;

namespace {

Uuid id(const std::string& text) {
    return *parse_uuid(text);
}

std::vector<std::string> ids_of(const TraceGraph& graph) {
    std::vector<std::string> out;
    for (const auto& node : graph.nodes())
        out.push_back(node.id.str());
    return out;
}

// The Python tracker's get_correlation_chain, word for word, over adjacency
// given on stdin; children are listed in id order (our display order for
// events without summaries), parents in record order.
constexpr const char* python_oracle = R"(
import json, sys
g = json.load(sys.stdin)
def chain(event_id, direction, max_depth):
    visited = set()
    out = []
    def traverse(eid, current_depth):
        if eid in visited or current_depth >= max_depth:
            return
        visited.add(eid)
        if direction == "ancestors":
            for parent in g["parents"].get(eid, []):
                traverse(parent, current_depth + 1)
        out.append(eid)
        if direction == "descendants":
            for child in sorted(g["children"].get(eid, [])):
                traverse(child, current_depth + 1)
    traverse(event_id, 0)
    return out
print(json.dumps({"ancestors": chain(g["start"], "ancestors", 100),
                  "descendants": chain(g["start"], "descendants", 100)}))
)";

struct PythonChains {
    std::vector<std::string> ancestors, descendants;
};

PythonChains python_chains(const std::map<std::string, std::vector<std::string>>& parents,
                           const std::string& start) {
    std::map<std::string, std::vector<std::string>> children;
    for (const auto& [child, list] : parents)
        for (const auto& parent : list)
            children[parent].push_back(child);
    auto object = [](const std::map<std::string, std::vector<std::string>>& m) {
        std::string out = "{";
        for (const auto& [key, list] : m) {
            out += (out.size() > 1 ? ",\"" : "\"") + key + "\":[";
            for (std::size_t i = 0; i < list.size(); ++i)
                out += (i ? ",\"" : "\"") + list[i] + "\"";
            out += "]";
        }
        return out + "}";
    };
    std::string input = "{\"start\":\"" + start + "\",\"parents\":" + object(parents) +
                        ",\"children\":" + object(children) + "}";
    bbtest::RunOptions options;
    options.input = input;
    auto result = bbtest::run({"/usr/bin/python3", "-c", python_oracle}, options);
    REQUIRE_MESSAGE(result.status == 0, result.err);
    rapidjson::Document doc;
    doc.Parse(result.out.c_str());
    REQUIRE(doc.IsObject());
    PythonChains chains;
    for (const auto& v : doc["ancestors"].GetArray())
        chains.ancestors.emplace_back(v.GetString());
    for (const auto& v : doc["descendants"].GetArray())
        chains.descendants.emplace_back(v.GetString());
    return chains;
}

// A tree of the given branching and depth below `root`; returns every level.
std::vector<std::vector<std::string>> write_tree(tracetest::Fixture& f, const std::string& root,
                                                 int branching, int depth) {
    std::vector<std::vector<std::string>> levels{{root}};
    for (int level = 1; level <= depth; ++level) {
        levels.emplace_back();
        for (const auto& parent : levels[level - 1])
            for (int i = 0; i < branching; ++i) {
                std::string child = f.event();
                f.link(child, {parent});
                levels[level].push_back(child);
            }
    }
    return levels;
}

bool topological(const TraceGraph& graph, const std::vector<std::string>& order) {
    std::map<std::string, std::size_t> position;
    for (std::size_t i = 0; i < order.size(); ++i)
        position[order[i]] = i;
    for (auto [parent, child] : graph.edges())
        if (position[graph.node(parent).id.str()] > position[graph.node(child).id.str()])
            return false;
    return true;
}

} // namespace

TEST_CASE("correlation: one pipelined round trip per level of the graph") {
    auto f = tracetest::fixture();
    if (!f)
        return;
    std::string root = f->event();
    auto levels = write_tree(*f, root, 3, 3); // 1 + 3 + 9 + 27 = 40 events
    auto redis = f->connect();

    std::size_t before = redis.round_trips();
    auto down = trace_chain(redis, id(root), Direction::descendants, {});
    REQUIRE(down);
    CHECK(down->size() == 40);
    CHECK(redis.round_trips() - before <= 4); // one per level; Python needs 41
    CHECK(redis.round_trips() - before == 4);

    before = redis.round_trips();
    auto up = trace_chain(redis, id(levels[3][26]), Direction::ancestors, {});
    REQUIRE(up);
    CHECK(up->size() == 4);
    CHECK(redis.round_trips() - before == 4);

    before = redis.round_trips();
    auto around = trace_around(redis, id(levels[1][0]), {});
    REQUIRE(around);
    CHECK(around->size() == 1 + 1 + 3 + 9); // the root, itself, its subtree
    CHECK(redis.round_trips() - before == 2 + 3);
}

TEST_CASE("correlation: chains agree with the Python tracker on a random DAG") {
    auto f = tracetest::fixture();
    if (!f)
        return;
    std::mt19937 random(20251018);
    std::vector<std::string> events;
    std::map<std::string, std::vector<std::string>> parents;
    for (int i = 0; i < 60; ++i) {
        std::string event = f->event();
        std::set<std::size_t> chosen;
        int wanted = i == 0 ? 0 : static_cast<int>(random() % 4);
        for (int k = 0; k < wanted; ++k)
            chosen.insert(random() % events.size());
        std::vector<std::string> listed;
        for (std::size_t c : chosen)
            listed.push_back(events[c]);
        std::shuffle(listed.begin(), listed.end(), random); // record order is not id order
        if (!listed.empty()) {
            f->link(event, listed);
            parents[event] = listed;
        } else {
            f->summary(event, "root.event", ""); // a root must be known to be asked about
        }
        events.push_back(event);
    }
    auto redis = f->connect();
    for (std::size_t pick : {5u, 20u, 35u, 50u, 59u}) {
        CAPTURE(pick);
        const std::string& start = events[pick];
        PythonChains expected = python_chains(parents, start);

        auto up = trace_chain(redis, id(start), Direction::ancestors, {});
        REQUIRE(up);
        CHECK(ids_of(*up) == expected.ancestors);

        auto down = trace_chain(redis, id(start), Direction::descendants, {});
        REQUIRE(down);
        std::vector<std::string> ours = ids_of(*down);
        CHECK(ours.front() == start);
        CHECK(std::set<std::string>(ours.begin(), ours.end()) ==
              std::set<std::string>(expected.descendants.begin(), expected.descendants.end()));
        CHECK(ours.size() == expected.descendants.size());
        CHECK(topological(*down, ours));
    }
}

TEST_CASE("correlation: descendants of a tree are exactly the Python order") {
    auto f = tracetest::fixture();
    if (!f)
        return;
    std::string root = f->event();
    auto levels = write_tree(*f, root, 3, 2);
    std::map<std::string, std::vector<std::string>> parents;
    for (std::size_t level = 1; level < levels.size(); ++level)
        for (std::size_t i = 0; i < levels[level].size(); ++i)
            parents[levels[level][i]] = {levels[level - 1][i / 3]};
    auto redis = f->connect();
    auto down = trace_chain(redis, id(root), Direction::descendants, {});
    REQUIRE(down);
    CHECK(ids_of(*down) == python_chains(parents, root).descendants);
}

TEST_CASE("correlation: cycles end, each event once") {
    auto f = tracetest::fixture();
    if (!f)
        return;
    std::string a = f->event(), b = f->event();
    f->link(b, {a});
    f->link(a, {b});
    auto redis = f->connect();
    auto up = trace_chain(redis, id(a), Direction::ancestors, {});
    REQUIRE(up);
    CHECK(ids_of(*up) == std::vector<std::string>{b, a});
    auto down = trace_chain(redis, id(a), Direction::descendants, {});
    REQUIRE(down);
    CHECK(ids_of(*down) == std::vector<std::string>{a, b});
    auto around = trace_around(redis, id(a), {});
    REQUIRE(around);
    CHECK(around->size() == 2);
    CHECK(around->edge_count() == 2);
    CHECK_FALSE(around->truncated());
}

TEST_CASE("correlation: the depth limit follows Python's max_depth and marks truncation") {
    auto f = tracetest::fixture();
    if (!f)
        return;
    std::vector<std::string> chain{f->event()};
    f->summary(chain[0], "root", "2025-10-18T14:03:07+00:00");
    for (int i = 1; i < 5; ++i) {
        chain.push_back(f->event());
        f->link(chain[i], {chain[i - 1]});
    }
    auto redis = f->connect();
    auto cut = trace_chain(redis, id(chain[4]), Direction::ancestors, {3, 10000});
    REQUIRE(cut);
    CHECK(ids_of(*cut) == std::vector<std::string>{chain[2], chain[3], chain[4]});
    CHECK(cut->truncated());
    CHECK(cut->truncated_reason() == "depth limit of 3 reached (--depth)");

    auto whole = trace_chain(redis, id(chain[4]), Direction::ancestors, {5, 10000});
    REQUIRE(whole);
    CHECK(ids_of(*whole) == chain);
    CHECK_FALSE(whole->truncated());

    auto alone = trace_chain(redis, id(chain[0]), Direction::descendants, {1, 10000});
    REQUIRE(alone);
    CHECK(ids_of(*alone) == std::vector<std::string>{chain[0]});
    CHECK(alone->truncated());
}

TEST_CASE("correlation: a 1,000-long chain with max_depth 1000 has no recursion limit") {
    auto f = tracetest::fixture();
    if (!f)
        return;
    std::vector<std::string> chain{f->event()};
    f->summary(chain[0], "root", "2025-10-18T14:03:07+00:00");
    for (int i = 1; i < 1000; ++i) {
        chain.push_back(f->event());
        f->link(chain[i], {chain[i - 1]});
    }
    auto redis = f->connect();
    auto up = trace_chain(redis, id(chain.back()), Direction::ancestors, {1000, 10000});
    REQUIRE(up);
    CHECK(ids_of(*up) == chain);
    CHECK_FALSE(up->truncated());
}

TEST_CASE("correlation: the node limit stops the walk and says so") {
    auto f = tracetest::fixture();
    if (!f)
        return;
    std::string root = f->event();
    write_tree(*f, root, 3, 3);
    auto redis = f->connect();
    auto down = trace_chain(redis, id(root), Direction::descendants, {100, 10});
    REQUIRE(down);
    CHECK(down->size() == 10);
    CHECK(down->truncated());
    CHECK(down->truncated_reason() == "node limit of 10 reached (--max-nodes)");
    CHECK(ids_of(*down).front() == root);
}

TEST_CASE("correlation: an id Redis knows nothing about is not found") {
    auto f = tracetest::fixture();
    if (!f)
        return;
    auto redis = f->connect();
    std::string unknown = f->event();
    std::string where =
        fmt::format("redis://{}:{}/0", f->services().redis_host, f->services().redis_port);
    for (auto direction : {Direction::ancestors, Direction::descendants}) {
        auto chain = trace_chain(redis, id(unknown), direction, {});
        REQUIRE_FALSE(chain);
        CHECK(chain.error().kind == ErrorKind::not_found);
        CHECK(chain.error().message == "event " + unknown + " not found in Redis at " + where);
        auto listing = trace_neighbours(redis, id(unknown), direction, {});
        REQUIRE_FALSE(listing);
        CHECK(listing.error().kind == ErrorKind::not_found);
    }
    auto around = trace_around(redis, id(unknown), {});
    REQUIRE_FALSE(around);
    CHECK(around.error().kind == ErrorKind::not_found);
    auto dump = correlation_dump(redis, id(unknown), {});
    REQUIRE_FALSE(dump);
    CHECK(dump.error().kind == ErrorKind::not_found);
}

TEST_CASE("correlation: any one key makes an event known") {
    auto f = tracetest::fixture();
    if (!f)
        return;
    std::string parent = f->event(), child = f->event(), lone = f->event();
    f->link(child, {parent}); // parent: reverse set only; child: forward record only
    f->summary(lone, "lone.event", "2025-10-18T14:03:07+00:00");
    auto redis = f->connect();
    for (const auto& known : {parent, child, lone}) {
        CAPTURE(known);
        for (auto direction : {Direction::ancestors, Direction::descendants}) {
            auto chain = trace_chain(redis, id(known), direction, {});
            REQUIRE(chain);
            CHECK(chain->node(chain->focus()).known);
        }
        CHECK(trace_around(redis, id(known), {}));
        CHECK(correlation_dump(redis, id(known), {}));
    }
}

TEST_CASE("correlation: parents Redis no longer knows are listed, not dropped") {
    auto f = tracetest::fixture();
    if (!f)
        return;
    std::string gone = f->event(), child = f->event();
    // Only the child's forward record, as after the parent's keys expired.
    std::string record = "{\"parent_event_ids\":[\"" + gone +
                         "\"],\"created_at\":\"2025-10-18T14:03:07\",\"metadata\":{}}";
    f->redis().command({"SETEX", tracetest::Fixture::forward(child), "3600", record});
    f->remember_key(tracetest::Fixture::forward(child));
    auto redis = f->connect();
    auto up = trace_chain(redis, id(child), Direction::ancestors, {});
    REQUIRE(up);
    REQUIRE(ids_of(*up) == std::vector<std::string>{gone, child});
    CHECK_FALSE(up->node(0).known);
    CHECK(up->node(1).known);
    auto parents = trace_neighbours(redis, id(child), Direction::ancestors, {});
    REQUIRE(parents);
    CHECK(ids_of(*parents) == std::vector<std::string>{child, gone});
}

TEST_CASE("correlation: unreadable records and members are warnings, the walk goes on") {
    auto f = tracetest::fixture();
    if (!f)
        return;
    std::string a = f->event(), b = f->event();
    f->redis().command({"SETEX", tracetest::Fixture::forward(a), "3600", "not json"});
    f->remember_key(tracetest::Fixture::forward(a));
    f->redis().command({"SADD", tracetest::Fixture::reverse(a), b, "junk"});
    f->remember_key(tracetest::Fixture::reverse(a));
    auto redis = f->connect();
    auto up = trace_chain(redis, id(a), Direction::ancestors, {});
    REQUIRE(up);
    CHECK(ids_of(*up) == std::vector<std::string>{a});
    REQUIRE(up->warnings().size() == 1);
    CHECK(up->warnings()[0].find(tracetest::Fixture::forward(a) + " cannot be read") == 0);
    auto down = trace_chain(redis, id(a), Direction::descendants, {});
    REQUIRE(down);
    CHECK(ids_of(*down) == std::vector<std::string>{a, b});
    REQUIRE(down->warnings().size() == 1);
    CHECK(down->warnings()[0].find("holds \"junk\", which is not an event id") !=
          std::string::npos);
}

TEST_CASE("correlation: children are listed by their summary time, then by id") {
    auto f = tracetest::fixture();
    if (!f)
        return;
    std::string parent = f->event(), late = f->event(), early = f->event(), untimed = f->event();
    f->link(late, {parent});
    f->link(early, {parent});
    f->link(untimed, {parent});
    f->summary(late, "b.late", "2025-10-18T14:05:00+00:00");
    f->summary(early, "a.early", "2025-10-18T16:04:00+02:00"); // 14:04 UTC
    auto redis = f->connect();
    auto children = trace_neighbours(redis, id(parent), Direction::descendants, {});
    REQUIRE(children);
    CHECK(ids_of(*children) == std::vector<std::string>{parent, early, late, untimed});
    CHECK_FALSE(children->truncated());

    // Without summaries the walk sends one command per event and orders by id.
    TraceOptions ids_only;
    ids_only.summaries = false;
    std::size_t before = redis.round_trips();
    auto by_id = trace_neighbours(redis, id(parent), Direction::descendants, ids_only);
    REQUIRE(by_id);
    std::vector<std::string> sorted{early, late, untimed};
    std::sort(sorted.begin(), sorted.end());
    sorted.insert(sorted.begin(), parent);
    CHECK(ids_of(*by_id) == sorted);
    CHECK(redis.round_trips() - before == 2);
    CHECK_FALSE(by_id->node(1).summary.has_value());
    CHECK(by_id->node(1).known); // named by a live reverse set
}

TEST_CASE("correlation: the dump has the Python tracker's fields and values") {
    auto f = tracetest::fixture();
    if (!f)
        return;
    std::string a = f->event(), b = f->event(), c = f->event(), d = f->event();
    f->link(b, {a}, R"({"reason":"x","n":1})");
    f->link(c, {a});
    f->link(d, {b});
    auto redis = f->connect();

    auto dump_b = correlation_dump(redis, id(b), {});
    REQUIRE(dump_b);
    CHECK(dump_json(*dump_b, false) ==
          "{\"event_id\":\"" + b + "\",\"parents\":[\"" + a + "\"],\"children\":[\"" + d +
              "\"],\"ancestors\":[\"" + a + "\",\"" + b + "\"],\"descendants\":[\"" + b + "\",\"" +
              d + "\"],\"metadata\":{\"reason\":\"x\",\"n\":1}}");

    auto dump_a = correlation_dump(redis, id(a), {});
    REQUIRE(dump_a);
    std::string first = std::min(b, c), second = std::max(b, c);
    CHECK(dump_json(*dump_a, false) ==
          "{\"event_id\":\"" + a + "\",\"parents\":[],\"children\":[\"" + first + "\",\"" + second +
              "\"],\"ancestors\":[\"" + a + "\"],\"descendants\":[\"" + a + "\",\"" +
              (first == b ? b + "\",\"" + d + "\",\"" + c : c + "\",\"" + b + "\",\"" + d) +
              "\"],\"metadata\":null}");
}

TEST_CASE("correlation: link writes the Python layout and keeps the other parents") {
    auto f = tracetest::fixture();
    if (!f)
        return;
    std::string first = f->event(), second = f->event(), child = f->event();
    f->remember_key(tracetest::Fixture::reverse(second));
    f->link(child, {first}, R"({"source":"python"})", "2025-10-18T14:03:07.123456");
    auto redis = f->connect();

    LinkRequest request{id(second), id(child), std::string("manual retry"), 7200,
                        *parse_timestamp("2025-10-19T08:00:00.5+00:00")};
    REQUIRE(link_events(redis, request));
    auto record = f->redis().command({"GET", tracetest::Fixture::forward(child)});
    CHECK(record.str == "{\"parent_event_ids\":[\"" + first + "\",\"" + second +
                            "\"],\"created_at\":\"2025-10-18T14:03:07.123456\",\"metadata\":{"
                            "\"source\":\"python\",\"reason\":\"manual retry\"}}");
    auto ttl = f->redis().command({"TTL", tracetest::Fixture::forward(child)}).integer;
    CHECK(ttl > 7100);
    CHECK(ttl <= 7200);
    CHECK(f->redis().command({"SMEMBERS", tracetest::Fixture::reverse(second)}).elements ==
          std::vector<std::string>{child});
    auto reverse_ttl = f->redis().command({"TTL", tracetest::Fixture::reverse(second)}).integer;
    CHECK(reverse_ttl > 7100);
    CHECK(reverse_ttl <= 7200);

    // Linking again adds no duplicate parent.
    request.reason.reset();
    REQUIRE(link_events(redis, request));
    CHECK(f->redis().command({"GET", tracetest::Fixture::forward(child)}).str == record.str);
}

TEST_CASE("correlation: link on a fresh child writes a new record") {
    auto f = tracetest::fixture();
    if (!f)
        return;
    std::string parent = f->event(), child = f->event();
    f->remember_key(tracetest::Fixture::forward(child));
    f->remember_key(tracetest::Fixture::reverse(parent));
    auto redis = f->connect();
    LinkRequest request{id(parent), id(child), std::nullopt, 3600,
                        *parse_timestamp("2025-10-19T08:00:00.5+02:00")};
    REQUIRE(link_events(redis, request));
    CHECK(f->redis().command({"GET", tracetest::Fixture::forward(child)}).str ==
          "{\"parent_event_ids\":[\"" + parent +
              "\"],\"created_at\":\"2025-10-19T06:00:00.500000\",\"metadata\":{}}");
}

TEST_CASE("correlation: link refuses a self-link and an unreadable record, writing nothing") {
    auto f = tracetest::fixture();
    if (!f)
        return;
    std::string parent = f->event(), child = f->event();
    f->redis().command({"SETEX", tracetest::Fixture::forward(child), "3600", "{broken"});
    f->remember_key(tracetest::Fixture::forward(child));
    f->remember_key(tracetest::Fixture::reverse(parent));
    auto redis = f->connect();

    auto self = link_events(redis, {id(child), id(child), std::nullopt, 3600, Timestamp::now()});
    REQUIRE_FALSE(self);
    CHECK(self.error().kind == ErrorKind::usage);
    CHECK(self.error().message == "cannot link event " + child + " to itself");

    auto broken = link_events(redis, {id(parent), id(child), std::nullopt, 3600, Timestamp::now()});
    REQUIRE_FALSE(broken);
    CHECK(broken.error().kind == ErrorKind::data);
    CHECK(broken.error().message.find(tracetest::Fixture::forward(child) +
                                      " holds a record that cannot be read") == 0);
    CHECK(f->redis().command({"GET", tracetest::Fixture::forward(child)}).str == "{broken");
    CHECK(f->redis().command({"EXISTS", tracetest::Fixture::reverse(parent)}).integer == 0);
}
