// The web page of `bb-trace serve`: its files, their headers, and the JSON
// it reads (/ui/api/...), against the real Redis.
#include "test_bb_trace_serve_support.hpp"

#include "bloodbank/json.hpp"

#include <doctest/doctest.h>
#include <httplib.h>

#include <signal.h>

using servetest::Server;
using servetest::start_serve;

namespace {

httplib::Result fetch(int port, const std::string& path) {
    httplib::Client client("127.0.0.1", port);
    auto res = client.Get(path.c_str());
    REQUIRE_MESSAGE(res, "no response for " << path);
    return res;
}

// The JSON of a page endpoint, checked for its status and headers.
rapidjson::Document fetch_json(int port, const std::string& path, int expected_status = 200) {
    auto res = fetch(port, path);
    CHECK_MESSAGE(res->status == expected_status,
                  path << " -> " << res->status << " " << res->body);
    CHECK(res->get_header_value("Content-Type") == "application/json");
    CHECK(res->get_header_value("X-Content-Type-Options") == "nosniff");
    auto doc = bb::parse_json(res->body);
    REQUIRE_MESSAGE(doc, res->body);
    return std::move(*doc);
}

std::string str(const rapidjson::Value& value) {
    return value.IsString() ? std::string(value.GetString(), value.GetStringLength()) : "(null)";
}

const rapidjson::Value* event_in(const rapidjson::Value& events, const std::string& id) {
    for (const auto& event : events.GetArray())
        if (str(event["id"]) == id)
            return &event;
    return nullptr;
}

std::vector<std::string> ids_of(const rapidjson::Value& events) {
    std::vector<std::string> ids;
    for (const auto& event : events.GetArray())
        ids.push_back(str(event["id"]));
    return ids;
}

} // namespace

TEST_CASE("bb-trace serve: the page's files with their types, a strict CSP and nosniff") {
    auto f = tracetest::fixture();
    if (!f)
        return;
    Server server = start_serve(*f, f->options());
    auto page = fetch(server.port, "/");
    CHECK(page->status == 200);
    CHECK(page->get_header_value("Content-Type") == "text/html; charset=utf-8");
    std::string csp = page->get_header_value("Content-Security-Policy");
    CHECK(csp.find("default-src 'none'") != std::string::npos);
    CHECK(csp.find("script-src 'self'") != std::string::npos);
    CHECK(csp.find("unsafe-inline") == std::string::npos);
    CHECK(page->get_header_value("X-Content-Type-Options") == "nosniff");
    // Every script of the page is a file of the server's; none is inline.
    std::size_t at = 0, scripts = 0;
    while ((at = page->body.find("<script", at)) != std::string::npos) {
        std::string_view expected = "<script src=\"/ui/static/app.js\"";
        CHECK(page->body.compare(at, expected.size(), expected) == 0);
        ++scripts;
        ++at;
    }
    CHECK(scripts == 1);
    // The chain's address serves the same page, which reads the id from it.
    auto chain_page = fetch(server.port, "/chain/" + f->event());
    CHECK(chain_page->status == 200);
    CHECK(chain_page->body == page->body);

    auto script = fetch(server.port, "/ui/static/app.js");
    CHECK(script->status == 200);
    CHECK(script->get_header_value("Content-Type") == "text/javascript; charset=utf-8");
    CHECK(script->get_header_value("X-Content-Type-Options") == "nosniff");
    auto style = fetch(server.port, "/ui/static/style.css");
    CHECK(style->status == 200);
    CHECK(style->get_header_value("Content-Type") == "text/css; charset=utf-8");
    CHECK(fetch(server.port, "/ui/static/missing.js")->status == 404);
    CHECK(fetch(server.port, "/ui/nothing")->status == 404);

    // Read-only: nothing but GET.
    httplib::Client client("127.0.0.1", server.port);
    auto post = client.Post("/ui/api/search", "", "application/json");
    REQUIRE(post);
    CHECK(post->status == 405);
    CHECK(post->get_header_value("Allow") == "GET");
    CHECK(server.process->stop(SIGTERM) == 0);
}

