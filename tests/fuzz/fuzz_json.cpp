// Fuzz target: bb::parse_json, the gate every document passes through.
// Invariants, checked whenever the input parses:
//  - the limits hold: the input fits max_bytes, has no NUL byte, the
//    document nests no deeper than max_depth, no object repeats a key;
//  - every string in the document is valid UTF-8 (what we publish must be);
//  - to_compact_json writes text that parses again and serializes to the
//    same bytes (compact output is a fixed point);
//  - a tighter depth limit accepts the document exactly when it is deep
//    enough, and then yields the same document;
//  - every number has the value its text denotes: an integer that fits 64
//    bits exactly, anything else the correctly rounded double (glibc's
//    strtod, as Python's float() reads it), and nothing that overflows.
// Every error must be ErrorKind::data with a non-empty message.
#include "fuzz_check.hpp"

#include "bloodbank/json.hpp"

#include <algorithm>
#include <bit>
#include <charconv>
#include <cmath>
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <set>
#include <string>
#include <string_view>

namespace {

using bb_fuzz::check;

constexpr bb::JsonLimits limits{64 * 1024, 32};
constexpr unsigned shallow_depth = 3;

std::string_view view(const rapidjson::Value& string) {
    return {string.GetString(), string.GetStringLength()};
}

// Nesting depth counted as parse_json does: each object or array is a level.
unsigned depth_of(const rapidjson::Value& value) {
    unsigned deepest = 0;
    if (value.IsObject()) {
        for (const auto& member : value.GetObject())
            deepest = std::max(deepest, depth_of(member.value));
        return deepest + 1;
    }
    if (value.IsArray()) {
        for (const auto& item : value.GetArray())
            deepest = std::max(deepest, depth_of(item));
        return deepest + 1;
    }
    return 0;
}

void check_strings(const rapidjson::Value& value) {
    if (value.IsString()) {
        check(bb_fuzz::is_valid_utf8(view(value)),
              "parse_json produced a string that is not UTF-8");
    } else if (value.IsObject()) {
        std::set<std::string_view> keys;
        for (const auto& member : value.GetObject()) {
            check(bb_fuzz::is_valid_utf8(view(member.name)),
                  "parse_json produced a key that is not UTF-8");
            check(keys.insert(view(member.name)).second, "parse_json let a duplicate key through",
                  view(member.name));
            check_strings(member.value);
        }
    } else if (value.IsArray()) {
        for (const auto& item : value.GetArray())
            check_strings(item);
    }
}

// The value of one number, judged from its text (`raw`, as RapidJSON's
// kParseNumbersAsStringsFlag hands it over) rather than from RapidJSON's
// own conversion.
void check_number(const rapidjson::Value& number, std::string_view raw) {
    std::string detail = std::string("number ") + std::string(raw);
    check(number.IsNumber(), "a number became something else", detail);
    bool integer = raw.find_first_of(".eE") == std::string_view::npos;
    const char* end = raw.data() + raw.size();
    if (integer && raw.front() == '-') {
        std::int64_t value = 0;
        if (std::from_chars(raw.data(), end, value).ec == std::errc{}) {
            check(number.IsInt64() && number.GetInt64() == value, "an integer changed value",
                  detail);
            return;
        }
    } else if (integer) {
        std::uint64_t value = 0;
        if (std::from_chars(raw.data(), end, value).ec == std::errc{}) {
            check(number.IsUint64() && number.GetUint64() == value, "an integer changed value",
                  detail);
            return;
        }
    }
    std::string text(raw); // strtod reads the "C" locale's '.': nothing here calls setlocale
    double expected = std::strtod(text.c_str(), nullptr);
    check(std::isfinite(expected), "a number too large for a double was accepted", detail);
    check(number.IsDouble(), "a non-integer number is not a double", detail);
    check(std::bit_cast<std::uint64_t>(number.GetDouble()) ==
              std::bit_cast<std::uint64_t>(expected),
          "a number does not have the value of its text", detail);
}

// Walks the parsed document and the same text parsed with numbers as strings.
void check_numbers(const rapidjson::Value& value, const rapidjson::Value& raw) {
    if (value.IsNumber()) {
        check(raw.IsString(), "the two parses disagree on a number");
        check_number(value, view(raw));
    } else if (value.IsObject()) {
        check(raw.IsObject() && raw.MemberCount() == value.MemberCount(),
              "the two parses disagree on an object");
        auto r = raw.MemberBegin();
        for (auto m = value.MemberBegin(); m != value.MemberEnd(); ++m, ++r)
            check_numbers(m->value, r->value);
    } else if (value.IsArray()) {
        check(raw.IsArray() && raw.Size() == value.Size(), "the two parses disagree on an array");
        for (rapidjson::SizeType i = 0; i < value.Size(); ++i)
            check_numbers(value[i], raw[i]);
    }
}

void check_error(const bb::Error& error) {
    check(error.kind == bb::ErrorKind::data, "parse_json error is not ErrorKind::data",
          error.message);
    check(!error.message.empty(), "parse_json error without a message");
}

} // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    std::string_view input(reinterpret_cast<const char*>(data), size);
    auto doc = bb::parse_json(input, limits);
    auto shallow = bb::parse_json(input, {limits.max_bytes, shallow_depth});
    if (!doc) {
        check_error(doc.error());
        check(!shallow, "a tighter depth limit accepted what the wider one refused");
        return 0;
    }
    check(input.size() <= limits.max_bytes, "parse_json accepted a document over max_bytes");
    check(input.find('\0') == std::string_view::npos, "parse_json accepted a NUL byte");
    unsigned depth = depth_of(*doc);
    check(depth <= limits.max_depth, "parse_json accepted a document nested too deep");
    check_strings(*doc);
    rapidjson::Document raw;
    raw.Parse<rapidjson::kParseNumbersAsStringsFlag | rapidjson::kParseIterativeFlag>(input.data(),
                                                                                      input.size());
    check(!raw.HasParseError(), "RapidJSON's own parse rejects what parse_json accepted");
    check_numbers(*doc, raw);

    std::string first = bb::to_compact_json(*doc);
    check(bb_fuzz::is_valid_utf8(first), "to_compact_json wrote invalid UTF-8", first);
    // Compact output can be longer than the input ("1e9" becomes
    // "1000000000.0"), so only the depth limit applies to it.
    auto again = bb::parse_json(first, {16 * 1024 * 1024, limits.max_depth});
    if (!again)
        bb_fuzz::fail("to_compact_json wrote text that parse_json rejects", again.error().message);
    std::string second = bb::to_compact_json(*again);
    check(first == second, "to_compact_json is not a fixed point",
          std::string("first:  ") + first + "\n  second: " + second);

    if (depth <= shallow_depth) {
        check(shallow.has_value(), "a shallow document failed the tighter depth limit",
              shallow ? std::string_view() : std::string_view(shallow.error().message));
        check(bb::to_compact_json(*shallow) == first, "the depth limit changed the document");
    } else {
        check(!shallow, "a document deeper than the limit was accepted");
        check(shallow.error().message.find("nesting deeper than") != std::string::npos,
              "a too-deep document failed for another reason", shallow.error().message);
    }
    return 0;
}
