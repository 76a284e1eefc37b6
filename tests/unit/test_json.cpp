#include "python_oracle.hpp"

#include "bloodbank/json.hpp"

#include <doctest/doctest.h>

#include <string>
#include <vector>

namespace {

std::string json_error(std::string_view text, const bb::JsonLimits& limits = {}) {
    auto parsed = bb::parse_json(text, limits);
    REQUIRE_MESSAGE(!parsed, "accepted: " << text);
    CHECK(parsed.error().kind == bb::ErrorKind::data);
    CHECK(bb::exit_code(parsed.error().kind) == 65);
    return parsed.error().message;
}

std::string compact(std::string_view text) {
    auto parsed = bb::parse_json(text);
    REQUIRE_MESSAGE(parsed, parsed.error().message);
    return bb::to_compact_json(*parsed);
}

std::string nested_arrays(std::size_t depth) {
    return std::string(depth, '[') + std::string(depth, ']');
}

// What the Python side writes for the same value: orjson's bytes equal
// json.dumps with these options for strings, integers and these floats
// (exponent forms differ between the two, 1e+21 against 1e21, so none here).
constexpr std::string_view compact_oracle = R"(
import sys, json
for line in open(sys.argv[1], encoding="utf-8").read().splitlines():
    print(json.dumps(json.loads(line), separators=(",", ":"), ensure_ascii=False))
)";

} // namespace

TEST_CASE("json: to_compact_json writes the bytes Python writes") {
    const std::vector<std::string> inputs = {
        R"({ "a" : 1 , "b" : [ true , false , null ] , "c" : { } , "d" : [ ] })",
        R"(["\u0000\u0001\u0007\b\t\n\u000b\f\r\u000e\u001a\u001b\u001f \u007f"])",
        R"(["quote \" backslash \\ slash / escaped slash \/"])",
        R"(["é ü ß 日本語 😀 \u00e9 \ud83d\ude00 \u2028 \u2029 \u0085"])",
        R"({"nested":{"deeper":{"list":[1,-2,3,{"k":"v"}]}},"empty":""})",
        R"([0,-1,9223372036854775807,-9223372036854775808,18446744073709551615])",
        R"([1.5,0.1,-0.0,1.0,123456789.123,5e-324,0.001])",
        R"("just a string")",
        R"(null)",
        R"({"\n key with \"escapes\"":"\\\\"})",
    };
    std::string input;
    for (const auto& line : inputs)
        input += line + "\n";
    auto expected = bbtest::split_lines(bbtest::run_python(compact_oracle, input));
    REQUIRE(expected.size() == inputs.size());
    for (std::size_t i = 0; i < inputs.size(); ++i) {
        CAPTURE(inputs[i]);
        CHECK(compact(inputs[i]) == expected[i]);
    }
}

TEST_CASE("json: append_compact_json appends after existing text") {
    auto parsed = bb::parse_json(R"({"a":"\u001F"})");
    REQUIRE(parsed);
    std::string out = "\\u00AB ";
    bb::append_compact_json(*parsed, out);
    // What was there before is left alone; the new escape is lowercase.
    CHECK(out == "\\u00AB {\"a\":\"\\u001f\"}");
}

TEST_CASE("json: a document larger than the limit is rejected before parsing") {
    std::string big = "\"" + std::string(1024 * 1024 - 1, 'x') + "\""; // 1 MiB + 1
    CHECK(json_error(big) == "document of 1048577 bytes is larger than the limit of 1048576 bytes");
    std::string fits = "\"" + std::string(1024 * 1024 - 2, 'x') + "\""; // exactly 1 MiB
    CHECK(bb::parse_json(fits));
    CHECK(json_error("[1, 2]", bb::JsonLimits{5, 64}) ==
          "document of 6 bytes is larger than the limit of 5 bytes");
}

TEST_CASE("json: nesting deeper than the limit names the opening bracket") {
    CHECK(bb::parse_json(nested_arrays(64)));
    // The 65th '[' is byte 64.
    CHECK(json_error(nested_arrays(65)) == "nesting deeper than 64 levels at byte 64");
    CHECK(json_error(R"({"a":{"b":[1]}})", bb::JsonLimits{1024, 2}) ==
          "nesting deeper than 2 levels at byte 10");
    // The limit counts open containers, not all the containers seen.
    CHECK(bb::parse_json("[[[]],[[]],[[]]]", bb::JsonLimits{1024, 3}));
}

TEST_CASE("json: invalid UTF-8 is rejected at the offending byte") {
    CHECK(json_error("[\"ab\xff\"]") == "invalid UTF-8 at byte 4");
    CHECK(json_error("{\"k\xc3\":1}") == "invalid UTF-8 at byte 3");
    CHECK(json_error("[\"\xc0\xaf\"]") == "invalid UTF-8 at byte 2");         // overlong '/'
    CHECK(json_error("[\"\xed\xa0\x80\"]") == "invalid UTF-8 at byte 2");     // a surrogate
    CHECK(json_error("[\"\xf4\x90\x80\x80\"]") == "invalid UTF-8 at byte 2"); // above U+10FFFF
}

