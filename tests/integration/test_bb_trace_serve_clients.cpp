// `bb-trace serve` with clients that misbehave or ask in unusual ways: slow
// clients, too many connections, other methods, other id forms, repeated
// query parameters, an IPv6 address. Expectations follow FastAPI, uvicorn
// and Python's uuid module.
#include "test_bb_trace_serve_support.hpp"

#include <doctest/doctest.h>
#include <httplib.h>

#include <algorithm>
#include <cctype>
#include <signal.h>

using servetest::raw_exchange;
using servetest::RawConnection;
using servetest::start_serve;

namespace {

// Half a request head: the request line and one header, never the empty line.
const std::string half_head = "GET /healthz HTTP/1.1\r\nHost: 127.0.0.1\r\n";

// `count` connections that sent half a head each and wait.
std::vector<std::unique_ptr<RawConnection>> stalled_clients(int port, int count) {
    std::vector<std::unique_ptr<RawConnection>> stalled;
    for (int i = 0; i < count; ++i) {
        stalled.push_back(std::make_unique<RawConnection>(port));
        stalled.back()->send_text(half_head);
    }
    return stalled;
}

std::string upper(std::string text) {
    std::transform(text.begin(), text.end(), text.begin(),
                   [](unsigned char c) { return static_cast<char>(std::toupper(c)); });
    return text;
}

std::string without_dashes(std::string text) {
    text.erase(std::remove(text.begin(), text.end(), '-'), text.end());
    return text;
}

// A client with patience enough for a loaded machine: a request that gets
// no answer at all fails, however long it takes.
httplib::Client patient_client(int port) {
    httplib::Client client("127.0.0.1", port);
    client.set_read_timeout(std::chrono::seconds(20));
    return client;
}

} // namespace

TEST_CASE("bb-trace serve: fifty stalled clients do not hold up other requests") {
    auto f = tracetest::fixture();
    if (!f)
        return;
    std::string a = f->event(), b = f->event();
    f->link(b, {a});
    auto server = start_serve(*f, f->options());

    auto stalled = stalled_clients(server.port, 50);
    auto client = patient_client(server.port);
    auto health = client.Get("/healthz");
    REQUIRE_MESSAGE(health, "no answer to /healthz with 50 stalled clients");
    CHECK(health->status == 200);
    CHECK(health->body == R"({"ok":true,"service":"bloodbank"})");
    auto chain = client.Get(("/debug/correlation/" + b + "/chain").c_str());
    REQUIRE_MESSAGE(chain, "no answer to a chain request with 50 stalled clients");
    CHECK(chain->status == 200);
    CHECK(chain->body == "{\"event_id\":\"" + b + "\",\"direction\":\"ancestors\",\"chain\":[\"" +
                             a + "\",\"" + b + "\"],\"count\":2}");
    CHECK(server.process->stop(SIGTERM) == 0);
}

TEST_CASE("bb-trace serve: a client that never finishes its head is closed without an answer") {
    auto f = tracetest::fixture();
    if (!f)
        return;
    auto server = start_serve(*f, f->options());
    RawConnection slow(server.port);
    slow.send_text(half_head);
    // The server's header timeout (5 s) closes it; 30 s only bounds a failure.
    auto received = slow.read_until_closed(std::chrono::seconds(30));
    REQUIRE_MESSAGE(received, "the stalled connection was still open after 30 s");
    CHECK(*received == "");
    // It did not stop the server.
    CHECK(servetest::get_body(server.port, "/healthz", 200) ==
          R"({"ok":true,"service":"bloodbank"})");
    CHECK(server.process->stop(SIGINT) == 0);
}

TEST_CASE("bb-trace serve: a connection beyond the 256 held is answered 503") {
    auto f = tracetest::fixture();
    if (!f)
        return;
    auto server = start_serve(*f, f->options());
    auto held = stalled_clients(server.port, 256);
    RawConnection one_more(server.port);
    auto answer = one_more.read_until_closed(std::chrono::seconds(30));
    REQUIRE(answer);
    CHECK(answer->starts_with("HTTP/1.1 503 "));
    CHECK(answer->ends_with("\r\n\r\n{\"detail\":\"Too many connections\"}"));
    // Once they are gone, requests are served again.
    held.clear();
    auto client = patient_client(server.port);
    bool served = bbtest::wait_until(
        [&] {
            auto res = client.Get("/healthz");
            return res && res->status == 200;
        },
        std::chrono::seconds(20));
    CHECK(served);
    CHECK(server.process->stop(SIGTERM) == 0);
}

