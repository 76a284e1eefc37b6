#include "python_oracle.hpp"

#include "bloodbank/envelope.hpp"

#include <doctest/doctest.h>
#include <fmt/format.h>

#include <chrono>
#include <string>
#include <vector>

namespace {

// Already in canonical form: serialize(parse(x)) must give x back unchanged.
const std::string canonical =
    R"({"event_id":"6f1c3c2e-8b0a-4c9a-9d6e-2f4f1b2a3c4d","event_type":"test.event",)"
    R"("timestamp":"2025-10-18T14:03:07.123456+00:00","version":"1.0.0",)"
    R"("source":{"host":"h1","type":"manual","app":"app","meta":null},)"
    R"("correlation_ids":[],"agent_context":null,"payload":{"x":1}})";

constexpr std::string_view id_a = "11111111-1111-4111-8111-111111111111";
constexpr std::string_view id_b = "22222222-2222-4222-8222-222222222222";
constexpr std::string_view id_c = "33333333-3333-4333-8333-333333333333";

std::string envelope_error(std::string_view json, const bb::EnvelopeOptions& options = {}) {
    auto parsed = bb::parse_envelope(json, options);
    REQUIRE_MESSAGE(!parsed, "accepted: " << json);
    CHECK(parsed.error().kind == bb::ErrorKind::data);
    CHECK(bb::exit_code(parsed.error().kind) == 65);
    return parsed.error().message;
}

bb::Envelope parsed(std::string_view json, const bb::EnvelopeOptions& options = {}) {
    auto result = bb::parse_envelope(json, options);
    REQUIRE_MESSAGE(result, (result ? "" : result.error().message) << " for " << json);
    return *result;
}

// A minimal valid envelope with extra members spliced in after event_type.
std::string with(std::string_view members) {
    return fmt::format(R"({{"event_type":"t.e","payload":null{}{}}})", members.empty() ? "" : ",",
                       members);
}

std::string uuid_reason(std::string_view text) {
    auto id = bb::parse_uuid(text);
    REQUIRE(!id);
    return id.error().message;
}

// Python's reading of the same rules: model field order, every key written,
// UUIDs lowercased, duplicate parents dropped, v1 correlation_id upgraded,
// timestamps through datetime.isoformat(), json.dumps compact with UTF-8.
constexpr std::string_view envelope_oracle = R"(
import sys, json, uuid, datetime
AGENT = ["type", "name", "system_prompt", "instance_id", "mcp_servers", "file_references",
         "url_references", "code_state", "checkpoint_id", "meta"]
CODE = ["repo_url", "branch", "working_diff", "branch_diff", "last_commit_hash"]
def ordered(d, keys):
    return None if d is None else {k: d.get(k) for k in keys}
for line in open(sys.argv[1], encoding="utf-8").read().splitlines():
    d = json.loads(line)
    if "correlation_id" in d:
        ids = [] if d["correlation_id"] is None else [d["correlation_id"]]
    else:
        ids = d.get("correlation_ids", [])
    parents = []
    for i in ids:
        u = str(uuid.UUID(i))
        if u not in parents:
            parents.append(u)
    agent = ordered(d.get("agent_context"), AGENT)
    if agent is not None:
        agent["code_state"] = ordered(agent["code_state"], CODE)
    src = d["source"]
    out = {
        "event_id": str(uuid.UUID(d["event_id"])),
        "event_type": d["event_type"],
        "timestamp": datetime.datetime.fromisoformat(d["timestamp"]).isoformat(),
        "version": d.get("version", "1.0.0"),
        "source": {"host": src["host"], "type": src["type"], "app": src.get("app"),
                   "meta": src.get("meta")},
        "correlation_ids": parents,
        "agent_context": agent,
        "payload": d["payload"],
    }
    print(json.dumps(out, separators=(",", ":"), ensure_ascii=False))
)";

} // namespace

