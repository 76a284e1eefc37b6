#include "python_oracle.hpp"

#include "bloodbank/json.hpp"

#include <doctest/doctest.h>

#include <bit>
#include <cstdint>
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

// Python's reading of each number literal, as the bits of the double (or
// the integer itself), one per line.
constexpr std::string_view number_oracle = R"(
import sys, struct
for text in open(sys.argv[1]).read().split():
    if any(c in text for c in ".eE") or not -2**63 <= int(text) < 2**64:
        print("double", struct.unpack("<Q", struct.pack("<d", float(text)))[0])
    else:
        print("integer", int(text))
)";

std::string zeros(std::size_t n) {
    return std::string(n, '0');
}

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

TEST_CASE("json: a raw control character in a string is named, not called an escape") {
    CHECK(json_error("[\"a\tb\"]") == "unescaped control character U+0009 at byte 3");
    CHECK(json_error("{\"k\nk\":1}") == "unescaped control character U+000A at byte 3");
    CHECK(json_error("[\"\x1f\"]") == "unescaped control character U+001F at byte 2");
    // An invalid escape is still one.
    CHECK(json_error(R"(["a\qb"])") ==
          "invalid JSON at byte 3: Invalid escape character in string.");
    CHECK(compact(R"(["a\tb\u001f"])") == R"(["a\tb\u001f"])");
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

TEST_CASE("json: an escaped lone low surrogate is refused at its escape") {
    // RapidJSON refuses a high surrogate without its low half; a low one
    // alone has no UTF-8 encoding either, in a value or a key, in an ASCII
    // document or not.
    const std::string reason = ": The surrogate pair in string is invalid.";
    CHECK(json_error(R"(["\udc00"])") == "invalid JSON at byte 2" + reason);
    CHECK(json_error(R"(["ab\uDFFFcd"])") == "invalid JSON at byte 4" + reason);
    CHECK(json_error(R"({"k":1,"\udc00":2})") == "invalid JSON at byte 8" + reason);
    CHECK(json_error("[\"\xc3\xa9\", \"\\n\\udc00\"]") == "invalid JSON at byte 10" + reason);
    // A pair before it, an escaped backslash followed by "udc00", and an
    // escaped quote do not hide or fake one.
    CHECK(json_error(R"(["\ud83d\ude00\\udc00\"", "\udc00"])") ==
          "invalid JSON at byte 27" + reason);
    CHECK(compact(R"(["\ud83d\ude00","\\udc00","\u00e9"])") ==
          "[\"\xf0\x9f\x98\x80\",\"\\\\udc00\",\"\xc3\xa9\"]");
}

TEST_CASE("json: numbers have the value of their text, as Python reads them") {
    // 0e40 and long zero fractions are misread by RapidJSON 1.1.0's own
    // conversion; underflow is zero, integers past 64 bits are doubles.
    const std::vector<std::string> literals = {"0",
                                               "-0",
                                               "7",
                                               "-7",
                                               "4294967296",
                                               "-2147483649",
                                               "9223372036854775807",
                                               "-9223372036854775808",
                                               "18446744073709551615",
                                               "18446744073709551616",
                                               "-9223372036854775809",
                                               "1" + zeros(30),
                                               "0e40",
                                               "0E-40",
                                               "-0e40",
                                               "0.0",
                                               "-0.0",
                                               "0." + zeros(24),
                                               "0." + zeros(400) + "1",
                                               "0." + zeros(300) + "1",
                                               "1" + zeros(300) + "e-300",
                                               "0.1",
                                               "1.5",
                                               "1e22",
                                               "1e23",
                                               "2.5e-324",
                                               "2.4703282292062327e-324",
                                               "1e-400",
                                               "-1e-400",
                                               "1.7976931348623157e308",
                                               "0.1e309",
                                               "123456789012345678901234567890e-10",
                                               "9007199254740993",
                                               "9007199254740993.0",
                                               "1E2",
                                               "-2.5e-7"};
    std::string input;
    for (const auto& literal : literals)
        input += literal + "\n";
    auto expected = bbtest::split_lines(bbtest::run_python(number_oracle, input));
    REQUIRE(expected.size() == literals.size());
    for (std::size_t i = 0; i < literals.size(); ++i) {
        const std::string& literal = literals[i];
        CAPTURE(literal);
        auto doc = bb::parse_json("[" + literal + "]");
        REQUIRE_MESSAGE(doc, doc.error().message);
        const rapidjson::Value& number = (*doc)[0];
        if (expected[i].rfind("integer ", 0) == 0) {
            std::string value = expected[i].substr(8);
            CHECK((number.IsInt64() || number.IsUint64()));
            CHECK((number.IsInt64() ? std::to_string(number.GetInt64())
                                    : std::to_string(number.GetUint64())) == value);
        } else {
            REQUIRE(number.IsDouble());
            CHECK(std::to_string(std::bit_cast<std::uint64_t>(number.GetDouble())) ==
                  expected[i].substr(7));
        }
    }
    CHECK(compact("[0e40,-0e40,0.0000000000000000000000000]") == "[0.0,-0.0,0.0]");
}

TEST_CASE("json: a number too large for a double is an error at its first byte") {
    // Python reads these as inf (0e400 as 0.0), which has no JSON spelling:
    // refused, as RapidJSON refuses those it sees while scanning (1e400,
    // 0e400, 309 digits).
    const std::string reason = ": Number too big to be stored in double.";
    for (std::string literal : {"1e400", "0e400", "1.8e308", "-1.8e308", "10e308",
                                "1.7976931348623159e308", "17.9769313486231581e307"}) {
        CAPTURE(literal);
        CHECK(json_error("[1, " + literal + "]") == "invalid JSON at byte 4" + reason);
    }
    CHECK(json_error("[" + std::string(309, '9') + "]") == "invalid JSON at byte 1" + reason);
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
        const auto& literal = input; // clang 14 cannot capture a binding
        CAPTURE(literal);
        CHECK(compact("[" + input + "]") == "[" + expected + "]");
    }
    // Integers stay integers, whatever their size within 64 bits.
    CHECK(compact("[18446744073709551615,-9223372036854775808,0]") ==
          "[18446744073709551615,-9223372036854775808,0]");
}
