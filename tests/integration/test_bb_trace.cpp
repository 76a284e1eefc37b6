// bb-trace as a user runs it, against the real test Redis.
#include "support/lines.hpp"
#include "support/ports.hpp"
#include "test_bb_trace_fixtures.hpp"

#include <doctest/doctest.h>
#include <fmt/format.h>
#include <rapidjson/document.h>

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <set>

namespace {

std::string short8(const std::string& id) {
    return id.substr(0, 8);
}

std::vector<std::string> strings(const rapidjson::Value& array) {
    std::vector<std::string> out;
    for (const auto& v : array.GetArray())
        out.emplace_back(v.GetString());
    return out;
}

// upload U -> ready R -> {summary S, tasks T}; R also names a parent X whose
// keys are gone (its reverse set expired).
struct Story {
    std::string U, R, S, T, X;
};

Story write_story(tracetest::Fixture& f) {
    Story s{f.event(), f.event(), f.event(), f.event(), f.event()};
    f.summary(s.U, "fireflies.transcript.upload", "2025-10-18T14:03:07.123456+00:00", "demo");
    f.summary(s.R, "fireflies.transcript.ready", "2025-10-18T16:05:12+02:00", "fireflies");
    f.summary(s.S, "llm.summary.requested", "2025-10-18T14:05:13+00:00", "worker");
    f.summary(s.T, "tasks.extracted", "2025-10-18T14:05:20+00:00", "worker");
    f.link(s.R, {s.U, s.X});
    f.redis().command({"DEL", tracetest::Fixture::reverse(s.X)});
    f.link(s.S, {s.R});
    f.link(s.T, {s.R});
    return s;
}

std::string not_found_message(const tracetest::Fixture& f, const std::string& id) {
    return fmt::format("bb-trace: event {} not found in Redis at redis://{}:{}/0\n", id,
                       f.services().redis_host, f.services().redis_port);
}

} // namespace

TEST_CASE("bb-trace: the whole picture is a tree from the roots, the event marked") {
    auto f = tracetest::fixture();
    if (!f)
        return;
    Story s = write_story(*f);
    auto r = f->trace({s.R});
    REQUIRE_MESSAGE(r.status == 0, r.err);
    CHECK(r.err.empty());
    // Columns: label padded to the widest (29: "└─ " + 26), time 19, source 13.
    auto row = [](const std::string& label, std::size_t width, const std::string& time,
                  const std::string& source, const std::string& id) {
        return label + std::string(29 - width, ' ') + "  " +
               (time.empty() ? std::string(19, ' ') : time) + "  " + source +
               std::string(13 - source.size(), ' ') + "  " + id;
    };
    std::string expected =
        row("fireflies.transcript.upload", 27, "2025-10-18 14:03:07", "app=demo", short8(s.U)) +
        "\n" +
        row("└─ fireflies.transcript.ready", 29, "2025-10-18 14:05:12", "app=fireflies",
            short8(s.R)) +
        "  ◀\n" +
        row("   ├─ llm.summary.requested", 27, "2025-10-18 14:05:13", "app=worker", short8(s.S)) +
        "\n" + row("   └─ tasks.extracted", 21, "2025-10-18 14:05:20", "app=worker", short8(s.T)) +
        "\n" + row("? unknown to Redis", 18, "", "", short8(s.X)) + "\n" +
        row("└─ fireflies.transcript.ready", 29, "", "", short8(s.R)) + "  (see above)  ◀\n";
    CHECK(r.out == expected);
}

