// Payload validation: the examples in tests/unit/data/catalog_valid_payloads.json
// (written by hand, every field present) pass; each is then broken one field
// at a time, field by field as the issue's appendix lists them, and the
// message must name that field. The expected sentences follow the project's
// wording for field errors (see the envelope tests), written out here.
#include "test_catalog_appendix.hpp"

#include "bloodbank/catalog.hpp"
#include "bloodbank/json.hpp"

#include <doctest/doctest.h>
#include <rapidjson/pointer.h>

#include <atomic>
#include <fstream>
#include <iterator>
#include <string>
#include <thread>
#include <vector>

namespace {

const rapidjson::Document& examples() {
    static const rapidjson::Document parsed = [] {
        std::ifstream in(std::string(BB_SOURCE_DIR) +
                             "/tests/unit/data/catalog_valid_payloads.json",
                         std::ios::binary);
        std::string text{std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
        auto doc = bb::parse_json(text);
        REQUIRE_MESSAGE(doc, doc.error().message);
        return std::move(*doc);
    }();
    return parsed;
}

rapidjson::Document example(std::string_view type) {
    const auto& all = examples();
    auto it = all.FindMember(rapidjson::StringRef(type.data(), type.size()));
    REQUIRE_MESSAGE(it != all.MemberEnd(), "no example for " << type);
    rapidjson::Document copy;
    copy.CopyFrom(it->value, copy.GetAllocator());
    return copy;
}

rapidjson::Document json(std::string_view text) {
    auto doc = bb::parse_json(text);
    REQUIRE_MESSAGE(doc, doc.error().message);
    return std::move(*doc);
}

// The example of `type` with the value at `pointer` replaced by `value_json`.
rapidjson::Document with(std::string_view type, const char* pointer, std::string_view value_json) {
    auto doc = example(type);
    rapidjson::Document value = json(value_json);
    // A deep copy: Set() moves a value, and value's strings die with it.
    rapidjson::Value copy(value, doc.GetAllocator());
    rapidjson::Pointer(pointer).Set(doc, copy, doc.GetAllocator());
    return doc;
}

rapidjson::Document without(std::string_view type, const char* pointer) {
    auto doc = example(type);
    REQUIRE_MESSAGE(rapidjson::Pointer(pointer).Erase(doc), "example has no " << pointer);
    return doc;
}

std::string error_of(std::string_view type, const rapidjson::Value& payload) {
    auto valid = bb::validate_payload(type, payload);
    REQUIRE_MESSAGE(!valid, "accepted: " << bb::to_compact_json(payload));
    CHECK(valid.error().kind == bb::ErrorKind::data);
    CHECK(bb::exit_code(valid.error().kind) == 65);
    // The text overload reports the same.
    auto from_text = bb::validate_payload(type, std::string_view(bb::to_compact_json(payload)));
    REQUIRE(!from_text);
    CHECK(from_text.error().message == valid.error().message);
    return valid.error().message;
}

void check_valid(std::string_view type, const rapidjson::Value& payload) {
    auto valid = bb::validate_payload(type, payload);
    CHECK_MESSAGE(valid, type << ": " << valid.error().message);
}

std::string article(std::string_view json_type) {
    return (json_type == "integer" || json_type == "object" || json_type == "array" ? "an "
                                                                                    : "a ") +
           std::string(json_type);
}

// A value of the wrong JSON type for a field, and that type's name.
std::pair<std::string_view, std::string_view> wrong_value(const bbtest::SpecType& spec) {
    if (spec.kind == "str" || spec.kind == "datetime" || spec.kind == "enum")
        return {"42", "integer"};
    if (spec.kind == "object" || spec.kind == "model")
        return {"[]", "array"};
    if (spec.kind == "list")
        return {"{}", "object"};
    return {"\"3\"", "string"}; // int, number, bool: no conversion from strings
}

std::string expected_type(const bbtest::SpecType& spec) {
    if (spec.kind == "int")
        return "integer";
    if (spec.kind == "bool")
        return "boolean";
    if (spec.kind == "list")
        return "array";
    if (spec.kind == "model" || spec.kind == "object")
        return "object";
    if (spec.kind == "number")
        return "number";
    return "string";
}

void check_fields(std::string_view type, const std::vector<bbtest::SpecField>& fields,
                  const std::string& pointer, const std::string& path);

void check_field(std::string_view type, const bbtest::SpecField& field, const std::string& pointer,
                 const std::string& path) {
    CAPTURE(path);
    const char* at = pointer.c_str();
    if (field.optional) {
        check_valid(type, with(type, at, "null"));
        check_valid(type, without(type, at));
    } else {
        CHECK(error_of(type, without(type, at)) == path + ": required field is missing");
    }
    auto [value, got] = wrong_value(field.type);
    CHECK(error_of(type, with(type, at, value)) ==
          path + ": expected " + article(expected_type(field.type)) +
              (field.optional ? " or null" : "") + ", got " + std::string(got));
    if (field.type.kind == "enum") {
        std::string allowed;
        for (const auto& v : field.type.values)
            allowed += (allowed.empty() ? "" : ", ") + v;
        CHECK(error_of(type, with(type, at, R"("bogus")")) ==
              path + ": \"bogus\" is not one of " + allowed);
    }
    if (field.type.kind == "datetime")
        CHECK(error_of(type, with(type, at, R"("tomorrow")")) ==
              path + ": \"tomorrow\" is not an ISO-8601 date-time");
    if (field.type.kind == "model")
        check_fields(type, field.type.fields, pointer, path);
    if (field.type.kind == "list") {
        // The first element stands for all: a model's fields, or a scalar.
        if (field.type.item->kind == "model")
            check_fields(type, field.type.item->fields, pointer + "/0", path + "[0]");
        else
            CHECK(error_of(type, with(type, (pointer + "/0").c_str(), "7")) ==
                  path + "[0]: expected a string, got integer");
    }
}

void check_fields(std::string_view type, const std::vector<bbtest::SpecField>& fields,
                  const std::string& pointer, const std::string& path) {
    for (const auto& field : fields)
        check_field(type, field, pointer + "/" + field.name, path + "." + field.name);
}

} // namespace

TEST_CASE("catalog validate: every type's example payload is valid") {
    for (const auto& entry : bb::catalog()) {
        CAPTURE(entry.event_type);
        check_valid(entry.event_type, example(entry.event_type));
        auto text = bb::to_compact_json(example(entry.event_type));
        CHECK(bb::validate_payload(entry.event_type, std::string_view(text)));
        for (std::string_view alias : entry.aliases)
            check_valid(alias, example(entry.event_type));
    }
}

TEST_CASE("catalog validate: each field of the issue's lists is checked where it is") {
    for (const auto& [type, text] : bbtest::appendix()) {
        const auto& event_type = type; // clang 14 cannot capture a binding
        CAPTURE(event_type);
        check_fields(type, bbtest::appendix_fields(type), "", "payload");
    }
}

TEST_CASE("catalog validate: the messages of the issue") {
    CHECK(error_of("fireflies.transcript.ready",
                   with("fireflies.transcript.ready", "/sentences/3/ai_filters/sentiment",
                        R"("happy")")) == "payload.sentences[3].ai_filters.sentiment: \"happy\" is "
                                          "not one of positive, negative, neutral");
    CHECK(error_of("fireflies.transcript.upload",
                   with("fireflies.transcript.upload", "/media_duration_seconds", R"("1820")")) ==
          "payload.media_duration_seconds: expected an integer, got string");
    CHECK(error_of("fireflies.transcript.ready",
                   without("fireflies.transcript.ready", "/user/email")) ==
          "payload.user.email: required field is missing");
    CHECK(error_of("fireflies.transcript.ready",
                   with("fireflies.transcript.ready", "/date", R"("yesterday")")) ==
          "payload.date: \"yesterday\" is not an ISO-8601 date-time");
}

TEST_CASE("catalog validate: more bad payloads and their messages") {
    CHECK(error_of("llm.prompt", json(R"([1, 2])")) == "payload: expected an object, got array");
    CHECK(error_of("llm.prompt", json("null")) == "payload: expected an object, got null");
    // Several required fields missing: the first in the model's order is named.
    CHECK(error_of("fireflies.transcript.upload", json("{}")) ==
          "payload.media_file: required field is missing");
    CHECK(error_of("fireflies.transcript.ready",
                   without("fireflies.transcript.ready", "/participants/1/name")) ==
          "payload.participants[1].name: required field is missing");
    CHECK(error_of("fireflies.transcript.ready",
                   with("fireflies.transcript.ready", "/sentences/2/speaker_id", "2.5")) ==
          "payload.sentences[2].speaker_id: expected an integer, got number");
    CHECK(error_of("llm.prompt", with("llm.prompt", "/tags", R"(["a", 7])")) ==
          "payload.tags[1]: expected a string, got integer");
    CHECK(error_of("agent.thread.error", with("llm.error", "/is_retryable", R"("yes")")) ==
          "payload.is_retryable: expected a boolean or null, got string");
    CHECK(error_of("agent.thread.prompt", without("llm.prompt", "/prompt")) ==
          "payload.prompt: required field is missing");
    CHECK(error_of("artifact.deleted", with("artifact.deleted", "/action", R"("moved")")) ==
          "payload.action: \"moved\" is not one of created, updated, deleted");
    CHECK(error_of("fireflies.transcript.failed",
                   with("fireflies.transcript.failed", "/failed_stage", "true")) ==
          "payload.failed_stage: expected a string, got boolean");
    // A long value is cut in the message.
    std::string long_value = "\"" + std::string(100, 'x') + "\"";
    CHECK(error_of("artifact.created", with("artifact.created", "/action", long_value)) ==
          "payload.action: \"" + std::string(64, 'x') +
              "\"... is not one of created, updated, "
              "deleted");
}

TEST_CASE("catalog validate: integers, numbers and booleans are not converted as Pydantic does") {
    // Pydantic's lax mode reads "3", 3.0 and true as the integer 3 or 1; we do not.
    for (auto [value, got] : {std::pair{R"("3")", "string"},
                              {"3.0", "number"},
                              {"true", "boolean"},
                              {"1e3", "number"}}) {
        const auto& literal = value; // clang 14 cannot capture a binding
        CAPTURE(literal);
        CHECK(error_of("llm.response", with("llm.response", "/tokens_used", value)) ==
              std::string("payload.tokens_used: expected an integer or null, got ") + got);
    }
    CHECK(error_of("fireflies.transcript.ready",
                   with("fireflies.transcript.ready", "/duration", R"("30.5")")) ==
          "payload.duration: expected a number, got string");
    CHECK(error_of("fireflies.transcript.ready",
                   with("fireflies.transcript.ready", "/user/is_admin", "1")) ==
          "payload.user.is_admin: expected a boolean, got integer");
    // A number field takes integers and fractions; an integer field any JSON integer.
    check_valid("fireflies.transcript.ready",
                with("fireflies.transcript.ready", "/duration", "30"));
    check_valid("llm.response", with("llm.response", "/tokens_used", "-9223372036854775808"));
    check_valid("llm.response", with("llm.response", "/tokens_used", "18446744073709551615"));
}

TEST_CASE("catalog validate: date-times are the ISO-8601 forms Pydantic reads") {
    // Each accepted and rejected the same way by Pydantic 2's datetime (checked
    // by hand with python3); Unix times, which Pydantic also reads, are not ISO.
    for (std::string_view good :
         {"2025-10-18T14:03:07.123456+00:00", "2025-10-18T14:03:07Z", "2025-10-18 14:03:07",
          "2025-10-18t14:03:07+0530", "2025-10-18T14:03", "2025-10-18", "2025-10-18_14:03:07",
          "2025-10-18T14:03:07,5", "2025-10-18T14:03:07.1234567891z", "2025-10-18T14:03:07+23:59",
          "1999-12-31T23:59:59-12:00"}) {
        CAPTURE(good);
        check_valid("fireflies.transcript.processed",
                    with("fireflies.transcript.processed", "/ingestion_timestamp",
                         "\"" + std::string(good) + "\""));
    }
    for (std::string_view bad :
         {"yesterday", "", "2025-10-18T14:03:07+05", "2025-10-18T24:00:00", "2025-13-01T00:00:00",
          "2025-10-32", "2025-10-18T14:03:07+24:00", "2025-10-18T14:03:60", "1700000000",
          "2025-10-18T14:03:07Z ", " 2025-10-18", "2025-10-18T14:3", "18/10/2025"}) {
        CAPTURE(bad);
        std::string value = "\"" + std::string(bad) + "\"";
        CHECK(error_of("fireflies.transcript.processed",
                       with("fireflies.transcript.processed", "/ingestion_timestamp", value)) ==
              "payload.ingestion_timestamp: " + value + " is not an ISO-8601 date-time");
    }
}

TEST_CASE("catalog validate: unknown fields are allowed, at any depth") {
    check_valid("llm.prompt", with("llm.prompt", "/extra", R"({"any": ["thing"]})"));
    check_valid("fireflies.transcript.ready",
                with("fireflies.transcript.ready", "/sentences/0/ai_filters/mood", R"("calm")"));
    check_valid("fireflies.transcript.ready",
                with("fireflies.transcript.ready", "/user/team", "7"));
    check_valid("fireflies.transcript.ready",
                with("fireflies.transcript.ready", "/participants/0/3", "null"));
}

TEST_CASE("catalog validate: an unknown type passes, whatever its payload") {
    CHECK(bb::validate_payload("some.new.event", json(R"([1, "two"])")));
    CHECK(bb::validate_payload("llm.prompt.v2", json("{}")));
    // The text is not even parsed: the caller has parsed the envelope already.
    CHECK(bb::validate_payload("some.new.event", std::string_view("not json")));
}

TEST_CASE("catalog validate: a known type's payload text must be JSON") {
    auto broken = bb::validate_payload("llm.prompt", std::string_view(R"({"provider": )"));
    REQUIRE(!broken);
    CHECK(broken.error().kind == bb::ErrorKind::data);
    CHECK(broken.error().message.starts_with("payload: invalid JSON at byte "));
    auto duplicate =
        bb::validate_payload("llm.prompt", std::string_view(R"({"provider":"a","provider":"b"})"));
    REQUIRE(!duplicate);
    CHECK(duplicate.error().message.starts_with("payload: duplicate key \"provider\""));
    CHECK(bb::validate_payload("llm.prompt",
                               std::string_view(R"( {"provider": "p", "prompt": "q"} )")));
}

TEST_CASE("catalog validate: a validator is reusable after a failure") {
    auto bad = with("llm.prompt", "/provider", "1");
    auto good = example("llm.prompt");
    for (int round = 0; round < 3; ++round) {
        CHECK(error_of("llm.prompt", bad) == "payload.provider: expected a string, got integer");
        check_valid("llm.prompt", good);
        // A failure deep inside a nested array leaves no state behind either.
        CHECK_FALSE(bb::validate_payload(
            "fireflies.transcript.ready",
            with("fireflies.transcript.ready", "/sentences/1/ai_filters/sentiment", "0")));
        check_valid("fireflies.transcript.ready", example("fireflies.transcript.ready"));
    }
}

TEST_CASE("catalog validate: threads validate at the same time") {
    auto good = example("fireflies.transcript.ready");
    auto bad =
        with("fireflies.transcript.ready", "/sentences/3/ai_filters/sentiment", R"("happy")");
    const std::string expected =
        "payload.sentences[3].ai_filters.sentiment: \"happy\" is not one of positive, negative, "
        "neutral";
    std::atomic<int> wrong{0};
    std::vector<std::thread> threads;
    for (int t = 0; t < 4; ++t)
        threads.emplace_back([&] {
            for (int i = 0; i < 200; ++i) {
                if (!bb::validate_payload("fireflies.transcript.ready", good))
                    ++wrong;
                auto failed = bb::validate_payload("fireflies.transcript.ready", bad);
                if (failed || failed.error().message != expected)
                    ++wrong;
            }
        });
    for (auto& thread : threads)
        thread.join();
    CHECK(wrong == 0);
}
