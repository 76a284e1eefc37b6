#include "python_oracle.hpp"

#include "bloodbank/event_id.hpp"
#include "bloodbank/json.hpp"

#include <doctest/doctest.h>
#include <fmt/format.h>

#include <cstdio>
#include <random>
#include <set>
#include <string>
#include <vector>

namespace {

// Pieces that stress the id text: separators the formula itself uses,
// spaces, quotes and control characters, combining marks (e + U+0301),
// code points that sort differently in UTF-16 than in UTF-8 (U+E000, U+FFFF
// against astral ones), the astral plane and the last code point.
const std::vector<std::string> atoms = {
    "",
    "a",
    "Z",
    "k",
    "_",
    "|",
    "=",
    ":",
    " ",
    "\t",
    "\"",
    "\\",
    "\x01",
    "\x7f",
    "0",
    "user_id",
    "é",
    "e\xcc\x81",
    "\xe4\xb8\xad",
    "\xee\x80\x80",
    "\xef\xbf\xbf",
    "\xf0\x9f\x98\x80",
    "\xf4\x8f\xbf\xbf",
    "a=b",
    "x|y",
    "ns:type",
};

std::string random_text(std::mt19937_64& rng) {
    std::string text;
    for (auto n = rng() % 6; n > 0; --n)
        text += atoms[rng() % atoms.size()];
    return text;
}

// JSON string literal: escapes what JSON requires, UTF-8 passes through.
std::string json_string(std::string_view text) {
    std::string out = "\"";
    for (char c : text) {
        if (c == '"' || c == '\\') {
            out += '\\';
            out += c;
        } else if (static_cast<unsigned char>(c) < 0x20) {
            char escape[8];
            std::snprintf(escape, sizeof(escape), "\\u%04x", static_cast<unsigned char>(c));
            out += escape;
        } else {
            out += c;
        }
    }
    return out + "\"";
}

} // namespace

TEST_CASE("event_id: the check vectors of DESIGN section 3") {
    CHECK(bb::event_id_for_key("fireflies.transcript.upload", "meeting_abc123").str() ==
          "92ac3d31-3cbb-5518-9cc9-eaa1d1198639");
    CHECK(bb::event_id_for_fields("fireflies.transcript.upload",
                                  {{"user_id", "user_456"}, {"meeting_id", "abc123"}})
              .str() == "dcbf406d-aaae-5a9a-8b36-38bb4f5ac1e7");
    CHECK(bb::event_id_for_fields("fireflies.transcript.upload",
                                  {{"meeting_id", "abc123"}, {"user_id", "user_456"}})
              .str() == "dcbf406d-aaae-5a9a-8b36-38bb4f5ac1e7");
    CHECK(bb::event_id_for_key("test.event", "key_123", "other_system").str() ==
          "ec729c22-7ab4-5b35-b78b-a3ba3397746d");
}

TEST_CASE("event_id: the default namespace is bloodbank") {
    CHECK(bb::event_id_for_key("fireflies.transcript.upload", "meeting_abc123", "bloodbank") ==
          bb::event_id_for_key("fireflies.transcript.upload", "meeting_abc123"));
    CHECK(bb::event_id_for_key("fireflies.transcript.upload", "meeting_abc123", "other") !=
          bb::event_id_for_key("fireflies.transcript.upload", "meeting_abc123"));
}

TEST_CASE("event_id: fields_key sorts by key bytes and joins k=v with |") {
    CHECK(bb::fields_key({}) == "");
    CHECK(bb::fields_key({{"only", "one"}}) == "only=one");
    CHECK(bb::fields_key({{"user_id", "user_456"}, {"meeting_id", "abc123"}}) ==
          "meeting_id=abc123|user_id=user_456");
    // Uppercase sorts before lowercase, "a" before "a_", U+FFFF before U+1F600.
    CHECK(bb::fields_key({{"a_", "3"}, {"a", "2"}, {"B", "1"}}) == "B=1|a=2|a_=3");
    CHECK(bb::fields_key({{"\xf0\x9f\x98\x80", "astral"}, {"\xef\xbf\xbf", "bmp"}}) ==
          "\xef\xbf\xbf=bmp|\xf0\x9f\x98\x80=astral");
    // Values are never split or escaped.
    CHECK(bb::fields_key({{"k", "a=b|c"}, {"", ""}}) == "=|k=a=b|c");
    // Duplicate keys (impossible in Python) keep their input order.
    CHECK(bb::fields_key({{"k", "2"}, {"k", "1"}}) == "k=2|k=1");
}

