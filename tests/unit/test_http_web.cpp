// The web page's routes without a socket or Redis: which paths are the
// page's, its files' types and headers, and what is refused before Redis is
// asked. The JSON against a real Redis: test_bb_trace_serve_web.cpp.
#include "bloodbank/http_api.hpp"

#include <doctest/doctest.h>

#include <string>

using namespace bb;

namespace {

std::string header(const HttpReply& reply, std::string_view name) {
    for (const auto& [key, value] : reply.headers)
        if (key == name)
            return value;
    return "(none)";
}

} // namespace

TEST_CASE("http_web: the page and its files, each with its type and the page's headers") {
    HttpApiOptions options;
    HttpReply page = route_request(options, "GET", "/");
    CHECK(page.status == 200);
    CHECK(page.content_type == "text/html; charset=utf-8");
    CHECK(page.body.find("<script src=\"/ui/static/app.js\"") != std::string::npos);
    CHECK(route_request(options, "GET", "/chain/anything").body == page.body);
    CHECK(route_request(options, "GET", "/ui/static/app.js").content_type ==
          "text/javascript; charset=utf-8");
    CHECK(route_request(options, "GET", "/ui/static/style.css").content_type ==
          "text/css; charset=utf-8");
    for (std::string_view target : {"/", "/ui/static/app.js", "/ui/static/none.js", "/ui/x",
                                    "/ui/api/chain/xyz", "/chain/a"}) {
        CAPTURE(target);
        HttpReply reply = route_request(options, "GET", target);
        CHECK(header(reply, "X-Content-Type-Options") == "nosniff");
        std::string csp = header(reply, "Content-Security-Policy");
        CHECK(csp.find("script-src 'self'") != std::string::npos);
        CHECK(csp.find("unsafe") == std::string::npos);
    }
    CHECK(route_request(options, "GET", "/ui/static/none.js").status == 404);
    CHECK(route_request(options, "GET", "/ui/static/../index.html").status == 404);
    CHECK(route_request(options, "GET", "/chain/a/b").status == 404);
    // The debug API's answers carry none of the page's headers.
    CHECK(header(route_request(options, "GET", "/healthz"), "Content-Security-Policy") == "(none)");
}

TEST_CASE("http_web: read-only, and bad parameters refused before Redis is asked") {
    HttpApiOptions options;
    for (std::string_view method : {"POST", "PUT", "DELETE", "HEAD"}) {
        CAPTURE(method);
        HttpReply reply = route_request(options, method, "/ui/api/chain/x");
        CHECK(reply.status == 405);
        CHECK(header(reply, "Allow") == "GET");
        CHECK(route_request(options, method, "/").status == 405);
    }
    CHECK(route_request(options, "GET", "/ui/api/chain/xyz").body ==
          R"({"detail":"Invalid UUID format: xyz"})");
    CHECK(route_request(options, "GET", "/ui/api/event/xyz").status == 400);
    std::string id = "/ui/api/chain/01f5167c-bf13-54c7-983c-b82ba30fe4b0";
    for (std::string_view query : {"?depth=0", "?depth=21", "?depth=x", "?depth=", "?limit=0",
                                   "?limit=2001", "?limit=1e3", "?direction=up"}) {
        CAPTURE(query);
        CHECK(route_request(options, "GET", id + std::string(query)).status == 400);
    }
    CHECK(route_request(options, "GET", "/ui/api/search?limit=101").status == 400);
}

TEST_CASE("http_web: which addresses are loopback, for the warning of serve") {
    for (std::string_view host : {"127.0.0.1", "127.1.2.3", "::1", "[::1]", "localhost"}) {
        CAPTURE(host);
        CHECK(is_loopback_host(host));
    }
    for (std::string_view host :
         {"0.0.0.0", "::", "[::]", "192.168.1.4", "10.0.0.1", "", "example"}) {
        CAPTURE(host);
        CHECK_FALSE(is_loopback_host(host));
    }
}