TEST_CASE("bb-trace: the listings print one id per line") {
    auto f = tracetest::fixture();
    if (!f)
        return;
    Story s = write_story(*f);
    auto check = [&](std::vector<std::string> args, std::vector<std::string> expected) {
        CAPTURE(args[0]);
        auto r = f->trace(args);
        REQUIRE_MESSAGE(r.status == 0, r.err);
        CHECK(bbtest::split_lines(r.out) == expected);
        CHECK(r.err.empty());
    };
    // Id listings fetch no summaries, so siblings come in id order.
    const std::string first = std::min(s.S, s.T), second = std::max(s.S, s.T);
    check({"parents", s.R}, {s.U, s.X}); // forward-record order
    check({"children", s.R}, {first, second});
    check({"ancestors", s.S}, {s.U, s.X, s.R, s.S});
    check({"descendants", s.U}, {s.U, s.R, first, second});
    check({"descendants", s.R, "--format", "ids"}, {s.R, first, second});
    // The whole picture in tree order: roots U and X by id, each drawn down.
    if (s.U < s.X)
        check({s.R, "--format", "ids"}, {s.U, s.R, first, second, s.X});
    else
        check({s.R, "--format", "ids"}, {s.X, s.R, first, second, s.U});
    check({"children", s.T}, {});
}

TEST_CASE("bb-trace: formats with summaries order siblings by time") {
    auto f = tracetest::fixture();
    if (!f)
        return;
    Story s = write_story(*f);
    for (const char* view : {"children", "descendants"}) {
        CAPTURE(view);
        auto r = f->trace({view, s.R, "--format", "json"});
        REQUIRE_MESSAGE(r.status == 0, r.err);
        rapidjson::Document doc;
        doc.Parse(r.out.c_str());
        REQUIRE(doc["nodes"].Size() == 3);
        CHECK(std::string(doc["nodes"][1]["id"].GetString()) == s.S); // 14:05:13
        CHECK(std::string(doc["nodes"][2]["id"].GetString()) == s.T); // 14:05:20
    }
}

TEST_CASE("bb-trace: json, dot and mermaid describe the same graph") {
    auto f = tracetest::fixture();
    if (!f)
        return;
    Story s = write_story(*f);
    auto r = f->trace({s.R, "--format", "json"});
    REQUIRE_MESSAGE(r.status == 0, r.err);
    rapidjson::Document doc;
    doc.Parse(r.out.c_str());
    REQUIRE(doc.IsObject());
    CHECK(std::string(doc["root"].GetString()) == s.R);
    CHECK(std::string(doc["view"].GetString()) == "around");
    CHECK(doc["truncated"].GetBool() == false);
    CHECK(doc["truncated_reason"].IsNull());
    REQUIRE(doc["nodes"].Size() == 5);
    const auto& x = doc["nodes"][4];
    CHECK(std::string(x["id"].GetString()) == s.X);
    CHECK(x["known"].GetBool() == false);
    CHECK(x["event_type"].IsNull());
    const auto& ready = doc["nodes"][1];
    CHECK(std::string(ready["event_type"].GetString()) == "fireflies.transcript.ready");
    CHECK(std::string(ready["timestamp"].GetString()) == "2025-10-18T16:05:12+02:00");
    CHECK(std::string(ready["source_app"].GetString()) == "fireflies");
    CHECK(ready["level"].GetInt() == 0);
    std::set<std::pair<std::string, std::string>> edges;
    for (const auto& e : doc["edges"].GetArray())
        edges.emplace(e["parent"].GetString(), e["child"].GetString());
    CHECK(edges == std::set<std::pair<std::string, std::string>>{
                       {s.U, s.R}, {s.X, s.R}, {s.R, s.S}, {s.R, s.T}});

    auto dot = f->trace({s.R, "--format", "dot"});
    REQUIRE(dot.status == 0);
    CHECK(dot.out.find("digraph bloodbank_trace {\n") == 0);
    CHECK(dot.out.find("\"" + s.U + "\" -> \"" + s.R + "\";") != std::string::npos);
    auto mermaid = f->trace({s.R, "--format", "mermaid"});
    REQUIRE(mermaid.status == 0);
    CHECK(mermaid.out.find("flowchart TD\n") == 0);
    CHECK(mermaid.out.find("n0 --> n1") != std::string::npos);
}

