// Redis Cluster: the three masters of scripts/services.sh, named by their
// seed nodes. bb-publish's tracking writes reach the masters that serve the
// keys' slots (checked node by node, as redis-cli sees them), bb-trace's
// queries, formats and serve answer as from one Redis, redis-py's cluster
// client (Debian's python3-redis) reads what bb-publish wrote, and a walk
// and a tracked publish follow a slot moved to another master (MOVED) or
// halfway through its migration (ASK).
#include "support/lines.hpp"
#include "support/ports.hpp"
#include "support/redis.hpp"
#include "support/redis_cluster.hpp"
#include "support/skip.hpp"
#include "test_bb_publish_support.hpp"
#include "test_bb_trace_serve_support.hpp"
#include "test_redis_descends_from.hpp"

#include "bloodbank/correlation.hpp"
#include "bloodbank/correlation_keys.hpp"
#include "bloodbank/redis.hpp"
#include "bloodbank/uuid.hpp"

#include <doctest/doctest.h>
#include <rapidjson/document.h>

#include <algorithm>
#include <fcntl.h>
#include <functional>
#include <future>
#include <set>
#include <unistd.h>

using namespace bbtest;
using namespace bbtest::publish;

namespace {

bool contains(const std::string& text, std::string_view part) {
    return text.find(part) != std::string::npos;
}

RunOptions through_cluster(RunOptions o, const std::string& url) {
    o.env["REDIS_URL"] = url;
    o.unset_env.push_back("REDIS_SENTINELS");
    o.unset_env.push_back("REDIS_CLUSTER");
    return o;
}

std::string forward(const std::string& id) {
    return "bloodbank:correlation:forward:" + id;
}
std::string reverse(const std::string& id) {
    return "bloodbank:correlation:reverse:" + id;
}
std::string event(const std::string& id) {
    return "bloodbank:event:" + id;
}

// root -> child -> grandchild, and root -> sibling: published and tracked
// through the cluster.
struct Chain {
    EnvelopeSpec root, child, grandchild, sibling;
    Chain() {
        child.parents = {root.event_id};
        grandchild.parents = {child.event_id};
        sibling.parents = {root.event_id};
        child.timestamp = "2025-10-18T14:03:08.000000+00:00";
        sibling.timestamp = "2025-10-18T14:03:09.000000+00:00";
        grandchild.timestamp = "2025-10-18T14:03:10.000000+00:00";
    }
    std::vector<std::string> everyone() const {
        std::vector<std::string> ids{root.event_id, child.event_id, grandchild.event_id,
                                     sibling.event_id};
        std::sort(ids.begin(), ids.end());
        return ids;
    }
    std::string input() const {
        return canonical(root) + "\n" + canonical(child) + "\n" + canonical(grandchild) + "\n" +
               canonical(sibling) + "\n";
    }
};

void publish_tracked(const RedisClusterServices& c, const Bus& bus, const std::string& input) {
    auto r = Bus::run_publish({"--require-tracking"}, through_cluster(bus.options(input), c.url));
    REQUIRE_MESSAGE(r.status == 0, r.err);
    CHECK_FALSE(contains(r.err, "not written"));
}

RunResult trace(const RedisClusterServices& c, const Bus& bus,
                const std::vector<std::string>& args) {
    std::vector<std::string> argv{binary("bb-trace")};
    argv.insert(argv.end(), args.begin(), args.end());
    return run(argv, through_cluster(bus.options(""), c.url));
}

bb::RedisConnection connect(const std::string& url) {
    auto target = bb::parse_redis_url(url);
    REQUIRE(target);
    auto connection = bb::RedisConnection::connect(*target, std::chrono::seconds(5));
    REQUIRE_MESSAGE(connection, connection.error().message);
    return std::move(*connection);
}

std::vector<std::string> ids_of(const bb::TraceGraph& graph) {
    std::vector<std::string> ids;
    for (std::size_t i = 0; i < graph.size(); ++i)
        ids.push_back(graph.node(i).id.str());
    std::sort(ids.begin(), ids.end());
    return ids;
}

std::vector<std::string> sorted(std::vector<std::string> ids) {
    std::sort(ids.begin(), ids.end());
    return ids;
}

bb::TraceGraph descendants(bb::RedisConnection& redis, const std::string& id) {
    auto uuid = bb::parse_uuid(id);
    REQUIRE(uuid);
    auto graph = bb::trace_chain(redis, *uuid, bb::Direction::descendants, {});
    REQUIRE_MESSAGE(graph, graph.error().message);
    return std::move(*graph);
}

// A bus, and a chain published through the cluster on it.
struct PublishedChain {
    Bus bus;
    Chain s;
    explicit PublishedChain(const RedisClusterServices& c) : bus(c.plain) {
        publish_tracked(c, bus, s.input());
    }
};

// A chain published through the cluster, a connection that has walked it
// (its slot map read, its masters connected), and the slot of the child's
// reverse set with its master and another one to move it to.
struct MigrationScene {
    RedisClusterServices cluster;
    ClusterNodes nodes;
    PublishedChain published;
    const Chain& chain = published.s;
    bb::RedisConnection redis;
    std::vector<std::string> everyone;
    std::string key;
    int slot, from, to;

