// Event data from Redis is untrusted: what bb-trace shows a person (the
// tree, its warnings) must never carry a
// control character that a terminal obeys. Hostile strings go into the real
// test Redis as the Python side could write them.
#include "support/terminal_bytes.hpp"
#include "test_bb_trace_fixtures.hpp"

#include <doctest/doctest.h>

#include <algorithm>
#include <string>

namespace {

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
        CHECK(bbtest::steering_bytes(r.out, std::string(color) == "always") == "");
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
    CHECK(bbtest::steering_bytes(r.err) == "");
    CHECK(r.err.find("x\\x1b[31m\\x1b[2J\\nfake") != std::string::npos);
}