TEST_CASE("bb-trace: dump prints the Python tracker's fields") {
    auto f = tracetest::fixture();
    if (!f)
        return;
    Story s = write_story(*f);
    auto r = f->trace({"dump", s.R});
    REQUIRE_MESSAGE(r.status == 0, r.err);
    rapidjson::Document doc;
    doc.Parse(r.out.c_str());
    REQUIRE(doc.IsObject());
    std::vector<std::string> keys;
    for (const auto& m : doc.GetObject())
        keys.emplace_back(m.name.GetString());
    CHECK(keys == std::vector<std::string>{"event_id", "parents", "children", "ancestors",
                                           "descendants", "metadata"});
    CHECK(std::string(doc["event_id"].GetString()) == s.R);
    CHECK(strings(doc["parents"]) == std::vector<std::string>{s.U, s.X});
    // Ids only, as in the Python dump: children in id order.
    const std::string first = std::min(s.S, s.T), second = std::max(s.S, s.T);
    CHECK(strings(doc["children"]) == std::vector<std::string>{first, second});
    CHECK(strings(doc["ancestors"]) == std::vector<std::string>{s.U, s.X, s.R});
    CHECK(strings(doc["descendants"]) == std::vector<std::string>{s.R, first, second});
    CHECK(doc["metadata"].IsObject());
    CHECK(doc["metadata"].MemberCount() == 0);
    CHECK(f->trace({"dump", s.R, "--format", "json"}).out == r.out);
}

TEST_CASE("bb-trace: limits stop the walk and say so") {
    auto f = tracetest::fixture();
    if (!f)
        return;
    Story s = write_story(*f);
    auto ids = f->trace({"descendants", s.U, "--max-nodes", "2"});
    REQUIRE(ids.status == 80);
    CHECK(bbtest::split_lines(ids.out) == std::vector<std::string>{s.U, s.R});
    CHECK(ids.err == "bb-trace: warning: truncated: node limit of 2 reached (--max-nodes)\n");

    auto tree = f->trace({"descendants", s.U, "--depth", "2", "--format", "tree"});
    REQUIRE(tree.status == 80);
    auto lines = bbtest::split_lines(tree.out);
    REQUIRE(lines.size() == 3);
    CHECK(lines[2] == "… truncated: depth limit of 2 reached (--depth)");
    CHECK(tree.err.empty());

    auto json = f->trace({"ancestors", s.S, "--depth", "1", "--format", "json"});
    REQUIRE(json.status == 80);
    rapidjson::Document doc;
    doc.Parse(json.out.c_str());
    CHECK(doc["truncated"].GetBool());
    CHECK(std::string(doc["truncated_reason"].GetString()) == "depth limit of 1 reached (--depth)");
}

TEST_CASE("bb-trace: a listing of more than 10,000 events is complete by default") {
    auto f = tracetest::fixture();
    if (!f)
        return;
    // One event with 10,500 children: more than any old default cap.
    std::string root = f->event();
    std::vector<std::string> sadd{"SADD", tracetest::Fixture::reverse(root)};
    std::set<std::string> expected{root};
    for (int i = 0; i < 10500; ++i) {
        sadd.push_back(f->event());
        expected.insert(sadd.back());
    }
    f->redis().command(sadd);
    f->remember_key(tracetest::Fixture::reverse(root));
    auto all = f->trace({"descendants", root, "--format", "ids"});
    CHECK(all.status == 0);
    CHECK(all.err.empty());
    auto lines = bbtest::split_lines(all.out);
    CHECK(lines.size() == 10501);
    CHECK(std::set<std::string>(lines.begin(), lines.end()) == expected);
    // An explicit cap shows what it found and exits 80, not 0.
    auto cut = f->trace({"descendants", root, "--format", "ids", "--max-nodes", "100"});
    CHECK(cut.status == 80);
    CHECK(bbtest::split_lines(cut.out).size() == 100);
    CHECK(cut.err.find("truncated") != std::string::npos);
}