    explicit MigrationScene(const RedisClusterServices& c)
        : cluster(c), nodes(c.ports), published(c), redis(connect(c.url)),
          everyone(chain.everyone()), key(reverse(chain.child.event_id)), slot(nodes.slot_of(key)),
          from(nodes.owner_of(slot)), to(nodes.other_than(from)) {
        REQUIRE(ids_of(descendants(redis, chain.root.event_id)) == everyone);
    }
    std::vector<std::string> walked() { return ids_of(descendants(redis, chain.root.event_id)); }
};

void write_text(int fd, const std::string& text) {
    std::size_t done = 0;
    while (done < text.size()) {
        ssize_t n = write(fd, text.data() + done, text.size() - done);
        REQUIRE(n > 0);
        done += static_cast<std::size_t>(n);
    }
}

// How many times a node has answered with an error of this kind (MOVED,
// ASK), by its INFO errorstats.
long long errors_said(ClusterNodes& nodes, int port, const std::string& kind) {
    std::string info = nodes.on(port, {"INFO", "errorstats"}).str;
    std::string marker = "errorstat_" + kind + ":count=";
    std::size_t at = info.find(marker);
    return at == std::string::npos ? 0 : std::stoll(info.substr(at + marker.size()));
}

// What a test does to the slot of a set while bb-publish writes to it:
// given the slot, its master and another one; what it returns runs once
// bb-publish has ended.
using SlotChange = std::function<std::function<void()>(ClusterNodes&, int, int, int)>;

// bb-publish --require-tracking through the cluster, reading from a pipe: a
// root and the first half of its 100 children, their records written; then
// `change` is made to the slot of the root's reverse set (every child's
// link goes there) while bb-publish, idle, still holds the last batch's
// writes to that set; then the other half. Every link must be written, on
// the master that serves the slot at the end, and the old master must have
// sent bb-publish on with `redirect` (MOVED or ASK).
void publish_across(const RedisClusterServices& c, const std::string& redirect,
                    const SlotChange& change) {
    ClusterNodes nodes(c.ports);
    Bus bus(c.plain);
    EnvelopeSpec root;
    std::vector<EnvelopeSpec> children(100);
    for (auto& child : children)
        child.parents = {root.event_id};
    std::string set = reverse(root.event_id);
    int slot = nodes.slot_of(set), from = nodes.owner_of(slot), to = nodes.other_than(from);

    int fds[2];
    REQUIRE(pipe2(fds, O_CLOEXEC) == 0);
    RunOptions o = through_cluster(bus.options(""), c.url);
    o.stdin_fd = fds[0];
    auto published =
        std::async(std::launch::async, [&] { return Bus::run_publish({"--require-tracking"}, o); });
    std::string first = canonical(root) + "\n";
    for (std::size_t i = 0; i < 50; ++i)
        first += canonical(children[i]) + "\n";
    write_text(fds[1], first);
    bool half = wait_until([&] { return nodes.holder_of(forward(children[49].event_id)) != 0; },
                           std::chrono::seconds(30));
    std::function<void()> after;
    long long redirected = errors_said(nodes, from, redirect);
    if (half)
        after = change(nodes, slot, from, to);
    std::string rest;
    for (std::size_t i = 50; i < children.size(); ++i)
        rest += canonical(children[i]) + "\n";
    write_text(fds[1], rest);
    close(fds[1]);
    RunResult r = published.get();
    // The old master sent bb-publish on (a test running beside this one
    // may add to its count, never take from it).
    CHECK(errors_said(nodes, from, redirect) > redirected);
    if (after)
        after();
    REQUIRE(half);
    INFO(r.err);
    REQUIRE(r.status == 0);
    CHECK_FALSE(contains(r.err, "not written"));

    CHECK(nodes.owner_of(slot) == to);
    CHECK(nodes.holder_of(set) == to);
    std::vector<std::string> expected;
    for (const auto& child : children)
        expected.push_back(child.event_id);
    CHECK(sorted(nodes.on(to, {"SMEMBERS", set}).elements) == sorted(expected));
    for (const auto& child : children)
        CHECK(nodes.holder_of(forward(child.event_id)) != 0);
}

} // namespace