TEST_CASE("json: a raw NUL byte is rejected wherever it is") {
    CHECK(json_error(std::string("[\"a\0b\"]", 7)) == "NUL byte at byte 3");
    CHECK(json_error(std::string("{}\0", 3)) == "NUL byte at byte 2");
    // An escaped NUL is ordinary JSON.
    CHECK(compact(R"(["a\u0000b"])") == R"(["a\u0000b"])");
}

TEST_CASE("json: duplicate keys are rejected at every level") {
    // The key ends at byte 9; the parser reports the byte after it.
    CHECK(json_error(R"({"a":1,"a":2})") == R"(duplicate key "a" at byte 10)");
    CHECK(json_error(R"({"a":1,"b":{"c":1,"c":2}})") == R"(duplicate key "c" at byte 21)");
    // The same key in sibling objects is fine.
    CHECK(bb::parse_json(R"([{"a":1},{"a":2}])"));
}

TEST_CASE("json: duplicate keys are found in objects of any size and after nesting") {
    // Objects past 32 keys are checked through a hash set: the duplicate of an
    // early key, of a key around the switch, and of the last key are all found.
    std::string object = "{";
    for (int i = 0; i < 100; ++i)
        object += (i ? ",\"k" : "\"k") + std::to_string(i) + "\":" + std::to_string(i);
    CHECK(bb::parse_json(object + "}"));
    for (std::string key : {"k0", "k31", "k32", "k33", "k99"}) {
        std::string text = object + ",\"" + key + "\":0}";
        CHECK(json_error(text) ==
              "duplicate key \"" + key + "\" at byte " + std::to_string(text.size() - 3));
    }
    // The same key in a parent and its child is fine; the parent's keys are
    // still known after a large child object closes.
    CHECK(bb::parse_json(R"({"a":{"a":{"a":1}},"b":2})"));
    std::string text = R"({"p":1,"big":)" + object + R"(},"p":2})";
    CHECK(json_error(text) == "duplicate key \"p\" at byte " + std::to_string(text.size() - 3));
    // A document that failed half-way leaves nothing behind for the next one.
    CHECK(json_error(R"({"a":{"b":1,"b":2}})") == R"(duplicate key "b" at byte 15)");
    CHECK(bb::parse_json(R"({"b":1,"a":2})"));
    // Non-ASCII keys (the validating parse) are compared as bytes too.
    CHECK(json_error("{\"\xc3\xa9\":1,\"\xc3\xa9\":2}") == "duplicate key \"\xc3\xa9\" at byte 12");
    CHECK(bb::parse_json("{\"\xc3\xa9\":1,\"e\xcc\x81\":2}"));
}

TEST_CASE("json: syntax errors give the byte and RapidJSON's reason") {
    CHECK(json_error("") == "invalid JSON at byte 0: The document is empty.");
    CHECK(json_error("[1,2 x]") ==
          "invalid JSON at byte 5: Missing a comma or ']' after an array element.");
    CHECK(json_error("[1] [2]") ==
          "invalid JSON at byte 4: The document root must not be followed by other values.");
    CHECK(json_error(R"(["\ud800"])") ==
          "invalid JSON at byte 2: The surrogate pair in string is invalid.");
    CHECK(bb::parse_json("  \n{\"a\":1}\r\n\t"));
}

TEST_CASE("json: json_type_name names values as a person would") {
    auto doc = bb::parse_json(R"([null,true,false,{},[],"s",1,-1,18446744073709551615,1.5])");
    REQUIRE(doc);
    const auto& a = doc->GetArray();
    const char* expected[] = {"null",   "boolean", "boolean", "object",  "array",
                              "string", "integer", "integer", "integer", "number"};
    for (rapidjson::SizeType i = 0; i < a.Size(); ++i)
        CHECK(bb::json_type_name(a[i]) == expected[i]);
}

TEST_CASE("json: floats are written as orjson writes them") {
    // Each right-hand side was printed by orjson.dumps(float(left)) with the
    // orjson the Python publisher uses; json.dumps differs (1e+16, 1e-05).
    const std::vector<std::pair<std::string, std::string>> cases = {
        {"1e16", "1e16"},
        {"1e15", "1000000000000000.0"},
        {"123456789012345680.0", "1.2345678901234568e17"},
        {"1e-6", "1e-6"},
        {"1e-5", "0.00001"},
        {"0.0001", "0.0001"},
        {"100.0", "100.0"},
        {"1.5", "1.5"},
        {"0.30000000000000004", "0.30000000000000004"},
        {"1e21", "1e21"},
        {"-0.0", "-0.0"},
        {"0.0", "0.0"},
        {"5e-324", "5e-324"},
        {"1.7976931348623157e308", "1.7976931348623157e308"},
        {"12345.678", "12345.678"},
        {"-2.5e-7", "-2.5e-7"},
    };
    for (const auto& [input, expected] : cases) {
        CAPTURE(input);
        CHECK(compact("[" + input + "]") == "[" + expected + "]");
    }
    // Integers stay integers, whatever their size within 64 bits.
    CHECK(compact("[18446744073709551615,-9223372036854775808,0]") ==
          "[18446744073709551615,-9223372036854775808,0]");
}