TEST_CASE("envelope: a canonical envelope round-trips byte for byte") {
    bb::Envelope envelope = parsed(canonical);
    CHECK(envelope.event_id.str() == "6f1c3c2e-8b0a-4c9a-9d6e-2f4f1b2a3c4d");
    CHECK(envelope.event_type == "test.event");
    CHECK(envelope.timestamp.offset_minutes == 0);
    CHECK(envelope.version == "1.0.0");
    CHECK(envelope.source.host == "h1");
    CHECK(envelope.source.type == bb::SourceType::manual);
    CHECK(envelope.source.app == "app");
    CHECK_FALSE(envelope.source.meta.has_value());
    CHECK(envelope.correlation_ids.empty());
    CHECK_FALSE(envelope.agent_context.has_value());
    CHECK(envelope.payload == R"({"x":1})");
    CHECK(bb::serialize(envelope) == canonical);
}

TEST_CASE("envelope: serialize equals Python's json.dumps of the model, byte for byte") {
    const std::vector<std::string> inputs = {
        canonical,
        // Keys in another order, upper-case ids, a Z timestamp, pretty spacing.
        fmt::format(R"({{ "payload" : [1, 2.5, "x"], "correlation_ids": ["{}", "{}"],
            "source": {{"meta": {{"pid": 42, "tags": ["a", "b"]}}, "type": "agent",
            "app": null, "host": "büro-host"}}, "version": "2.0.0",
            "timestamp": "2025-10-18T14:03:07Z", "event_type": "agent.thread.prompt",
            "event_id": "6F1C3C2E-8B0A-4C9A-9D6E-2F4F1B2A3C4D"}})",
                    "AAAAAAAA-AAAA-4AAA-8AAA-AAAAAAAAAAAA", id_b),
        // Duplicate parents, a negative offset with zero micros, escapes everywhere.
        fmt::format(
            R"({{"event_id":"{}","event_type":"ops.log","timestamp":"2024-02-29T23:59:59-03:30",)"
            R"("source":{{"host":"h\tost","type":"hook","app":"a\"pp\\"}},)"
            R"("correlation_ids":["{}","{}","{}","{}"],)"
            R"("payload":{{"text":"line1\nline2\u001b[0m\u0007 é 😀 \u2028 \/ \u007f","n":null}}}})",
            id_c, id_a, id_b, id_a, id_b),
        // v1 envelope with one parent, no version.
        fmt::format(
            R"({{"event_id":"{}","event_type":"v1.event","timestamp":"2025-01-01T00:00:00",)"
            R"("source":{{"host":"h","type":"scheduled","app":"cron"}},)"
            R"("correlation_id":"{}","payload":"text"}})",
            id_a, id_b),
        // A full agent context given partly and out of order.
        fmt::format(
            R"({{"event_id":"{}","event_type":"agent.run","timestamp":"2025-10-18 14:03:07.5+05:30",)"
            R"("source":{{"host":"h","type":"agent","app":null,"meta":null}},"correlation_ids":[],)"
            R"("agent_context":{{"meta":{{"k":[1,{{"z":true}}]}},"mcp_servers":["fs","git"],)"
            R"("code_state":{{"branch":"main","working_diff":"--- a\n+++ b\n\u001b[31m-x\u001b[0m"}},)"
            R"("type":"claude-code","name":"Claude","file_references":[]}},"payload":{{}}}})",
            id_c),
        // Agent context with only its type.
        fmt::format(
            R"({{"event_id":"{}","event_type":"a","timestamp":"2025-10-18T14:03:07.000001",)"
            R"("source":{{"host":"h","type":"file_watch"}},)"
            R"("agent_context":{{"type":"custom","code_state":null}},"payload":0}})",
            id_a),
    };
    std::string input;
    for (const auto& line : inputs) {
        // The oracle reads one document per line.
        std::string one_line = line;
        for (char& c : one_line)
            if (c == '\n')
                c = ' ';
        input += one_line + "\n";
    }
    auto expected = bbtest::split_lines(bbtest::run_python(envelope_oracle, input));
    REQUIRE(expected.size() == inputs.size());
    for (std::size_t i = 0; i < inputs.size(); ++i) {
        CAPTURE(inputs[i]);
        std::string ours = bb::serialize(parsed(inputs[i]));
        CHECK(ours == expected[i]);
        // And what we write reads back to the same bytes.
        CHECK(bb::serialize(parsed(ours)) == ours);
    }
}