TEST_CASE("redis cluster: bb-publish tracks a chain and bb-trace reads it back through the "
          "cluster") {
    auto c = redis_cluster_services();
    if (!c)
        return;
    PublishedChain published(*c);
    const Bus& bus = published.bus;
    const Chain& s = published.s;
    const std::string &R = s.root.event_id, &C = s.child.event_id, &G = s.grandchild.event_id,
                      &S = s.sibling.event_id;

    auto ancestors = trace(*c, bus, {"ancestors", G});
    REQUIRE_MESSAGE(ancestors.status == 0, ancestors.err);
    CHECK(split_lines(ancestors.out) == std::vector<std::string>{R, C, G});

    auto down = trace(*c, bus, {"descendants", R, "--format", "ids"});
    REQUIRE_MESSAGE(down.status == 0, down.err);
    CHECK(sorted(split_lines(down.out)) == s.everyone());

    auto json = trace(*c, bus, {R, "--format", "json"});
    REQUIRE_MESSAGE(json.status == 0, json.err);
    rapidjson::Document doc;
    doc.Parse(json.out.c_str());
    REQUIRE(doc.IsObject());
    REQUIRE(doc["nodes"].Size() == 4);
    std::vector<std::string> nodes;
    for (const auto& node : doc["nodes"].GetArray())
        nodes.push_back(node["id"].GetString());
    CHECK(sorted(nodes) == s.everyone());
    // The summaries came from the events' hashes, on their own masters.
    for (const auto& node : doc["nodes"].GetArray())
        CHECK(std::string(node["event_type"].GetString()) == "test.event");

    auto tree = trace(*c, bus, {R});
    REQUIRE_MESSAGE(tree.status == 0, tree.err);
    for (const std::string& id : {R, C, G, S})
        CHECK(contains(tree.out, id.substr(0, 8)));
}

TEST_CASE("redis cluster: every bb-trace query and format and serve answer through the cluster "
          "exactly as from one Redis") {
    auto c = redis_cluster_services();
    if (!c)
        return;
    PublishedChain published(*c);
    const Bus& bus = published.bus;
    const Chain& s = published.s;
    // The same events tracked into the plain Redis, to compare with.
    RunOptions plain = bus.options(s.input());
    plain.env["REDIS_HOST"] = c->plain.redis_host;
    plain.env["REDIS_PORT"] = std::to_string(c->plain.redis_port);
    auto tracked = Bus::run_publish({"--require-tracking"}, plain);
    REQUIRE_MESSAGE(tracked.status == 0, tracked.err);
    plain.input.clear();
    RunOptions cluster = through_cluster(bus.options(""), c->url);

    const std::string &R = s.root.event_id, &C = s.child.event_id, &G = s.grandchild.event_id;
    const std::vector<std::vector<std::string>> queries = {
        {"parents", G},
        {"children", R},
        {"ancestors", G},
        {"descendants", R},
        {"descendants", R, "--format", "ids"},
        {"descendants", R, "--format", "json"},
        {"descendants", R, "--format", "tree"},
        {"descendants", R, "--format", "dot"},
        {"descendants", R, "--format", "mermaid"},
        {C},
        {C, "--format", "tree"},
        {C, "--format", "json"},
    };
    for (const auto& query : queries) {
        CAPTURE(query);
        std::vector<std::string> argv{binary("bb-trace")};
        argv.insert(argv.end(), query.begin(), query.end());
        auto through = run(argv, cluster);
        INFO(through.err);
        REQUIRE(through.status == 0);
        auto reference = run(argv, plain);
        REQUIRE(reference.status == 0);
        CHECK(through.out == reference.out);
        CHECK_FALSE(through.out.empty());
    }

    servetest::Server on_cluster = servetest::start_serve(cluster);
    servetest::Server on_one = servetest::start_serve(plain);
    for (const std::string& path :
         {"/debug/correlation/" + R + "/chain?direction=descendants",
          "/debug/correlation/" + G + "/chain", "/debug/correlation/" + C}) {
        CAPTURE(path);
        std::string body = servetest::get_body(on_cluster.port, path, 200);
        CHECK(body == servetest::get_body(on_one.port, path, 200));
        CHECK(contains(body, C));
    }
    CHECK(contains(on_cluster.process->err(), "127.0.0.1:" + std::to_string(c->ports.front())));
    CHECK(on_cluster.process->stop(SIGTERM) == 0);
    CHECK(on_one.process->stop(SIGTERM) == 0);
}

