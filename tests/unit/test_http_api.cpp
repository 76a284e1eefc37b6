// The HTTP API's routes without a socket: everything decided before Redis is
// contacted. Served over loopback against a real Redis in
// tests/integration/test_bb_trace_serve.cpp.
#include "python_oracle.hpp"

#include "bloodbank/http_api.hpp"

#include <doctest/doctest.h>
#include <fmt/format.h>

#include <string>
#include <vector>

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

TEST_CASE("http_api: control characters in a detail are escaped in lower case, as json.dumps") {
    HttpApiOptions options;
    CHECK(dump_reply(options, "a\x1b\x1f\x7f").body ==
          "{\"detail\":\"Invalid UUID format: a\\u001b\\u001f\x7f\"}");
}

TEST_CASE("http_api: routes answer other methods 405 with Allow: GET, unknown paths 404") {
    HttpApiOptions options;
    for (std::string_view method : {"POST", "PUT", "DELETE", "HEAD", "OPTIONS", "get"}) {
        CAPTURE(method);
        for (std::string_view target :
             {"/healthz", "/debug/correlation/x", "/debug/correlation/x/chain?direction=up"}) {
            HttpReply reply = route_request(options, method, target);
            CHECK(reply.status == 405);
            CHECK(reply.body == R"({"detail":"Method Not Allowed"})");
            REQUIRE(reply.headers.size() == 1);
            CHECK(reply.headers[0] == std::pair<std::string, std::string>("Allow", "GET"));
        }
        CHECK(route_request(options, method, "/nowhere").status == 404);
    }
    for (std::string_view target :
         {"/healthz/", "/debug/correlation/", "/debug/correlation//chain", "/debug/correlation/a/b",
          "/debug/correlation/a%2fb", "/debug/correlation/a/chain/x"}) {
        CAPTURE(target);
        HttpReply reply = route_request(options, "GET", target);
        CHECK(reply.status == 404);
        CHECK(reply.body == R"({"detail":"Not Found"})");
    }
    CHECK(route_request(options, "GET", "/healthz?x=1").body ==
          R"({"ok":true,"service":"bloodbank"})");
    // The path is matched decoded: %78 is an x.
    CHECK(route_request(options, "GET", "/debug/correlation/%78yz").body ==
          R"({"detail":"Invalid UUID format: xyz"})");
    // "chain" alone is an id, not the chain route.
    CHECK(route_request(options, "GET", "/debug/correlation/chain").body ==
          R"({"detail":"Invalid UUID format: chain"})");
}

TEST_CASE("http_api: query parameters are read as Starlette reads them, the last one winning") {
    HttpApiOptions options;
    auto detail_for = [&](std::string_view query) {
        return route_request(options, "GET", "/debug/correlation/bad/chain?" + std::string(query))
            .body;
    };
    const std::string bad_id = R"({"detail":"Invalid UUID format: bad"})";
    auto bad_direction = [](std::string_view direction) {
        return "{\"detail\":\"Invalid direction: " + std::string(direction) +
               ". Must be 'ancestors' or 'descendants'\"}";
    };
    // A valid direction gets as far as the id.
    CHECK(detail_for("direction=up&direction=descendants") == bad_id);
    CHECK(detail_for("direction=descendants&direction=up") == bad_direction("up"));
    CHECK(detail_for("direction=descendants&direction") == bad_direction(""));
    CHECK(detail_for("direction=descendants&direction=") == bad_direction(""));
    CHECK(detail_for("dir%65ction=a+b%21") == bad_direction("a b!"));
    CHECK(detail_for("x=1&&direction=ancestors&y") == bad_id);
    CHECK(detail_for("directionx=up") == bad_id);
}

TEST_CASE("http_api: ids are read as Python's uuid.UUID() reads them") {
    const std::vector<std::string> forms = {
        "0f8fad5b-d9cb-469f-a165-70867728950e",
        "0F8FAD5B-D9CB-469F-A165-70867728950E",
        "0f8fad5bd9cb469fa16570867728950e",
        "{0f8fad5b-d9cb-469f-a165-70867728950e}",
        "{{0f8fad5bd9cb469fa16570867728950e}",
        "urn:uuid:0f8fad5b-d9cb-469f-a165-70867728950e",
        "URN:UUID:0f8fad5b-d9cb-469f-a165-70867728950e",
        "uuid:0f8fad5b-d9cb-469f-a165-70867728950e",
        "{urn:uuid:0F8FAD5BD9CB469FA16570867728950E}",
        "0f8f-ad5bd9cb469fa16570867728950e---",
        "0x0fad5bd9cb469fa16570867728950e",
        "0X_fad5bd9cb469fa16570867728950e",
        "+f8fad5bd9cb469fa16570867728950e",
        "+0xfad5bd9cb469fa16570867728950e",
        " f8fad5bd9cb469fa16570867728950e",
        "\tf8fad5bd9cb469fa16570867728950\n",
        "\x0b"
        "f8fad5bd9cb469fa16570867728950e",
        "\x1f"
        "f8fad5bd9cb469fa16570867728950e",
        "0f8f_ad5b_d9cb_469f_a165_7086772",
        "0f8f__d5bd9cb469fa16570867728950",
        "_f8fad5bd9cb469fa16570867728950e",
        "0f8fad5bd9cb469fa16570867728950_",
        "0x_f_ad5bd9cb469fa16570867728950",
        "0f8fad5bd9cb469fa16570867728950",
        "0f8fad5bd9cb469fa16570867728950e0",
        "0f8fad5bd9cb469fa16570867728950g",
        "0f8fad5b d9cb469fa16570867728950",
        "++f8fad5bd9cb469fa16570867728950",
        "0x",
        "",
        "{}",
        "urn:uuid:",
        "urn:urn:uuid:0f8fad5bd9cb469fa16570867728950e",
        "uurn:uid:0f8fad5bd9cb469fa16570867728950e",
        "{0f8fad5b-d9cb-469f-a165-70867728950e}x",
    };
    // Passed as hex, so that whitespace and controls survive the lines.
    std::string input;
    for (const std::string& form : forms) {
        for (unsigned char c : form)
            input += fmt::format("{:02x}", c);
        input += '\n';
    }
    std::string out = bbtest::run_python(R"(
import sys, uuid
for line in open(sys.argv[1]):
    try:
        print(uuid.UUID(bytes.fromhex(line.strip()).decode()))
    except ValueError:
        print("invalid")
)",
                                         input);
    auto expected = bbtest::split_lines(out);
    REQUIRE(expected.size() == forms.size());
    for (std::size_t i = 0; i < forms.size(); ++i) {
        CAPTURE(forms[i]);
        auto id = parse_uuid_as_python(forms[i]);
        CHECK((id ? id->str() : "invalid") == expected[i]);
    }
}

TEST_CASE("http_api: http_url puts an IPv6 address in brackets") {
    CHECK(http_url("127.0.0.1", 8682) == "http://127.0.0.1:8682");
    CHECK(http_url("localhost", 1) == "http://localhost:1");
    CHECK(http_url("::1", 8682) == "http://[::1]:8682");
    CHECK(http_url("[::1]", 8682) == "http://[::1]:8682");
    CHECK(http_url("fe80::1%lo", 80) == "http://[fe80::1%lo]:80");
}
