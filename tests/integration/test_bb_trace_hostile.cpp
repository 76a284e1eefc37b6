// Event data from Redis and request paths are untrusted: what bb-trace shows
// a person (the tree, its warnings, the serve log) must never carry a
// control character that a terminal obeys. Hostile strings go into the real
// test Redis as the Python side could write them.
#include "support/background.hpp"
#include "test_bb_trace_fixtures.hpp"

#include <doctest/doctest.h>
#include <httplib.h>

#include <signal.h>
#include <string>

namespace {

// Every byte a terminal could act on, but the line feeds ending the rows and
// (when `sgr` is allowed) complete colour sequences of the form ESC [ digits;... m.
std::string steering_bytes(const std::string& text, bool sgr = false) {
    std::string found;
    for (std::size_t i = 0; i < text.size(); ++i) {
        auto c = static_cast<unsigned char>(text[i]);
        if (sgr && c == 0x1b && i + 1 < text.size() && text[i + 1] == '[') {
            std::size_t end = text.find_first_not_of("0123456789;", i + 2);
            if (end != std::string::npos && text[end] == 'm') {
                i = end;
                continue;
            }
        }
        if ((c < 0x20 && c != '\n') || c == 0x7f)
            found += "\\x" + std::to_string(c) + " at " + std::to_string(i) + "; ";
    }
    // U+202E RIGHT-TO-LEFT OVERRIDE and U+009B (CSI) as UTF-8.
    if (text.find("\xe2\x80\xae") != std::string::npos)
        found += "U+202E; ";
    if (text.find("\xc2\x9b") != std::string::npos)
        found += "U+009B; ";
    return found;
}

std::size_t lines(const std::string& text) {
    return static_cast<std::size_t>(std::count(text.begin(), text.end(), '\n'));
}

const std::string title = "\x1b]0;owned\x07";
const std::string red = "\x1b[31m";

} // namespace

TEST_CASE("bb-trace: event data cannot drive the terminal through the tree") {
    auto f = tracetest::fixture();
    if (!f)
        return;
    std::string root = f->event(), child = f->event();
    f->link(child, {root});
    f->summary(root, "evil" + title + ".type", "2025-10-18T14:03:07.123456+00:00",
               "app" + red + "\r\nforged row", "host");
    f->summary(child,
               "child\xe2\x80\xae"
               "desrever",
               "\x1b[2J\x00when", "", "\xc2\x9bhost");

    for (const char* color : {"never", "always"}) {
        CAPTURE(color);
        auto r = f->trace({root, "--color", color});
        REQUIRE_MESSAGE(r.status == 0, r.err);
        CHECK(steering_bytes(r.out, std::string(color) == "always") == "");
        CHECK(lines(r.out) == 2); // one row per event: no forged rows
        CHECK(r.out.find("evil\\x1b]0;owned\\x07.type") != std::string::npos);
        CHECK(r.out.find("\\r\\nforged row") != std::string::npos);
        CHECK(r.out.find("child\\u202edesrever") != std::string::npos);
        CHECK(r.out.find("\\u009bhost") != std::string::npos);
    }
}

TEST_CASE("bb-trace: a hostile member of a reverse set is shown escaped in the warning") {
    auto f = tracetest::fixture();
    if (!f)
        return;
    std::string root = f->event(), child = f->event();
    f->link(child, {root});
    f->redis().command({"SADD", tracetest::Fixture::reverse(root), "x" + red + "\x1b[2J\nfake"});
    auto r = f->trace({"descendants", root});
    CHECK(r.out == root + "\n" + child + "\n");
    CHECK(steering_bytes(r.err) == "");
    CHECK(r.err.find("x\\x1b[31m\\x1b[2J\\nfake") != std::string::npos);
}

TEST_CASE("bb-trace serve: a request path cannot forge log lines or drive the terminal") {
    auto f = tracetest::fixture();
    if (!f)
        return;
    int port = bbtest::free_loopback_port();
    bbtest::Background serve(
        {bbtest::binary("bb-trace"), "serve", "--http-port", std::to_string(port)}, f->options());
    httplib::Client client("127.0.0.1", port);
    REQUIRE(bbtest::wait_until(
        [&] {
            auto res = client.Get("/healthz");
            return res && res->status == 200;
        },
        std::chrono::seconds(10)));
    auto res = client.Get("/debug/correlation/x%0abb-trace: GET /forged 200%1b[31m%00%e2%80%ae");
    REQUIRE(res);
    CHECK(res->status == 404); // the decoded path has a slash too many
    CHECK(serve.stop(SIGTERM) == 0);
    std::string log = serve.err();
    CHECK(steering_bytes(log) == "");
    CHECK(log.find("\nbb-trace: GET /forged 200") == std::string::npos);
    CHECK(log.find("x\\nbb-trace: GET /forged 200\\x1b[31m\\x00\\u202e 404") != std::string::npos);
}