TEST_CASE("envelope: missing fields are completed with defaults") {
    auto before = bb::Timestamp::now();
    bb::Envelope envelope = parsed(R"({"event_type":"a.b","payload":{"k":"v"}})");
    auto after = bb::Timestamp::now();
    CHECK(envelope.event_id.version() == 4);
    CHECK((envelope.event_id.bytes[8] & 0xc0) == 0x80); // RFC variant
    CHECK(envelope.timestamp.offset_minutes == 0);
    CHECK(envelope.timestamp.unix_micros >= before.unix_micros);
    CHECK(envelope.timestamp.unix_micros <= after.unix_micros);
    CHECK(envelope.version == "1.0.0");
    CHECK(envelope.source.host == bb::local_hostname());
    CHECK(envelope.source.type == bb::SourceType::manual);
    CHECK_FALSE(envelope.source.app.has_value());
    CHECK_FALSE(envelope.source.meta.has_value());
    CHECK(envelope.correlation_ids.empty());
    CHECK_FALSE(envelope.agent_context.has_value());
    CHECK(envelope.payload == R"({"k":"v"})");

    // Two envelopes without ids get different ones.
    CHECK(parsed(R"({"event_type":"a.b","payload":1})").event_id != envelope.event_id);
}

TEST_CASE("envelope: the defaults come from the options, field by field") {
    bb::EnvelopeOptions options;
    options.defaults.host = "configured-host";
    options.defaults.source_type = bb::SourceType::scheduled;
    options.defaults.source_app = "nightly";

    bb::Envelope whole = parsed(with(""), options);
    CHECK(whole.source.host == "configured-host");
    CHECK(whole.source.type == bb::SourceType::scheduled);
    CHECK(whole.source.app == "nightly");

    bb::Envelope partial = parsed(with(R"("source":{"type":"hook"})"), options);
    CHECK(partial.source.host == "configured-host");
    CHECK(partial.source.type == bb::SourceType::hook);
    CHECK(partial.source.app == "nightly");

    // A given null app stays null: only a missing field takes the default.
    bb::Envelope given = parsed(with(R"("source":{"host":"h","app":null})"), options);
    CHECK(given.source.host == "h");
    CHECK(given.source.type == bb::SourceType::scheduled);
    CHECK_FALSE(given.source.app.has_value());
}

TEST_CASE("envelope: local_hostname is what Python's socket.gethostname() returns") {
    std::string python = bbtest::run_python("import socket\nprint(socket.gethostname())\n", "");
    CHECK(bb::local_hostname() + "\n" == python);
}

TEST_CASE("envelope: the payload may be any JSON value, null included") {
    CHECK(parsed(with("")).payload == "null");
    CHECK(parsed(R"({"event_type":"t","payload":"s"})").payload == R"("s")");
    CHECK(parsed(R"({"event_type":"t","payload":[1, {"a" : []}]})").payload == R"([1,{"a":[]}])");
    CHECK(parsed(R"({"event_type":"t","payload":false})").payload == "false");
}

TEST_CASE("envelope: required fields") {
    CHECK(envelope_error(R"({"payload":1})") == "event_type: required field is missing");
    CHECK(envelope_error(R"({"event_type":"t"})") == "payload: required field is missing");
    CHECK(envelope_error(with(R"("agent_context":{"name":"x"})")) ==
          "agent_context.type: required field is missing");
}

