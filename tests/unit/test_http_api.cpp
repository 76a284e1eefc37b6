// The HTTP API's routes without a socket: everything decided before Redis is
// contacted. Served over loopback against a real Redis in
// tests/integration/test_bb_trace_serve.cpp.
#include "bloodbank/http_api.hpp"

#include <doctest/doctest.h>

using namespace bb;

TEST_CASE("http_api: healthz answers as the Python service does") {
    HttpApiOptions options;
    options.service_name = "bloodbank-test";
    HttpReply reply = healthz_reply(options);
    CHECK(reply.status == 200);
    CHECK(reply.body == R"({"ok":true,"service":"bloodbank-test"})");
}

TEST_CASE("http_api: a malformed id is 400 with FastAPI's detail") {
    HttpApiOptions options;
    HttpReply dump = dump_reply(options, "not-a-uuid");
    CHECK(dump.status == 400);
    CHECK(dump.body == R"({"detail":"Invalid UUID format: not-a-uuid"})");
    HttpReply chain = chain_reply(options, "not-a-uuid", std::nullopt);
    CHECK(chain.status == 400);
    CHECK(chain.body == R"({"detail":"Invalid UUID format: not-a-uuid"})");
}

TEST_CASE("http_api: a bad direction is 400, checked before the id") {
    HttpApiOptions options;
    HttpReply reply = chain_reply(options, "also-bad", std::string_view("up"));
    CHECK(reply.status == 400);
    CHECK(reply.body ==
          R"({"detail":"Invalid direction: up. Must be 'ancestors' or 'descendants'"})");
    HttpReply empty = chain_reply(options, "also-bad", std::string_view(""));
    CHECK(empty.status == 400);
    CHECK(empty.body ==
          R"({"detail":"Invalid direction: . Must be 'ancestors' or 'descendants'"})");
}

TEST_CASE("http_api: details are escaped, and a path that is not UTF-8 is refused plainly") {
    HttpApiOptions options;
    CHECK(dump_reply(options, "a\"b").body == R"({"detail":"Invalid UUID format: a\"b"})");
    HttpReply bad = dump_reply(options, "\xff\xfe");
    CHECK(bad.status == 400);
    CHECK(bad.body == R"({"detail":"the request is not valid UTF-8"})");
}