TEST_CASE("redis cluster: each key lands on the master that serves its slot, spread over the "
          "masters") {
    auto c = redis_cluster_services();
    if (!c)
        return;
    ClusterNodes nodes(c->ports);
    Bus bus(c->plain);
    // A root and twenty children: 62 keys, on every master.
    EnvelopeSpec root;
    std::vector<EnvelopeSpec> children(20);
    std::string input = canonical(root) + "\n";
    for (EnvelopeSpec& child : children) {
        child.parents = {root.event_id};
        input += canonical(child) + "\n";
    }
    publish_tracked(*c, bus, input);

    std::vector<std::string> keys{event(root.event_id), reverse(root.event_id)};
    for (const EnvelopeSpec& child : children) {
        keys.push_back(event(child.event_id));
        keys.push_back(forward(child.event_id));
    }
    std::set<int> holders;
    for (const std::string& key : keys) {
        CAPTURE(key);
        int holder = nodes.holder_of(key);
        CHECK(holder != 0);
        CHECK(holder == nodes.owner_of(nodes.slot_of(key)));
        holders.insert(holder);
    }
    CHECK(holders.size() == c->ports.size());
    auto members =
        nodes.on(nodes.holder_of(reverse(root.event_id)), {"SMEMBERS", reverse(root.event_id)});
    CHECK(members.elements.size() == children.size());
}

TEST_CASE("redis cluster: redis-py's cluster client reads the links bb-publish wrote") {
    auto c = redis_cluster_services();
    if (!c)
        return;
    if (run({"/usr/bin/python3", "-c", "import redis.cluster"}).status != 0) {
        skip_test("python3-redis is not installed (scripts/setup.sh installs it)");
        return;
    }
    PublishedChain published(*c);
    const Chain& s = published.s;
    std::string script =
        "import sys\n"
        "from redis.cluster import RedisCluster\n"
        "rc = RedisCluster(host='127.0.0.1', port=int(sys.argv[1]), socket_timeout=5)\n"
        "print(' '.join(sorted(m.decode() for m in rc.smembers("
        "'bloodbank:correlation:reverse:' + sys.argv[2]))))\n"
        "print(rc.get('bloodbank:correlation:forward:' + sys.argv[3]).decode())\n"
        "print(rc.hget('bloodbank:event:' + sys.argv[3], 'event_type').decode())\n";
    auto py = run({"/usr/bin/python3", "-c", script, std::to_string(c->ports[1]), s.root.event_id,
                   s.child.event_id});
    REQUIRE_MESSAGE(py.status == 0, py.err);
    auto lines = split_lines(py.out);
    REQUIRE(lines.size() == 3);
    CHECK(lines[0] == (s.child.event_id < s.sibling.event_id
                           ? s.child.event_id + " " + s.sibling.event_id
                           : s.sibling.event_id + " " + s.child.event_id));
    CHECK(contains(lines[1], "\"parent_event_ids\":[\"" + s.root.event_id + "\"]"));
    CHECK(lines[2] == "test.event");
}