TEST_CASE("event_id: fields_key sorts many fields, duplicates in input order") {
    bb::IdFields fields;
    for (int i = 39; i >= 0; --i) {
        std::string key = fmt::format("k{:02}", i);
        fields.emplace_back(key, i == 5 ? "first" : std::to_string(i));
        if (i == 5)
            fields.emplace_back(key, "second");
    }
    std::string expected;
    for (int i = 0; i < 40; ++i) {
        expected +=
            i == 5 ? "|k05=first|k05=second" : fmt::format("{}k{:02}={}", i ? "|" : "", i, i);
    }
    CHECK(bb::fields_key(fields) == expected);
}

TEST_CASE("event_id: thousands of random inputs match python3's uuid5") {
    std::mt19937_64 rng(0xb100dba7c);
    struct Case {
        std::string ns, type, key;
        bb::IdFields fields;
    };
    std::vector<Case> cases;
    std::string input;
    for (int i = 0; i < 3000; ++i) {
        Case c{random_text(rng), random_text(rng), random_text(rng), {}};
        std::set<std::string> keys;
        for (auto n = rng() % 6; n > 0; --n) {
            std::string key = random_text(rng);
            if (keys.insert(key).second)
                c.fields.emplace_back(key, random_text(rng));
        }
        input += "{\"ns\":" + json_string(c.ns) + ",\"type\":" + json_string(c.type) +
                 ",\"key\":" + json_string(c.key) + ",\"fields\":[";
        for (std::size_t f = 0; f < c.fields.size(); ++f)
            input += (f ? ",[" : "[") + json_string(c.fields[f].first) + "," +
                     json_string(c.fields[f].second) + "]";
        input += "]}\n";
        cases.push_back(std::move(c));
    }
    std::string out = bbtest::run_python(R"(
import json, sys, uuid
for line in open(sys.argv[1], encoding="utf-8"):
    r = json.loads(line)
    ns, event_type, fields = r["ns"], r["type"], dict(r["fields"])
    print(uuid.uuid5(uuid.NAMESPACE_OID, f"{ns}:{event_type}:{r['key']}"))
    unique_key = "|".join(f"{k}={v}" for k, v in sorted(fields.items()))
    print(uuid.uuid5(uuid.NAMESPACE_OID, f"{ns}:{event_type}:{unique_key}"))
    print(json.dumps(unique_key))
)",
                                         input);
    auto lines = bbtest::split_lines(out);
    REQUIRE(lines.size() == 3 * cases.size());
    for (std::size_t i = 0; i < cases.size(); ++i) {
        const Case& c = cases[i];
        CAPTURE(i);
        CHECK(bb::event_id_for_key(c.type, c.key, c.ns).str() == lines[3 * i]);
        CHECK(bb::event_id_for_fields(c.type, c.fields, c.ns).str() == lines[3 * i + 1]);
        auto python_key = bb::parse_json(lines[3 * i + 2]);
        REQUIRE(python_key.has_value());
        CHECK(bb::fields_key(c.fields) ==
              std::string(python_key->GetString(), python_key->GetStringLength()));
    }
}

TEST_CASE("event_id: append_id_name writes ns:type:key after what is there") {
    std::string name = "reused";
    name.clear();
    bb::append_id_name(name, "bloodbank", "a.b", "k");
    CHECK(name == "bloodbank:a.b:k");
    bb::append_id_name(name, "", "", "");
    CHECK(name == "bloodbank:a.b:k::");
}