TEST_CASE("envelope: the root must be an object") {
    CHECK(envelope_error("[1]") == "(root): expected an object, got array");
    CHECK(envelope_error("null") == "(root): expected an object, got null");
    CHECK(envelope_error(R"("text")") == "(root): expected an object, got string");
}

TEST_CASE("envelope: unknown fields are rejected, not dropped") {
    CHECK(envelope_error(with(R"("evnt_id":"x")")) == "evnt_id: unknown field");
    CHECK(envelope_error(with(R"("source":{"host":"h","hots":"x"})")) ==
          "source.hots: unknown field");
    CHECK(envelope_error(with(R"("agent_context":{"type":"letta","nmae":"x"})")) ==
          "agent_context.nmae: unknown field");
    CHECK(envelope_error(with(R"("agent_context":{"type":"letta","code_state":{"sha":"x"}})")) ==
          "agent_context.code_state.sha: unknown field");
    // A key that would garble a terminal is shown quoted and escaped.
    CHECK(envelope_error(with(R"("bad\nkey":1)")) == R"("bad\nkey": unknown field)");
    CHECK(envelope_error(with(R"("":1)")) == R"("": unknown field)");
}

TEST_CASE("envelope: wrong JSON types name the field and both types") {
    CHECK(envelope_error(R"({"event_type":7,"payload":1})") ==
          "event_type: expected a string, got integer");
    CHECK(envelope_error(with(R"("event_id":null)")) == "event_id: expected a string, got null");
    CHECK(envelope_error(with(R"("timestamp":1760796187)")) ==
          "timestamp: expected a string, got integer");
    CHECK(envelope_error(with(R"("version":1.0)")) == "version: expected a string, got number");
    CHECK(envelope_error(with(R"("source":"h")")) == "source: expected an object, got string");
    CHECK(envelope_error(with(R"("source":null)")) == "source: expected an object, got null");
    CHECK(envelope_error(with(R"("source":{"host":null})")) ==
          "source.host: expected a string, got null");
    CHECK(envelope_error(with(R"("source":{"type":1})")) ==
          "source.type: expected a string, got integer");
    CHECK(envelope_error(with(R"("source":{"app":true})")) ==
          "source.app: expected a string or null, got boolean");
    CHECK(envelope_error(with(R"("source":{"meta":[]})")) ==
          "source.meta: expected an object or null, got array");
    CHECK(envelope_error(with(R"("correlation_ids":null)")) ==
          "correlation_ids: expected an array, got null");
    CHECK(envelope_error(with(R"("correlation_ids":[1])")) ==
          "correlation_ids[0]: expected a string, got integer");
    CHECK(envelope_error(with(R"("agent_context":[])")) ==
          "agent_context: expected an object or null, got array");
    CHECK(envelope_error(with(R"("agent_context":{"type":null})")) ==
          "agent_context.type: expected a string, got null");
    CHECK(envelope_error(with(R"("agent_context":{"type":"letta","name":1})")) ==
          "agent_context.name: expected a string or null, got integer");
    CHECK(envelope_error(with(R"("agent_context":{"type":"letta","mcp_servers":"fs"})")) ==
          "agent_context.mcp_servers: expected an array or null, got string");
    CHECK(envelope_error(with(R"("agent_context":{"type":"letta","url_references":["u",2]})")) ==
          "agent_context.url_references[1]: expected a string, got integer");
    CHECK(envelope_error(with(R"("agent_context":{"type":"letta","code_state":[]})")) ==
          "agent_context.code_state: expected an object or null, got array");
    CHECK(envelope_error(with(R"("agent_context":{"type":"letta","code_state":{"branch":3}})")) ==
          "agent_context.code_state.branch: expected a string or null, got integer");
    CHECK(envelope_error(with(R"("agent_context":{"type":"letta","meta":"m"})")) ==
          "agent_context.meta: expected an object or null, got string");
}