TEST_CASE("redis cluster: a walk follows a slot moved to another master after it connected "
          "(MOVED)") {
    auto c = redis_cluster_services();
    if (!c)
        return;
    MigrationScene m(*c);
    // The connection's slot map still names the old master, which answers
    // MOVED.
    m.nodes.move_slot(m.slot, m.from, m.to);
    REQUIRE(m.nodes.owner_of(m.slot) == m.to);
    REQUIRE(m.nodes.holder_of(m.key) == m.to);
    REQUIRE(contains(m.nodes.on(m.from, {"EXISTS", m.key}).str, "MOVED"));

    CHECK(m.walked() == m.everyone);
    auto ancestors = bb::trace_chain(m.redis, *bb::parse_uuid(m.chain.grandchild.event_id),
                                     bb::Direction::ancestors, {});
    REQUIRE(ancestors);
    CHECK(ids_of(*ancestors) ==
          sorted({m.chain.root.event_id, m.chain.child.event_id, m.chain.grandchild.event_id}));
}

TEST_CASE("redis cluster: a walk during a slot's migration finds the keys already moved (ASK)") {
    auto c = redis_cluster_services();
    if (!c)
        return;
    MigrationScene m(*c);
    // The child's reverse set goes to the importing master, the slot still
    // the old one's: the old master answers ASK for it.
    m.nodes.begin_migration(m.slot, m.from, m.to);
    m.nodes.migrate(m.from, m.to, {m.key});
    CHECK(contains(m.nodes.on(m.from, {"SMEMBERS", m.key}).str, "ASK"));

    CHECK(m.walked() == m.everyone);
    m.nodes.finish_migration(m.slot, m.from, m.to);
    CHECK(m.walked() == m.everyone);
}

TEST_CASE("redis cluster: one node named alone is found to be a cluster, --redis-cluster names "
          "one, and --show-config says which") {
    auto c = redis_cluster_services();
    if (!c)
        return;
    PublishedChain published(*c);
    const Bus& bus = published.bus;
    const Chain& s = published.s;
    auto all = s.everyone();
    std::string seed = "redis://127.0.0.1:" + std::to_string(c->ports[2]) + "/0";
    auto detected = run({binary("bb-trace"), "descendants", s.root.event_id, "--format", "ids"},
                        through_cluster(bus.options(""), seed));
    REQUIRE_MESSAGE(detected.status == 0, detected.err);
    CHECK(sorted(split_lines(detected.out)) == all);

    RunOptions flagged = bus.options("");
    flagged.env["REDIS_HOST"] = "127.0.0.1";
    flagged.env["REDIS_PORT"] = std::to_string(c->ports[0]);
    auto named = run(
        {binary("bb-trace"), "descendants", s.root.event_id, "--format", "ids", "--redis-cluster"},
        flagged);
    REQUIRE_MESSAGE(named.status == 0, named.err);
    CHECK(sorted(split_lines(named.out)) == all);

    auto shown =
        run({binary("bb-trace"), "--show-config"}, through_cluster(bus.options(""), c->url));
    CHECK(shown.status == 0);
    CHECK(contains(shown.out, "# Redis: Redis Cluster (seed nodes, database 0), all from "
                              "REDIS_URL (environment)"));
    auto shown_flag = run({binary("bb-trace"), "--show-config", "--redis-cluster"}, flagged);
    CHECK(contains(shown_flag.out, "cluster from REDIS_CLUSTER (flag)"));
}

TEST_CASE("redis cluster: another database, a bad seed list and a plain Redis named as a "
          "cluster are clear errors") {
    auto c = redis_cluster_services();
    if (!c)
        return;
    Bus bus(c->plain);
    std::string id = random_uuid();
    std::string hosts = c->url.substr(0, c->url.rfind('/'));
    auto db = trace(*c, bus, {"ancestors", id, "--redis-url", hosts + "/2"});
    CHECK(db.status == 64);
    CHECK(contains(db.err, "a Redis Cluster has only database 0, not 2"));

    auto bad = trace(*c, bus, {"ancestors", id, "--redis-url", hosts + ",127.0.0.1:x/0"});
    CHECK(bad.status == 64);
    CHECK(contains(bad.err, "the port of node \"127.0.0.1:x\""));

    RunOptions plain = bus.options("");
    plain.env["REDIS_HOST"] = c->plain.redis_host;
    plain.env["REDIS_PORT"] = std::to_string(c->plain.redis_port);
    auto not_cluster = run({binary("bb-trace"), "ancestors", id, "--redis-cluster"}, plain);
    CHECK(not_cluster.status == 69);
    CHECK(contains(not_cluster.err, "is not a Redis Cluster node"));

    RefusedPort one, two;
    auto down = trace(*c, bus,
                      {"ancestors", id, "--redis-url",
                       "redis://127.0.0.1:" + std::to_string(one.port()) +
                           ",127.0.0.1:" + std::to_string(two.port()) + "/0"});
    CHECK(down.status == 69);
    CHECK(contains(down.err, "no node gave the slot map"));
}