TEST_CASE("bb-trace serve: other methods are 405 with Allow: GET, as FastAPI answers") {
    auto f = tracetest::fixture();
    if (!f)
        return;
    std::string id = f->event();
    auto server = start_serve(*f, f->options());
    const std::string not_allowed = "{\"detail\":\"Method Not Allowed\"}";
    for (std::string method : {"POST", "PUT", "DELETE", "PATCH", "OPTIONS"}) {
        for (const std::string& path : std::vector<std::string>{
                 "/healthz", "/debug/correlation/" + id, "/debug/correlation/" + id + "/chain"}) {
            CAPTURE(method);
            CAPTURE(path);
            // No body, as the requests that used to hang sent.
            std::string answer =
                raw_exchange(server.port, method + " " + path + " HTTP/1.1\r\nHost: x\r\n\r\n");
            CHECK(answer.starts_with("HTTP/1.1 405 Method Not Allowed\r\n"));
            CHECK(answer.find("\r\nAllow: GET\r\n") != std::string::npos);
            CHECK(answer.ends_with("\r\n\r\n" + not_allowed));
        }
    }
    // With a body, which is not read.
    std::string posted =
        raw_exchange(server.port, "POST /healthz HTTP/1.1\r\nHost: x\r\nContent-Type: "
                                  "application/json\r\nContent-Length: 2\r\n\r\n{}");
    CHECK(posted.starts_with("HTTP/1.1 405 "));
    CHECK(posted.ends_with(not_allowed));
    // HEAD gets the status and headers of the same answer, without the body.
    std::string head = raw_exchange(server.port, "HEAD /healthz HTTP/1.1\r\nHost: x\r\n\r\n");
    CHECK(head.starts_with("HTTP/1.1 405 "));
    CHECK(head.find("\r\nContent-Length: " + std::to_string(not_allowed.size()) + "\r\n") !=
          std::string::npos);
    CHECK(head.ends_with("\r\n\r\n"));
    // An unknown path is 404 whatever the method.
    std::string unknown = raw_exchange(server.port, "POST /nowhere HTTP/1.1\r\nHost: x\r\n\r\n");
    CHECK(unknown.starts_with("HTTP/1.1 404 "));
    CHECK(unknown.ends_with("{\"detail\":\"Not Found\"}"));
    CHECK(server.process->stop(SIGTERM) == 0);
}

TEST_CASE("bb-trace serve: ids in every form uuid.UUID() reads, and the last query parameter") {
    auto f = tracetest::fixture();
    if (!f)
        return;
    std::string a = f->event(), b = f->event();
    f->link(b, {a});
    auto server = start_serve(*f, f->options());
    const std::string chain = "\"chain\":[\"" + a + "\",\"" + b + "\"],\"count\":2}";
    for (std::string form : {upper(b), without_dashes(b), "%7B" + b + "%7D", "urn:uuid:" + b,
                             "%7Burn:uuid:" + upper(without_dashes(b)) + "%7D"}) {
        CAPTURE(form);
        std::string decoded = form;
        for (auto [code, brace] : {std::pair{"%7B", "{"}, std::pair{"%7D", "}"}})
            if (auto at = decoded.find(code); at != std::string::npos)
                decoded.replace(at, 3, brace);
        // The id is echoed as given, as the Python service does.
        CHECK(servetest::get_body(server.port, "/debug/correlation/" + form + "/chain", 200) ==
              "{\"event_id\":\"" + decoded + "\",\"direction\":\"ancestors\"," + chain);
        std::string dump = servetest::get_body(server.port, "/debug/correlation/" + form, 200);
        CHECK(dump.starts_with("{\"event_id\":\"" + b + "\",\"parents\":[\"" + a + "\"]"));
    }
    // The last of repeated query parameters wins, as in Starlette.
    CHECK(servetest::get_body(
              server.port,
              "/debug/correlation/" + a + "/chain?direction=ancestors&direction=descendants",
              200) == "{\"event_id\":\"" + a + "\",\"direction\":\"descendants\",\"chain\":[\"" +
                          a + "\",\"" + b + "\"],\"count\":2}");
    CHECK(servetest::get_body(
              server.port, "/debug/correlation/" + a + "/chain?direction=descendants&direction=up",
              400) ==
          R"({"detail":"Invalid direction: up. Must be 'ancestors' or 'descendants'"})");
    CHECK(server.process->stop(SIGTERM) == 0);
}

TEST_CASE("bb-trace serve: control characters are escaped in lower case, as json.dumps does") {
    auto f = tracetest::fixture();
    if (!f)
        return;
    auto server = start_serve(*f, f->options());
    CHECK(servetest::get_body(server.port, "/debug/correlation/x%1By%1f", 400) ==
          R"({"detail":"Invalid UUID format: x\u001by\u001f"})");
    CHECK(server.process->stop(SIGTERM) == 0);
}

TEST_CASE("bb-trace serve: an IPv6 address is shown in brackets") {
    auto f = tracetest::fixture();
    if (!f)
        return;
    // Where the system has no IPv6 loopback, the refusal names it the same way.
    auto serve = std::make_unique<bbtest::Background>(
        std::vector<std::string>{bbtest::binary("bb-trace"), "serve", "--http-host", "::1",
                                 "--http-port", "0"},
        f->options());
    bbtest::wait_until(
        [&] { return serve->err().find("http://") != std::string::npos || !serve->running(); },
        std::chrono::seconds(10));
    std::string log = serve->err();
    bool served = log.find("serving the debug API on http://[::1]:") != std::string::npos;
    bool refused = log.find("cannot listen on http://[::1]:0: ") != std::string::npos;
    CHECK_MESSAGE((served || refused), log);
    if (served) {
        int port = servetest::banner_port(log);
        CHECK(port > 0);
        CHECK(serve->stop(SIGTERM) == 0);
    }
}