TEST_CASE("envelope: enumerations list the allowed values") {
    CHECK(envelope_error(with(R"("source":{"type":"robot"})")) ==
          R"(source.type: "robot" is not one of manual, agent, scheduled, file_watch, hook)");
    CHECK(envelope_error(with(R"("source":{"type":"Manual"})")) ==
          R"(source.type: "Manual" is not one of manual, agent, scheduled, file_watch, hook)");
    CHECK(envelope_error(with(R"("agent_context":{"type":"gpt"})")) ==
          R"(agent_context.type: "gpt" is not one of claude-code, claude-chat, gemini-cli, )"
          R"(gemini-code, letta, agno, smolagent, atomic-agent, custom)");
    for (std::string_view type : {"claude-code", "claude-chat", "gemini-cli", "gemini-code",
                                  "letta", "agno", "smolagent", "atomic-agent", "custom"}) {
        auto context = parsed(with(fmt::format(R"("agent_context":{{"type":"{}"}})", type)));
        REQUIRE(context.agent_context.has_value());
        CHECK(context.agent_context->starts_with(fmt::format(R"({{"type":"{}",)", type)));
    }
}

TEST_CASE("envelope: source types convert both ways") {
    using bb::SourceType;
    for (auto [type, name] : {std::pair{SourceType::manual, "manual"},
                              {SourceType::agent, "agent"},
                              {SourceType::scheduled, "scheduled"},
                              {SourceType::file_watch, "file_watch"},
                              {SourceType::hook, "hook"}}) {
        CHECK(bb::to_string(type) == name);
        auto back = bb::parse_source_type(name);
        REQUIRE(back);
        CHECK(*back == type);
    }
    auto bad = bb::parse_source_type("robot");
    REQUIRE(!bad);
    CHECK(bad.error().kind == bb::ErrorKind::data);
    CHECK(bad.error().message ==
          R"("robot" is not one of manual, agent, scheduled, file_watch, hook)");
}

TEST_CASE("envelope: ids that are not UUIDs carry parse_uuid's reason") {
    CHECK(envelope_error(with(R"("event_id":"abc")")) ==
          R"(event_id: "abc" is not a UUID: )" + uuid_reason("abc"));
    std::string braces = "{6f1c3c2e-8b0a-4c9a-9d6e-2f4f1b2a3c4d}";
    CHECK(envelope_error(with(fmt::format(R"("event_id":"{}")", braces))) ==
          fmt::format(R"(event_id: "{}" is not a UUID: {})", braces, uuid_reason(braces)));
    CHECK(
        envelope_error(with(fmt::format(R"("correlation_ids":["{}","{}","nope"])", id_a, id_b))) ==
        R"(correlation_ids[2]: "nope" is not a UUID: )" + uuid_reason("nope"));
    CHECK(envelope_error(with(R"("correlation_id":"x")")) ==
          R"(correlation_id: "x" is not a UUID: )" + uuid_reason("x"));
}

TEST_CASE("envelope: long values are cut in messages") {
    std::string long_id(100, 'a');
    CHECK(envelope_error(with(fmt::format(R"("event_id":"{}")", long_id))) ==
          fmt::format(R"(event_id: "{}"... is not a UUID: {})", std::string(64, 'a'),
                      uuid_reason(long_id)));
    // The cut never splits a UTF-8 character: 63 bytes of 'x', then 'é' (2 bytes).
    std::string type = std::string(63, 'x') + "é";
    CHECK(envelope_error(with(fmt::format(R"("source":{{"type":"{}"}})", type))) ==
          fmt::format(R"(source.type: "{}"... is not one of manual, agent, scheduled, )"
                      R"(file_watch, hook)",
                      std::string(63, 'x')));
    // Control characters in a value are escaped, never printed raw.
    CHECK(envelope_error(with(R"("source":{"type":"a\u001bb"})")) ==
          R"(source.type: "a\u001bb" is not one of manual, agent, scheduled, file_watch, hook)");
}