TEST_CASE("redis cluster: bb-consume --descends-from reads the known descendants through the "
          "cluster") {
    auto c = redis_cluster_services();
    if (!c)
        return;
    check_descends_from(c->plain, [&](RunOptions o) { return through_cluster(o, c->url); });
}

TEST_CASE("redis cluster: bb-trace link merges a parent into a record on one master and adds the "
          "child to the parent's set on another") {
    auto c = redis_cluster_services();
    if (!c)
        return;
    PublishedChain published(*c);
    const Chain& s = published.s;
    ClusterNodes nodes(c->ports);
    // A parent whose reverse set lies on another master than the child's
    // record: no transaction spans the two.
    std::string child = s.grandchild.event_id, parent;
    do
        parent = bb::uuid_v4().str();
    while (nodes.owner_of(nodes.slot_of(reverse(parent))) ==
           nodes.owner_of(nodes.slot_of(forward(child))));

    auto linked = trace(*c, published.bus, {"link", parent, child, "--reason", "by hand"});
    REQUIRE_MESSAGE(linked.status == 0, linked.err);

    int holder = nodes.holder_of(forward(child));
    REQUIRE(holder != 0);
    std::string record = nodes.on(holder, {"GET", forward(child)}).str;
    CHECK(contains(record, s.child.event_id)); // the parent bb-publish wrote is kept
    CHECK(contains(record, parent));
    CHECK(contains(record, "by hand"));
    int set_holder = nodes.holder_of(reverse(parent));
    REQUIRE(set_holder != 0);
    CHECK(set_holder != holder);
    CHECK(nodes.on(set_holder, {"SMEMBERS", reverse(parent)}).elements ==
          std::vector<std::string>{child});

    auto up = trace(*c, published.bus, {"parents", child, "--format", "ids"});
    REQUIRE_MESSAGE(up.status == 0, up.err);
    CHECK(sorted(split_lines(up.out)) == sorted({s.child.event_id, parent}));
}

TEST_CASE("redis cluster: a transaction over keys of two slots is refused whole and nothing of it "
          "is written") {
    auto c = redis_cluster_services();
    if (!c)
        return;
    ClusterNodes nodes(c->ports);
    std::string tag = bb::uuid_v4().str();
    std::string before = "bloodbank:test:{" + tag + "a}:before";
    std::string one = "bloodbank:test:{" + tag + "a}:one";
    std::string other = "bloodbank:test:{" + tag + "b}:other";
    REQUIRE(nodes.slot_of(one) != nodes.slot_of(other));

    bb::RedisConnection redis = connect(c->url);
    redis.append({"SET", before, "1"}); // queued ahead, and dropped with the rest
    redis.append({"MULTI"});
    redis.append({"SET", one, "1"});
    redis.append({"SET", other, "1"});
    redis.append({"EXEC"});
    auto refused = redis.flush();
    REQUIRE_FALSE(refused);
    CHECK(refused.error().kind == bb::ErrorKind::internal);
    CHECK(contains(refused.error().message, "CROSSSLOT"));
    CHECK(contains(refused.error().message, std::to_string(nodes.slot_of(one))));
    CHECK(contains(refused.error().message, std::to_string(nodes.slot_of(other))));
    for (const std::string& key : {before, one, other})
        CHECK(nodes.holder_of(key) == 0);

    // The connection goes on, and a transaction within one slot runs whole.
    std::string two = "bloodbank:test:{" + tag + "a}:two";
    redis.append({"MULTI"});
    redis.append({"SET", one, "1"});
    redis.append({"SET", two, "2"});
    redis.append({"EXEC"});
    auto ran = redis.flush();
    REQUIRE_MESSAGE(ran, ran.error().message);
    REQUIRE(ran->size() == 4);
    CHECK((*ran)[3]->type == REDIS_REPLY_ARRAY);
    CHECK(nodes.holder_of(one) != 0);
    CHECK(nodes.holder_of(one) == nodes.holder_of(two));
    for (const std::string& key : {one, two})
        nodes.on(nodes.holder_of(key), {"DEL", key});
}

