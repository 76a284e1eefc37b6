// Interop: links that bb-publish records and links written in the Python
// tracker's layout read back the same through bb-trace, and the two mix.
#include "support/lines.hpp"
#include "test_bb_publish_support.hpp"
#include "test_bb_trace_fixtures.hpp"

#include <doctest/doctest.h>
#include <rapidjson/document.h>

#include <map>
#include <set>

namespace {

// The same four-event story: root -> a; a and root -> b; b -> c.
struct Story {
    std::string root, a, b, c;
    std::vector<std::string> all() const { return {root, a, b, c}; }
};

// Ids in `text` (one per line) replaced by their position in the story, so
// two stories with different ids can be compared.
std::vector<std::string> positions(const std::string& text, const Story& story) {
    std::map<std::string, std::string> name{
        {story.root, "root"}, {story.a, "a"}, {story.b, "b"}, {story.c, "c"}};
    std::vector<std::string> out;
    for (const auto& line : bbtest::split_lines(text))
        out.push_back(name.count(line) ? name[line] : "other:" + line);
    return out;
}

std::set<std::pair<std::string, std::string>> edges(const std::string& json, const Story& story) {
    std::map<std::string, std::string> name{
        {story.root, "root"}, {story.a, "a"}, {story.b, "b"}, {story.c, "c"}};
    rapidjson::Document doc;
    doc.Parse(json.c_str());
    REQUIRE(doc.IsObject());
    std::set<std::pair<std::string, std::string>> out;
    for (const auto& e : doc["edges"].GetArray())
        out.emplace(name[e["parent"].GetString()], name[e["child"].GetString()]);
    return out;
}

Story publish_story(const bbtest::Services& services, const tracetest::Fixture& f) {
    using bbtest::publish::EnvelopeSpec;
    EnvelopeSpec root, a, b, c;
    root.app = "producer";
    a.parents = {root.event_id};
    a.timestamp = "2025-10-18T14:03:08+00:00";
    b.parents = {a.event_id, root.event_id};
    b.timestamp = "2025-10-18T14:03:09+00:00";
    c.parents = {b.event_id};
    c.timestamp = "2025-10-18T14:03:10+00:00";
    bbtest::publish::Bus bus(services);
    auto options = bus.options(canonical(root) + "\n" + canonical(a) + "\n" + canonical(b) + "\n" +
                               canonical(c) + "\n");
    options.env["REDIS_HOST"] = services.redis_host;
    options.env["REDIS_PORT"] = std::to_string(services.redis_port);
    auto published = bbtest::publish::Bus::run_publish({}, options);
    REQUIRE_MESSAGE(published.status == 0, published.err);
    (void)f;
    return {root.event_id, a.event_id, b.event_id, c.event_id};
}

void forget(tracetest::Fixture& f, const Story& s) {
    for (const auto& id : s.all()) {
        f.remember_key(tracetest::Fixture::forward(id));
        f.remember_key(tracetest::Fixture::reverse(id));
        f.remember_key(tracetest::Fixture::summary_key(id));
    }
}

} // namespace

TEST_CASE("bb-trace interop: bb-publish links and Python-layout links read back the same") {
    auto f = tracetest::fixture();
    if (!f)
        return;
    Story published = publish_story(f->services(), *f);
    forget(*f, published);

    Story python{f->event(), f->event(), f->event(), f->event()};
    f->link(python.a, {python.root});
    f->link(python.b, {python.a, python.root});
    f->link(python.c, {python.b});

    for (const Story* story : {&published, &python}) {
        const Story& s = *story;
        CAPTURE(s.root);
        auto descendants = f->trace({"descendants", s.root});
        REQUIRE_MESSAGE(descendants.status == 0, descendants.err);
        CHECK(positions(descendants.out, s) == std::vector<std::string>{"root", "a", "b", "c"});
        auto ancestors = f->trace({"ancestors", s.c});
        REQUIRE(ancestors.status == 0);
        CHECK(positions(ancestors.out, s) == std::vector<std::string>{"root", "a", "b", "c"});
        auto parents = f->trace({"parents", s.b});
        REQUIRE(parents.status == 0);
        CHECK(positions(parents.out, s) == std::vector<std::string>{"a", "root"});
        auto children = f->trace({"children", s.b});
        CHECK(positions(children.out, s) == std::vector<std::string>{"c"});
        auto json = f->trace({s.b, "--format", "json"});
        REQUIRE(json.status == 0);
        CHECK(edges(json.out, s) == std::set<std::pair<std::string, std::string>>{
                                        {"root", "a"}, {"root", "b"}, {"a", "b"}, {"b", "c"}});
        auto dump = f->trace({"dump", s.b});
        REQUIRE(dump.status == 0);
        rapidjson::Document doc;
        doc.Parse(dump.out.c_str());
        REQUIRE(doc.IsObject());
        CHECK(doc["metadata"].IsObject());
        CHECK(doc["metadata"].MemberCount() == 0);
        CHECK(doc["parents"].Size() == 2);
    }

    // Only bb-publish's events carry summaries; the tree shows both kinds.
    auto tree = f->trace({published.b});
    REQUIRE(tree.status == 0);
    CHECK(tree.out.find("test.event") != std::string::npos);
    CHECK(tree.out.find("app=producer") != std::string::npos);
    auto python_tree = f->trace({python.b});
    REQUIRE(python_tree.status == 0);
    CHECK(python_tree.out.find("(no summary)") != std::string::npos);
}

TEST_CASE("bb-trace interop: a Python-side child of a published event joins the chain") {
    auto f = tracetest::fixture();
    if (!f)
        return;
    Story published = publish_story(f->services(), *f);
    forget(*f, published);
    std::string python_child = f->event();
    f->link(python_child, {published.c}, R"({"reason":"python consumer"})");

    auto descendants = f->trace({"descendants", published.root});
    REQUIRE(descendants.status == 0);
    CHECK(positions(descendants.out, published) ==
          std::vector<std::string>{"root", "a", "b", "c", "other:" + python_child});
    auto ancestors = f->trace({"ancestors", python_child});
    REQUIRE(ancestors.status == 0);
    CHECK(positions(ancestors.out, published) ==
          std::vector<std::string>{"root", "a", "b", "c", "other:" + python_child});

    // And bb-trace link on a published event merges into bb-publish's record.
    auto linked = f->trace({"link", published.a, published.c, "--reason", "also from a"});
    REQUIRE_MESSAGE(linked.status == 0, linked.err);
    auto parents = f->trace({"parents", published.c});
    CHECK(positions(parents.out, published) == std::vector<std::string>{"b", "a"});
}