TEST_CASE("envelope: timestamps are validated with the reason") {
    CHECK(envelope_error(with(R"("timestamp":"2025-02-30T00:00:00Z")")) ==
          R"(timestamp: "2025-02-30T00:00:00Z" is not an ISO-8601 timestamp: )"
          "day 30 is out of range for February 2025");
    CHECK(envelope_error(with(R"("timestamp":"yesterday")")) ==
          R"(timestamp: "yesterday" is not an ISO-8601 timestamp: expected )"
          "YYYY-MM-DDTHH:MM:SS[.ffffff][Z|+HH:MM|-HH:MM] (mismatch at byte 0)");
    auto naive = parsed(with(R"("timestamp":"2025-10-18T14:03:07.5")"));
    CHECK(naive.timestamp.iso() == "2025-10-18T14:03:07.500000");
}

TEST_CASE("envelope: event_type is checked as an AMQP routing key") {
    CHECK(bb::validate_event_type("fireflies.transcript.upload"));
    CHECK(bb::validate_event_type("ąę.ü 😀 with spaces/*#"));
    CHECK(bb::validate_event_type(std::string(255, 'x')));

    auto error_of = [](std::string_view type) {
        auto valid = bb::validate_event_type(type);
        REQUIRE(!valid);
        CHECK(valid.error().kind == bb::ErrorKind::data);
        return valid.error().message;
    };
    CHECK(error_of("") == "event_type: must not be empty");
    CHECK(error_of(std::string(256, 'x')) == "event_type: longer than 255 bytes (256)");
    CHECK(error_of(std::string(300, 'x')) == "event_type: longer than 255 bytes (300)");
    CHECK(error_of("abc\ndef") == "event_type: control character U+000A at byte 3");
    CHECK(error_of("\tx") == "event_type: control character U+0009 at byte 0");
    CHECK(error_of("x\x7f") == "event_type: control character U+007F at byte 1");
    CHECK(error_of("x\xc2\x85y") == "event_type: control character U+0085 at byte 1"); // NEL
    CHECK(error_of("x\xffy") == "event_type: invalid UTF-8 at byte 1");
    CHECK(error_of("x\xc3") == "event_type: invalid UTF-8 at byte 1");
    CHECK(error_of("\xed\xa0\x80") == "event_type: invalid UTF-8 at byte 0"); // a surrogate
    CHECK(error_of("\xe0\x80\xaf") == "event_type: invalid UTF-8 at byte 0"); // overlong

    // The same checks apply inside an envelope.
    CHECK(envelope_error(R"({"event_type":"","payload":1})") == "event_type: must not be empty");
    CHECK(envelope_error(R"({"event_type":"a\u0000b","payload":1})") ==
          "event_type: control character U+0000 at byte 1");
    CHECK(envelope_error(
              fmt::format(R"({{"event_type":"{}","payload":1}})", std::string(300, 'x'))) ==
          "event_type: longer than 255 bytes (300)");
}

TEST_CASE("envelope: correlation_ids are parsed, lowercased and deduplicated in order") {
    auto upper = std::string("AAAAAAAA-AAAA-4AAA-8AAA-AAAAAAAAAAAA");
    auto envelope =
        parsed(with(fmt::format(R"("correlation_ids":["{}","{}","{}","{}","{}"])", id_b, upper,
                                id_b, "aaaaaaaa-aaaa-4aaa-8aaa-aaaaaaaaaaaa", id_a)));
    REQUIRE(envelope.correlation_ids.size() == 3);
    CHECK(envelope.correlation_ids[0].str() == id_b);
    CHECK(envelope.correlation_ids[1].str() == "aaaaaaaa-aaaa-4aaa-8aaa-aaaaaaaaaaaa");
    CHECK(envelope.correlation_ids[2].str() == id_a);

    // Many parents (the set-based path): 40 distinct, each listed twice.
    std::vector<std::string> ids;
    for (int i = 0; i < 40; ++i)
        ids.push_back(fmt::format("00000000-0000-4000-8000-{:012}", i));
    std::string list;
    for (int round = 0; round < 2; ++round)
        for (const auto& id : ids)
            list += (list.empty() ? "\"" : ",\"") + id + "\"";
    auto many = parsed(with(fmt::format(R"("correlation_ids":[{}])", list)));
    REQUIRE(many.correlation_ids.size() == 40);
    for (std::size_t i = 0; i < ids.size(); ++i)
        CHECK(many.correlation_ids[i].str() == ids[i]);
}