TEST_CASE("redis cluster: a slot moved to another master during a tracked publish: bb-publish "
          "follows MOVED and writes every link") {
    auto c = redis_cluster_services();
    if (!c)
        return;
    publish_across(*c, "MOVED", [](ClusterNodes& nodes, int slot, int from, int to) {
        nodes.move_slot(slot, from, to);
        return std::function<void()>();
    });
}

TEST_CASE("redis cluster: a slot halfway through its migration during a tracked publish: "
          "bb-publish follows ASK and writes every link") {
    auto c = redis_cluster_services();
    if (!c)
        return;
    publish_across(*c, "ASK", [](ClusterNodes& nodes, int slot, int from, int to) {
        // The slot's keys moved, the slot still the old master's: it answers
        // ASK for them until the migration ends, after the stream.
        // (A key not written yet is asked of the new master too.)
        nodes.begin_migration(slot, from, to);
        auto keys = nodes.on(from, {"CLUSTER", "GETKEYSINSLOT", std::to_string(slot), "1000"});
        if (!keys.elements.empty())
            nodes.migrate(from, to, keys.elements);
        CHECK(nodes.owner_of(slot) == from);
        return std::function<void()>(
            [&nodes, slot, from, to] { nodes.finish_migration(slot, from, to); });
    });
}

TEST_CASE("redis cluster: serve's search finds events on every master") {
    auto c = redis_cluster_services();
    if (!c)
        return;
    ClusterNodes nodes(c->ports);
    // One event whose summary hash lies on each master, of a type of this
    // test's own.
    std::string type = "cluster.search." + bb::uuid_v4().str().substr(0, 8);
    std::vector<EnvelopeSpec> events;
    std::set<int> covered;
    while (covered.size() < c->ports.size()) {
        EnvelopeSpec e;
        e.event_type = type;
        if (covered.insert(nodes.owner_of(nodes.slot_of(event(e.event_id)))).second)
            events.push_back(e);
    }
    Bus bus(c->plain);
    std::string input;
    for (const auto& e : events)
        input += canonical(e) + "\n";
    publish_tracked(*c, bus, input);

    servetest::Server server = servetest::start_serve(through_cluster(bus.options(""), c->url));
    std::string body = servetest::get_body(server.port, "/ui/api/search?q=" + type, 200);
    rapidjson::Document doc;
    doc.Parse(body.c_str());
    REQUIRE(doc.IsObject());
    CHECK(doc["complete"].GetBool());
    std::vector<std::string> found, expected;
    for (const auto& e : doc["events"].GetArray())
        found.push_back(e["id"].GetString());
    for (const auto& e : events)
        expected.push_back(e.event_id);
    CHECK(sorted(found) == sorted(expected));
    // An id prefix, on whichever master its event is.
    for (const auto& e : events) {
        std::string by_prefix =
            servetest::get_body(server.port, "/ui/api/search?q=" + e.event_id.substr(0, 18), 200);
        CHECK(contains(by_prefix, e.event_id));
    }
    CHECK(server.process->stop(SIGTERM) == 0);
}

TEST_CASE("redis cluster: a command for one master is refused while commands are queued for the "
          "cluster, and answered by each master once they are flushed") {
    auto c = redis_cluster_services();
    if (!c)
        return;
    bb::RedisConnection redis = connect(c->url);
    REQUIRE(redis.masters() == c->ports.size());
    redis.append({"PING"});
    auto refused = redis.command_on_master(0, {"DBSIZE"});
    REQUIRE_FALSE(refused);
    CHECK(refused.error().kind == bb::ErrorKind::internal);
    REQUIRE(redis.flush());
    for (std::size_t master = 0; master < redis.masters(); ++master) {
        auto size = redis.command_on_master(master, {"DBSIZE"});
        REQUIRE_MESSAGE(size, size.error().message);
        CHECK((*size)->type == REDIS_REPLY_INTEGER);
    }
    CHECK_FALSE(redis.command_on_master(redis.masters(), {"DBSIZE"}));
}