TEST_CASE("bb-trace serve: the page's chain in time order, levels, parents and counts") {
    auto f = tracetest::fixture();
    if (!f)
        return;
    // root -> mid -> leaf, mid -> python (a link only, as the Python tracker
    // writes it), leaf -> deep.
    std::string root = f->event(), mid = f->event(), leaf = f->event(), python = f->event(),
                deep = f->event();
    f->summary(root, "web.root", "2025-10-18T14:00:00+00:00");
    f->summary(mid, "web.mid", "2025-10-18T14:00:01+00:00");
    f->summary(leaf, "web.leaf", "2025-10-18T14:00:03+00:00");
    f->summary(deep, "web.deep", "2025-10-18T14:00:04+00:00");
    f->link(mid, {root}, R"({"reason":"why"})");
    f->link(leaf, {mid});
    f->link(python, {mid}, "{}", "2025-10-18T14:00:02.500000");
    f->link(deep, {leaf});
    Server server = start_serve(*f, f->options());

    auto chain = fetch_json(server.port, "/ui/api/chain/" + mid + "?depth=1");
    CHECK(str(chain["focus"]) == mid);
    CHECK(str(chain["direction"]) == "around");
    CHECK(chain["truncated"].IsNull());
    // One level each way, in time order: the link-only event by its link's time.
    CHECK(ids_of(chain["events"]) == std::vector<std::string>{root, mid, python, leaf});
    const auto* m = event_in(chain["events"], mid);
    REQUIRE(m);
    CHECK((*m)["level"].GetInt() == 0);
    CHECK(str((*m)["summary"]["event_type"]) == "web.mid");
    CHECK((*m)["parents"].Size() == 1);
    CHECK(str((*m)["parents"][0]) == root);
    CHECK((*m)["parent_count"].GetUint() == 1);
    CHECK((*m)["child_count"].GetUint() == 2);
    CHECK((*m)["time_from_link"].GetBool() == false);
    const auto* p = event_in(chain["events"], python);
    REQUIRE(p);
    CHECK((*p)["summary"].IsNull());
    CHECK((*p)["time_from_link"].GetBool() == true);
    CHECK(str((*p)["link_created_at"]) == "2025-10-18T14:00:02.500000");
    CHECK((*p)["level"].GetInt() == 1);
    // The leaf has a child beyond the depth asked: its count says so.
    const auto* l = event_in(chain["events"], leaf);
    REQUIRE(l);
    CHECK((*l)["child_count"].GetUint() == 1);
    CHECK(event_in(chain["events"], deep) == nullptr);
    CHECK(event_in(chain["events"], root) != nullptr);
    CHECK((*event_in(chain["events"], root))["level"].GetInt() == -1);

    // Expanding the leaf: its descendants only.
    auto below = fetch_json(server.port, "/ui/api/chain/" + leaf + "?direction=descendants");
    CHECK(ids_of(below["events"]) == std::vector<std::string>{leaf, deep});

    // Paged: a limit cuts the walk and says so.
    auto cut =
        fetch_json(server.port, "/ui/api/chain/" + root + "?direction=descendants&depth=5&limit=2");
    CHECK(cut["events"].Size() == 2);
    CHECK(str(cut["truncated"]) == "limit of 2 events reached");

    CHECK(str(fetch_json(server.port, "/ui/api/chain/" + mid + "?depth=0", 400)["detail"]) ==
          "depth must be a whole number from 1 to 20");
    CHECK(str(fetch_json(server.port, "/ui/api/chain/" + mid + "?limit=2001", 400)["detail"]) ==
          "limit must be a whole number from 1 to 2000");
    CHECK(str(fetch_json(server.port, "/ui/api/chain/" + mid + "?direction=up", 400)["detail"])
              .find("Invalid direction: up") == 0);
    CHECK(str(fetch_json(server.port, "/ui/api/chain/xyz", 400)["detail"]) ==
          "Invalid UUID format: xyz");
    std::string unknown = f->event();
    CHECK(str(fetch_json(server.port, "/ui/api/chain/" + unknown, 404)["detail"]) ==
          "No correlation chain found for event " + unknown);
    CHECK(server.process->stop(SIGTERM) == 0);
}

TEST_CASE("bb-trace serve: the page's event details and search") {
    auto f = tracetest::fixture();
    if (!f)
        return;
    std::string parent = f->event(), child = f->event(), other = f->event();
    // A type no other test writes, so that the search finds exactly these.
    std::string type = "web.search." + bb::uuid_v4().str().substr(0, 8);
    f->summary(parent, type + ".start", "2025-10-18T14:00:00+00:00");
    f->summary(child, type + ".done", "2025-10-18T14:00:05+00:00", "app", "host9", "cron");
    f->summary(other, "web.unrelated", "2025-10-18T14:00:06+00:00");
    f->link(child, {parent}, R"({"reason":"because","attempt":2})", "2025-10-18T14:00:05.250000");
    Server server = start_serve(*f, f->options());

    auto details = fetch_json(server.port, "/ui/api/event/" + child);
    CHECK(str(details["id"]) == child);
    CHECK(str(details["summary"]["event_type"]) == type + ".done");
    CHECK(str(details["summary"]["source_host"]) == "host9");
    CHECK(str(details["summary"]["source_type"]) == "cron");
    CHECK(str(details["link"]["created_at"]) == "2025-10-18T14:00:05.250000");
    CHECK(str(details["link"]["reason"]) == "because");
    CHECK(details["link"]["metadata"]["attempt"].GetInt() == 2);
    CHECK(details["parent_count"].GetUint() == 1);
    CHECK(details["child_count"].GetUint() == 0);
    auto top = fetch_json(server.port, "/ui/api/event/" + parent);
    CHECK(top["link"].IsNull());
    CHECK(top["child_count"].GetUint() == 1);
    std::string unknown = f->event();
    CHECK(str(fetch_json(server.port, "/ui/api/event/" + unknown, 404)["detail"]) ==
          "No correlation data found for event " + unknown);

    // By type: both, newest first.
    auto by_type = fetch_json(server.port, "/ui/api/search?q=" + type);
    if (by_type["complete"].GetBool())
        CHECK(ids_of(by_type["events"]) == std::vector<std::string>{child, parent});
    else
        MESSAGE("the search did not see every key of the test Redis; not checked");
    // By id prefix, and a whole id.
    auto by_prefix = fetch_json(server.port, "/ui/api/search?q=" + child.substr(0, 13));
    if (by_prefix["complete"].GetBool())
        CHECK(ids_of(by_prefix["events"]) == std::vector<std::string>{child});
    auto by_id = fetch_json(server.port, "/ui/api/search?q=" + other);
    CHECK(ids_of(by_id["events"]) == std::vector<std::string>{other});
    CHECK(str(by_id["events"][0]["summary"]["event_type"]) == "web.unrelated");
    CHECK(fetch_json(server.port, "/ui/api/search?limit=0", 400)["detail"].IsString());
    CHECK(server.process->stop(SIGTERM) == 0);
}
