// schemas/envelope.json: the envelope of DESIGN §3 as the Python model reads
// it. The envelopes below are written by hand from that section.
#include "bloodbank/catalog.hpp"
#include "bloodbank/envelope.hpp"
#include "bloodbank/json.hpp"

#include <doctest/doctest.h>
#include <rapidjson/pointer.h>

#include <string>

namespace {

constexpr std::string_view canonical = R"({
  "event_id": "6f1c2a9e-4b7d-4c1e-9a3f-2d8b5e7c0a11",
  "event_type": "fireflies.transcript.upload",
  "timestamp": "2025-10-18T14:03:07.123456+00:00",
  "version": "1.0.0",
  "source": {"host": "build-box", "type": "agent", "app": "n8n", "meta": {"run": 7}},
  "correlation_ids": ["92ac3d31-3cbb-5518-9cc9-eaa1d1198639", "DCBF406D-AAAE-5A9A-8B36-38BB4F5AC1E7"],
  "agent_context": {
    "type": "claude-code",
    "name": "reviewer",
    "system_prompt": null,
    "instance_id": "i-1",
    "mcp_servers": ["github"],
    "file_references": ["src/main.cpp"],
    "url_references": null,
    "code_state": {"repo_url": "https://example.com/r.git", "branch": "main",
                   "working_diff": null, "branch_diff": null, "last_commit_hash": "abc123"},
    "checkpoint_id": null,
    "meta": {}
  },
  "payload": {"media_file": "a.mp3", "media_duration_seconds": 3, "media_type": "audio/mpeg"}
})";

rapidjson::Document json(std::string_view text) {
    auto doc = bb::parse_json(text);
    REQUIRE_MESSAGE(doc, doc.error().message);
    return std::move(*doc);
}

// The canonical envelope with one value replaced (or removed, for "-").
rapidjson::Document changed(const char* pointer, std::string_view value_json) {
    auto doc = json(canonical);
    if (value_json == "-") {
        REQUIRE(rapidjson::Pointer(pointer).Erase(doc));
        return doc;
    }
    rapidjson::Document value = json(value_json);
    // A deep copy: Set() moves a value, and value's strings die with it.
    rapidjson::Value copy(value, doc.GetAllocator());
    rapidjson::Pointer(pointer).Set(doc, copy, doc.GetAllocator());
    return doc;
}

std::string error_of(const rapidjson::Value& envelope) {
    auto valid = bb::validate_envelope(envelope);
    REQUIRE_MESSAGE(!valid, "accepted: " << bb::to_compact_json(envelope));
    CHECK(valid.error().kind == bb::ErrorKind::data);
    return valid.error().message;
}

void check_valid(const rapidjson::Value& envelope) {
    auto valid = bb::validate_envelope(envelope);
    CHECK_MESSAGE(valid, valid.error().message);
}

} // namespace

TEST_CASE("catalog envelope: a canonical envelope is valid") {
    check_valid(json(canonical));
}

TEST_CASE("catalog envelope: only event_type, source and payload are required") {
    check_valid(json(R"({"event_type": "x", "source": {"host": "h", "type": "manual"},
                         "payload": null})"));
    CHECK(error_of(changed("/event_type", "-")) == "event_type: required field is missing");
    CHECK(error_of(changed("/source", "-")) == "source: required field is missing");
    CHECK(error_of(changed("/payload", "-")) == "payload: required field is missing");
    CHECK(error_of(changed("/source/host", "-")) == "source.host: required field is missing");
    CHECK(error_of(changed("/agent_context/type", "-")) ==
          "agent_context.type: required field is missing");
}

TEST_CASE("catalog envelope: nulls where the model allows them") {
    for (const char* pointer :
         {"/source/app", "/source/meta", "/agent_context", "/agent_context/name",
          "/agent_context/mcp_servers", "/agent_context/code_state",
          "/agent_context/code_state/branch", "/agent_context/meta", "/payload"}) {
        CAPTURE(pointer);
        check_valid(changed(pointer, "null"));
    }
    // A v1 envelope's single parent, or none.
    check_valid(changed("/correlation_id", R"("92ac3d31-3cbb-5518-9cc9-eaa1d1198639")"));
    check_valid(changed("/correlation_id", "null"));
}

TEST_CASE("catalog envelope: bad values name their field") {
    CHECK(error_of(changed("/source/type", R"("robot")")) ==
          "source.type: \"robot\" is not one of manual, agent, scheduled, file_watch, hook");
    CHECK(error_of(changed("/source/host", "null")) == "source.host: expected a string, got null");
    CHECK(error_of(changed("/source/meta", "[]")) ==
          "source.meta: expected an object or null, got array");
    CHECK(error_of(changed("/event_id", R"("not-a-uuid")")) ==
          "event_id: \"not-a-uuid\" is not a UUID");
    CHECK(error_of(changed("/correlation_ids/1", R"("{92ac3d31-3cbb-5518-9cc9-eaa1d1198639}")")) ==
          "correlation_ids[1]: \"{92ac3d31-3cbb-5518-9cc9-eaa1d1198639}\" is not a UUID");
    CHECK(error_of(changed("/correlation_ids", R"("92ac3d31-3cbb-5518-9cc9-eaa1d1198639")")) ==
          "correlation_ids: expected an array, got string");
    CHECK(error_of(changed("/timestamp", R"("18 Oct 2025")")) ==
          "timestamp: \"18 Oct 2025\" is not an ISO-8601 date-time");
    CHECK(error_of(changed("/event_type", R"("")")) == "event_type: must not be empty");
    CHECK(error_of(changed("/event_type", "\"" + std::string(256, 'e') + "\"")) ==
          "event_type: must be at most 255 characters long");
    CHECK(error_of(changed("/version", "1")) == "version: expected a string, got integer");
    CHECK(error_of(changed("/agent_context/type", R"("gpt")")) ==
          "agent_context.type: \"gpt\" is not one of claude-code, claude-chat, gemini-cli, "
          "gemini-code, letta, agno, smolagent, atomic-agent, custom");
    CHECK(error_of(changed("/agent_context/file_references/0", "7")) ==
          "agent_context.file_references[0]: expected a string, got integer");
    CHECK(error_of(changed("/agent_context/code_state/last_commit_hash", "false")) ==
          "agent_context.code_state.last_commit_hash: expected a string or null, got boolean");
    CHECK(error_of(changed("/correlation_id", "5")) ==
          "correlation_id: expected a string or null, got integer");
    CHECK(error_of(json("[]")) == "(root): expected an object, got array");
}

TEST_CASE("catalog envelope: at most 1000 parents") {
    std::string ids = "[";
    for (int i = 0; i < 1001; ++i)
        ids += std::string(i ? "," : "") + "\"92ac3d31-3cbb-5518-9cc9-eaa1d1198639\"";
    ids += "]";
    CHECK(error_of(changed("/correlation_ids", ids)) ==
          "correlation_ids: must have at most 1000 items");
}

TEST_CASE("catalog envelope: what the envelope module writes is valid") {
    auto envelope = bb::parse_envelope(canonical);
    REQUIRE_MESSAGE(envelope, envelope.error().message);
    check_valid(json(bb::serialize(*envelope)));
    auto wrapped = bb::wrap_payload("llm.prompt", R"({"provider": "p", "prompt": "q"})");
    REQUIRE_MESSAGE(wrapped, wrapped.error().message);
    check_valid(json(bb::serialize(*wrapped)));
}
