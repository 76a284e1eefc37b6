// `bb-trace serve` as a child process, called over loopback with httplib.
#include "support/ports.hpp"
#include "support/terminal_bytes.hpp"
#include "test_bb_trace_serve_support.hpp"

#include <doctest/doctest.h>
#include <httplib.h>

#include <signal.h>

using servetest::get_body;
using servetest::Server;
using servetest::start_serve;

TEST_CASE("bb-trace serve: the Python debug API over loopback") {
    auto f = tracetest::fixture();
    if (!f)
        return;
    std::string a = f->event(), b = f->event(), c = f->event();
    f->link(b, {a}, R"({"reason":"why"})");
    f->link(c, {b});
    Server server = start_serve(*f, f->options());

    CHECK(get_body(server.port, "/healthz", 200) == R"({"ok":true,"service":"bloodbank"})");
    CHECK(get_body(server.port, "/debug/correlation/" + b, 200) ==
          "{\"event_id\":\"" + b + "\",\"parents\":[\"" + a + "\"],\"children\":[\"" + c +
              "\"],\"ancestors\":[\"" + a + "\",\"" + b + "\"],\"descendants\":[\"" + b + "\",\"" +
              c + "\"],\"metadata\":{\"reason\":\"why\"}}");
    CHECK(get_body(server.port, "/debug/correlation/" + c + "/chain?direction=ancestors", 200) ==
          "{\"event_id\":\"" + c + "\",\"direction\":\"ancestors\",\"chain\":[\"" + a + "\",\"" +
              b + "\",\"" + c + "\"],\"count\":3}");
    CHECK(get_body(server.port, "/debug/correlation/" + a + "/chain?direction=descendants", 200) ==
          "{\"event_id\":\"" + a + "\",\"direction\":\"descendants\",\"chain\":[\"" + a + "\",\"" +
              b + "\",\"" + c + "\"],\"count\":3}");
    // The direction defaults to ancestors, as in the Python service.
    CHECK(get_body(server.port, "/debug/correlation/" + b + "/chain", 200) ==
          "{\"event_id\":\"" + b + "\",\"direction\":\"ancestors\",\"chain\":[\"" + a + "\",\"" +
              b + "\"],\"count\":2}");

    CHECK(server.process->stop(SIGTERM) == 0);
    CHECK(server.process->err().find("stopped (SIGTERM)") != std::string::npos);
}

TEST_CASE("bb-trace serve: bad ids, bad directions and unknown events") {
    auto f = tracetest::fixture();
    if (!f)
        return;
    std::string unknown = f->event();
    Server server = start_serve(*f, f->options());
    CHECK(get_body(server.port, "/debug/correlation/xyz", 400) ==
          R"({"detail":"Invalid UUID format: xyz"})");
    CHECK(get_body(server.port, "/debug/correlation/xyz/chain", 400) ==
          R"({"detail":"Invalid UUID format: xyz"})");
    CHECK(
        get_body(server.port, "/debug/correlation/" + unknown + "/chain?direction=sideways", 400) ==
        R"({"detail":"Invalid direction: sideways. Must be 'ancestors' or 'descendants'"})");
    CHECK(get_body(server.port, "/debug/correlation/" + unknown, 404) ==
          "{\"detail\":\"No correlation data found for event " + unknown + "\"}");
    CHECK(get_body(server.port, "/debug/correlation/" + unknown + "/chain?direction=descendants",
                   404) == "{\"detail\":\"No correlation chain found for event " + unknown + "\"}");
    CHECK(get_body(server.port, "/no/such/path", 404) == R"({"detail":"Not Found"})");
    CHECK(server.process->stop(SIGINT) == 0);
}

TEST_CASE("bb-trace serve: limits apply and are reported in a header") {
    auto f = tracetest::fixture();
    if (!f)
        return;
    std::string a = f->event(), b = f->event(), c = f->event();
    f->link(b, {a});
    f->link(c, {b});
    Server server = start_serve(*f, f->options(), {"--max-nodes", "2"});
    std::string truncated;
    CHECK(get_body(server.port, "/debug/correlation/" + a + "/chain?direction=descendants", 200,
                   &truncated) == "{\"event_id\":\"" + a +
                                      "\",\"direction\":\"descendants\",\"chain\":[\"" + a +
                                      "\",\"" + b + "\"],\"count\":2}");
    CHECK(truncated == "node limit of 2 reached (--max-nodes)");
}

TEST_CASE("bb-trace serve: Redis unreachable is 503 with the redacted target") {
    auto f = tracetest::fixture();
    if (!f)
        return;
    bbtest::RefusedPort refused;
    int closed = refused.port();
    auto options = f->options();
    options.env["REDIS_PORT"] = std::to_string(closed);
    options.env["REDIS_PASSWORD"] = "s3cret";
    Server server = start_serve(*f, options);
    std::string expected = "{\"detail\":\"Redis at redis://127.0.0.1:" + std::to_string(closed) +
                           "/0: cannot connect: Connection refused\"}";
    std::string id = f->event();
    CHECK(get_body(server.port, "/debug/correlation/" + id, 503) == expected);
    CHECK(get_body(server.port, "/debug/correlation/" + id + "/chain", 503) == expected);
    // A bad id is still 400: it is checked before Redis is contacted.
    CHECK(get_body(server.port, "/debug/correlation/nope", 400) ==
          R"({"detail":"Invalid UUID format: nope"})");
    CHECK(server.process->stop(SIGTERM) == 0);
}

TEST_CASE("bb-trace serve: an address in use exits 69") {
    auto f = tracetest::fixture();
    if (!f)
        return;
    Server first = start_serve(*f, f->options());
    auto second = f->trace({"serve", "--http-port", std::to_string(first.port)});
    CHECK(second.status == 69);
    CHECK(second.err.find("bb-trace: cannot listen on http://127.0.0.1:" +
                          std::to_string(first.port)) == 0);
    CHECK(first.process->stop(SIGTERM) == 0);
}

TEST_CASE("bb-trace serve: a request path cannot forge log lines or drive the terminal") {
    auto f = tracetest::fixture();
    if (!f)
        return;
    Server server = start_serve(*f, f->options());
    httplib::Client client("127.0.0.1", server.port);
    auto res = client.Get("/debug/correlation/x%0abb-trace: GET /forged 200%1b[31m%00%e2%80%ae");
    REQUIRE(res);
    CHECK(res->status == 404); // the decoded path has a slash too many
    CHECK(server.process->stop(SIGTERM) == 0);
    std::string log = server.process->err();
    CHECK(bbtest::steering_bytes(log) == "");
    CHECK(log.find("\nbb-trace: GET /forged 200") == std::string::npos);
    CHECK(log.find("x\\nbb-trace: GET /forged 200\\x1b[31m\\x00\\u202e 404") != std::string::npos);
}