TEST_CASE("bb-trace: an unknown id exits 66 naming the id, for every view") {
    auto f = tracetest::fixture();
    if (!f)
        return;
    std::string unknown = f->event();
    for (std::vector<std::string> args : {std::vector<std::string>{unknown},
                                          {"parents", unknown},
                                          {"children", unknown},
                                          {"ancestors", unknown},
                                          {"descendants", unknown},
                                          {"dump", unknown}}) {
        CAPTURE(args[0]);
        auto r = f->trace(args);
        CHECK(r.status == 66);
        CHECK(r.out.empty());
        CHECK(r.err == not_found_message(*f, unknown));
    }
}

TEST_CASE("bb-trace: a malformed id exits 65 naming it, before Redis is asked") {
    auto f = tracetest::fixture();
    if (!f)
        return;
    std::string good = f->event();
    const std::string message =
        "bb-trace: \"xyz\" is not a valid event id: expected 36 characters (8-4-4-4-12), got 3\n";
    bbtest::RefusedPort no_redis;
    for (std::vector<std::string> args : {std::vector<std::string>{"xyz"},
                                          {"parents", "xyz"},
                                          {"children", "xyz"},
                                          {"ancestors", "xyz"},
                                          {"descendants", "xyz"},
                                          {"dump", "xyz"},
                                          {"link", "xyz", good},
                                          {"link", good, "xyz"}}) {
        CAPTURE(args[0]);
        auto r = f->trace(args);
        CHECK(r.status == 65);
        CHECK(r.err == message);
        // The same with Redis unreachable: the id is checked first.
        args.push_back("--redis-port=" + std::to_string(no_redis.port()));
        CHECK(f->trace(args).status == 65);
    }
    auto braces = f->trace({"{" + good + "}"});
    CHECK(braces.status == 65);
    CHECK(braces.err == "bb-trace: \"{" + good +
                            "}\" is not a valid event id: braces are not accepted, write the bare "
                            "8-4-4-4-12 form\n");
}

TEST_CASE("bb-trace: Redis unreachable exits 69 with the redacted target") {
    auto f = tracetest::fixture();
    if (!f)
        return;
    bbtest::RefusedPort no_redis;
    int port = no_redis.port();
    auto options = f->options();
    options.env["REDIS_PORT"] = std::to_string(port);
    options.env["REDIS_PASSWORD"] = "s3cret";
    for (std::vector<std::string> args : {std::vector<std::string>{f->event()},
                                          {"dump", f->event()},
                                          {"link", f->event(), f->event()}}) {
        auto r = f->trace(args, options);
        CHECK(r.status == 69);
        CHECK(r.err == fmt::format("bb-trace: Redis at redis://127.0.0.1:{}/0: cannot connect: "
                                   "Connection refused\n",
                                   port));
        CHECK(r.err.find("s3cret") == std::string::npos);
    }
}

TEST_CASE("bb-trace: usage errors exit 64") {
    auto f = tracetest::fixture();
    if (!f)
        return;
    std::string id = f->event();
    auto none = f->trace({});
    CHECK(none.status == 64);
    CHECK(none.err == "bb-trace: give an event ID or a subcommand (see bb-trace --help)\n");
    auto format = f->trace({id, "--format", "yaml"});
    CHECK(format.status == 64);
    CHECK(format.err == "bb-trace: --format: \"yaml\" is not one of tree, json, ids, dot, "
                        "mermaid (see bb-trace --help)\n");
    auto color = f->trace({id, "--color", "purple"});
    CHECK(color.status == 64);
    CHECK(color.err == "bb-trace: --color: \"purple\" is not one of auto, always, never (see "
                       "bb-trace --help)\n");
    // Before the subcommand the main command takes --format, and says it
    // does not apply; after it, link has no such option.
    auto link_format = f->trace({"--format", "dot", "link", id, f->event()});
    CHECK(link_format.status == 64);
    CHECK(link_format.err ==
          "bb-trace: --format dot does not apply to link (see bb-trace --help)\n");
    CHECK(f->trace({"link", id, f->event(), "--format", "dot"}).status == 64);
    auto dump_format = f->trace({"dump", id, "--format", "tree"});
    CHECK(dump_format.status == 64);
    CHECK(f->trace({id, "--depth", "0"}).status == 64);
    CHECK(f->trace({id, "--max-nodes", "0"}).status == 64);
    CHECK(f->trace({"parents"}).status == 64);
    CHECK(f->trace({"link", id}).status == 64);
    auto self = f->trace({"link", id, id});
    CHECK(self.status == 64);
    CHECK(self.err == "bb-trace: cannot link event " + id + " to itself\n");
}