TEST_CASE("envelope: at most 1000 parents") {
    auto list_of = [](int count) {
        std::string list;
        for (int i = 0; i < count; ++i)
            list += fmt::format("{}\"00000000-0000-4000-8000-{:012}\"", i ? "," : "", i);
        return with(fmt::format(R"("correlation_ids":[{}])", list));
    };
    CHECK(parsed(list_of(1000)).correlation_ids.size() == 1000);
    CHECK(envelope_error(list_of(1001)) == "correlation_ids: more than 1000 parents");
}

TEST_CASE("envelope: an event cannot be its own parent") {
    CHECK(envelope_error(with(
              fmt::format(R"("event_id":"{}","correlation_ids":["{}","{}"])", id_a, id_b, id_a))) ==
          "correlation_ids[1]: an event cannot be its own parent");
    CHECK(envelope_error(with(fmt::format(R"("event_id":"{}","correlation_id":"{}")", id_a,
                                          "11111111-1111-4111-8111-111111111111"))) ==
          "correlation_id: an event cannot be its own parent");
}

TEST_CASE("envelope: a v1 correlation_id is upgraded to correlation_ids") {
    auto one = parsed(with(fmt::format(R"("correlation_id":"{}")", id_a)));
    REQUIRE(one.correlation_ids.size() == 1);
    CHECK(one.correlation_ids[0].str() == id_a);
    CHECK(bb::serialize(one).find(fmt::format(R"("correlation_ids":["{}"])", id_a)) !=
          std::string::npos);
    CHECK(bb::serialize(one).find("correlation_id\"") == std::string::npos);

    CHECK(parsed(with(R"("correlation_id":null)")).correlation_ids.empty());
    CHECK(envelope_error(with(R"("correlation_id":5)")) ==
          "correlation_id: expected a string or null, got integer");
    CHECK(
        envelope_error(with(fmt::format(R"("correlation_id":"{}","correlation_ids":[])", id_a))) ==
        "correlation_id: cannot be combined with correlation_ids");
}

TEST_CASE("envelope: the agent context is written in model order with every key") {
    auto envelope = parsed(with(R"("agent_context":{"checkpoint_id":"c1","type":"agno",)"
                                R"("code_state":{"last_commit_hash":"abc","repo_url":"r"}})"));
    REQUIRE(envelope.agent_context.has_value());
    CHECK(*envelope.agent_context ==
          R"({"type":"agno","name":null,"system_prompt":null,"instance_id":null,)"
          R"("mcp_servers":null,"file_references":null,"url_references":null,)"
          R"("code_state":{"repo_url":"r","branch":null,"working_diff":null,"branch_diff":null,)"
          R"("last_commit_hash":"abc"},"checkpoint_id":"c1","meta":null})");
    CHECK_FALSE(parsed(with(R"("agent_context":null)")).agent_context.has_value());
}