TEST_CASE("bb-trace: colour only when asked or on a terminal, never with NO_COLOR") {
    auto f = tracetest::fixture();
    if (!f)
        return;
    Story s = write_story(*f);
    auto piped = f->trace({s.R});
    REQUIRE(piped.status == 0);
    CHECK(piped.out.find('\x1b') == std::string::npos);
    auto always = f->trace({s.R, "--color=always"});
    REQUIRE(always.status == 0);
    CHECK(always.out.find("\x1b[1;7mfireflies.transcript.ready\x1b[0m") != std::string::npos);
    auto options = f->options();
    options.env["NO_COLOR"] = "1";
    auto no_color = f->trace({s.R, "--color=always"}, options);
    REQUIRE(no_color.status == 0);
    CHECK(no_color.out == piped.out);
    CHECK(f->trace({s.R, "--color=never"}).out == piped.out);
}

TEST_CASE("bb-trace: no pager when stdout is not a terminal") {
    auto f = tracetest::fixture();
    if (!f)
        return;
    Story s = write_story(*f);
    std::string marker = bbtest::make_temp_dir() + "/paged";
    auto options = f->options();
    options.env["PAGER"] = "touch " + marker;
    options.env["LINES"] = "1";
    auto r = f->trace({s.R}, options);
    REQUIRE(r.status == 0);
    CHECK(bbtest::split_lines(r.out).size() == 6);
    CHECK_FALSE(std::filesystem::exists(marker));
    std::filesystem::remove_all(std::filesystem::path(marker).parent_path());
}

TEST_CASE("bb-trace: link records the link in the Python layout, merging parents") {
    auto f = tracetest::fixture();
    if (!f)
        return;
    std::string first = f->event(), second = f->event(), child = f->event();
    f->link(child, {first});
    f->remember_key(tracetest::Fixture::reverse(second));
    auto r = f->trace({"link", second, child, "--reason", "retried by hand", "--ttl-days", "2"});
    REQUIRE_MESSAGE(r.status == 0, r.err);
    CHECK(r.out.empty());
    CHECK(r.err.empty());
    CHECK(f->redis().command({"GET", tracetest::Fixture::forward(child)}).str ==
          "{\"parent_event_ids\":[\"" + first + "\",\"" + second +
              "\"],\"created_at\":\"2025-10-18T14:03:07.123456\",\"metadata\":{\"reason\":"
              "\"retried by hand\"}}");
    auto ttl = f->redis().command({"TTL", tracetest::Fixture::forward(child)}).integer;
    CHECK(ttl > 2 * 86400 - 100);
    CHECK(ttl <= 2 * 86400);
    CHECK(f->redis().command({"SMEMBERS", tracetest::Fixture::reverse(second)}).elements ==
          std::vector<std::string>{child});
    auto parents = f->trace({"parents", child});
    CHECK(bbtest::split_lines(parents.out) == std::vector<std::string>{first, second});
}

TEST_CASE("bb-trace: --show-config prints the settings and exits 0") {
    auto f = tracetest::fixture();
    if (!f)
        return;
    auto r = f->trace({"--show-config"});
    CHECK(r.status == 0);
    CHECK(r.out.find("REDIS_PORT=" + std::to_string(f->services().redis_port)) !=
          std::string::npos);
}