TEST_CASE("envelope: input limits apply to the whole line") {
    // 1 MiB + 1 byte in total.
    std::string prefix = R"({"event_type":"t","payload":")";
    std::string big = prefix + std::string(1024 * 1024 + 1 - prefix.size() - 2, 'x') + "\"}";
    REQUIRE(big.size() == 1024 * 1024 + 1);
    CHECK(envelope_error(big) ==
          "document of 1048577 bytes is larger than the limit of 1048576 bytes");

    // The envelope object is level 1, so a payload of 64 nested arrays is level 65.
    std::string deep =
        R"({"event_type":"t","payload":)" + std::string(64, '[') + std::string(64, ']') + "}";
    CHECK(envelope_error(deep) == fmt::format("nesting deeper than 64 levels at byte {}", 28 + 63));
    std::string fits =
        R"({"event_type":"t","payload":)" + std::string(63, '[') + std::string(63, ']') + "}";
    CHECK(parsed(fits).payload == std::string(63, '[') + std::string(63, ']'));

    CHECK(envelope_error("{\"event_type\":\"t\xff\",\"payload\":1}") == "invalid UTF-8 at byte 16");
    CHECK(envelope_error(std::string("{\"event_type\":\"t\",\"payload\":1}\0", 31)) ==
          "NUL byte at byte 30");
    CHECK(envelope_error(R"({"event_type":"t","payload":1,"payload":2})") ==
          R"(duplicate key "payload" at byte 39)");
    CHECK(envelope_error(R"({"event_type":"t","payload":1)") ==
          "invalid JSON at byte 29: Missing a comma or '}' after an object member.");
}

TEST_CASE("envelope: wrap_payload makes a new envelope around a document") {
    bb::EnvelopeOptions options;
    options.defaults.host = "wrapper";
    options.defaults.source_type = bb::SourceType::agent;
    auto before = bb::Timestamp::now();
    auto wrapped = bb::wrap_payload("a.b", R"( {"k" : [1, 2]} )", options);
    auto after = bb::Timestamp::now();
    REQUIRE(wrapped);
    CHECK(wrapped->event_type == "a.b");
    CHECK(wrapped->payload == R"({"k":[1,2]})");
    CHECK(wrapped->event_id.version() == 4);
    CHECK(wrapped->timestamp.unix_micros >= before.unix_micros);
    CHECK(wrapped->timestamp.unix_micros <= after.unix_micros);
    CHECK(wrapped->timestamp.offset_minutes == 0);
    CHECK(wrapped->version == "1.0.0");
    CHECK(wrapped->source.host == "wrapper");
    CHECK(wrapped->source.type == bb::SourceType::agent);
    CHECK(wrapped->correlation_ids.empty());

    auto error_of = [&](std::string_view type, std::string_view payload) {
        auto result = bb::wrap_payload(type, payload, options);
        REQUIRE(!result);
        CHECK(result.error().kind == bb::ErrorKind::data);
        return result.error().message;
    };
    CHECK(error_of("", "1") == "event_type: must not be empty");
    CHECK(error_of("a\tb", "1") == "event_type: control character U+0009 at byte 1");
    CHECK(error_of("a", "{") ==
          "payload: invalid JSON at byte 1: Missing a name for object member.");
    CHECK(error_of("a", std::string(65, '[') + std::string(65, ']')) ==
          "payload: nesting deeper than 64 levels at byte 64");
    CHECK(bb::wrap_payload("a", std::string(64, '[') + std::string(64, ']')));
    CHECK(error_of("a", "") == "payload: invalid JSON at byte 0: The document is empty.");
}

TEST_CASE("envelope: append_serialized appends, serialize of an empty payload writes null") {
    bb::Envelope envelope = parsed(canonical);
    std::string out = "prefix ";
    bb::append_serialized(envelope, out);
    CHECK(out == "prefix " + canonical);

    bb::Envelope blank;
    std::string text = bb::serialize(blank);
    CHECK(text == R"({"event_id":"00000000-0000-0000-0000-000000000000","event_type":"",)"
                  R"("timestamp":"1970-01-01T00:00:00","version":"1.0.0",)"
                  R"("source":{"host":"","type":"manual","app":null,"meta":null},)"
                  R"("correlation_ids":[],"agent_context":null,"payload":null})");
}
