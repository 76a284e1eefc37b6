// The catalog itself: which types it knows, how names resolve, that the
// embedded texts are the files under schemas/, that every schema matches the
// issue's field lists, and that the schema checker catches what RapidJSON
// would silently ignore.
#include "test_catalog_appendix.hpp"

#include "bloodbank/catalog.hpp"
#include "bloodbank/json.hpp"

#include <doctest/doctest.h>

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <set>
#include <string>
#include <vector>

namespace {

namespace fs = std::filesystem;

std::string read_file(const fs::path& path) {
    std::ifstream in(path, std::ios::binary);
    REQUIRE_MESSAGE(in.good(), "cannot read " << path);
    return {std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
}

const fs::path source_dir = BB_SOURCE_DIR;

rapidjson::Document parse(std::string_view text) {
    auto parsed = bb::parse_json(text);
    REQUIRE_MESSAGE(parsed, parsed.error().message);
    return std::move(*parsed);
}

std::string lint_error(std::string_view schema) {
    auto checked = bb::check_schema_document(schema);
    REQUIRE_MESSAGE(!checked, "accepted: " << schema);
    CHECK(checked.error().kind == bb::ErrorKind::data);
    return checked.error().message;
}

// The JSON type an appendix type is written as.
std::string json_type(const bbtest::SpecType& spec) {
    if (spec.kind == "str" || spec.kind == "datetime" || spec.kind == "enum")
        return "string";
    if (spec.kind == "int")
        return "integer";
    if (spec.kind == "bool")
        return "boolean";
    if (spec.kind == "list")
        return "array";
    if (spec.kind == "model")
        return "object";
    return spec.kind; // number, object
}

void compare_fields(const rapidjson::Value& schema, const std::vector<bbtest::SpecField>& fields,
                    const std::string& where);

void compare_type(const rapidjson::Value& schema, const bbtest::SpecType& spec, bool optional,
                  const std::string& where) {
    CAPTURE(where);
    REQUIRE(schema.IsObject());
    REQUIRE(schema.HasMember("type"));
    std::string base = "\"" + json_type(spec) + "\"";
    CHECK(bb::to_compact_json(schema["type"]) == (optional ? "[" + base + ",\"null\"]" : base));
    if (spec.kind == "datetime") {
        REQUIRE(schema.HasMember("format"));
        CHECK(std::string_view(schema["format"].GetString()) == "date-time");
    }
    if (spec.kind == "enum") {
        REQUIRE(schema.HasMember("enum"));
        std::vector<std::string> values;
        for (const auto& value : schema["enum"].GetArray())
            values.emplace_back(value.GetString());
        CHECK(values == spec.values);
    }
    if (spec.kind == "list") {
        REQUIRE(schema.HasMember("items"));
        compare_type(schema["items"], *spec.item, false, where + "[]");
    }
    if (spec.kind == "model")
        compare_fields(schema, spec.fields, where);
}

void compare_fields(const rapidjson::Value& schema, const std::vector<bbtest::SpecField>& fields,
                    const std::string& where) {
    CAPTURE(where);
    std::set<std::string> names, required, schema_names, schema_required;
    for (const auto& field : fields) {
        names.insert(field.name);
        if (!field.optional)
            required.insert(field.name);
    }
    REQUIRE(schema.HasMember("properties"));
    for (const auto& property : schema["properties"].GetObject())
        schema_names.insert(property.name.GetString());
    if (schema.HasMember("required"))
        for (const auto& name : schema["required"].GetArray())
            schema_required.insert(name.GetString());
    CHECK(schema_names == names);
    CHECK(schema_required == required);
    // Unknown fields are allowed, as Pydantic ignores them.
    REQUIRE(schema.HasMember("additionalProperties"));
    CHECK(schema["additionalProperties"].IsTrue());
    for (const auto& field : fields)
        if (schema["properties"].HasMember(field.name.c_str()))
            compare_type(schema["properties"][field.name.c_str()], field.type, field.optional,
                         where + "." + field.name);
}

} // namespace

TEST_CASE("catalog: lists every payload type of the Python system, sorted") {
    std::vector<std::string_view> types;
    for (const auto& entry : bb::catalog())
        types.push_back(entry.event_type);
    const std::vector<std::string_view> expected = {"artifact.created",
                                                    "artifact.deleted",
                                                    "artifact.ingestion.failed",
                                                    "artifact.updated",
                                                    "fireflies.transcript.failed",
                                                    "fireflies.transcript.processed",
                                                    "fireflies.transcript.ready",
                                                    "fireflies.transcript.upload",
                                                    "llm.error",
                                                    "llm.prompt",
                                                    "llm.response"};
    CHECK(types == expected);
    for (const auto& entry : bb::catalog()) {
        CAPTURE(entry.event_type);
        CHECK(!entry.title.empty());
        CHECK(entry.schema_json.find("\"$schema\"") != std::string_view::npos);
    }
}

TEST_CASE("catalog: agent.thread.* are aliases of llm.*") {
    const std::vector<std::pair<std::string_view, std::string_view>> aliases = {
        {"agent.thread.prompt", "llm.prompt"},
        {"agent.thread.response", "llm.response"},
        {"agent.thread.error", "llm.error"}};
    for (const auto& [alias, type] : aliases) {
        const auto& alias_name = alias; // clang 14 cannot capture a binding
        CAPTURE(alias_name);
        const bb::CatalogEntry* entry = bb::find_schema(alias);
        REQUIRE(entry != nullptr);
        CHECK(entry->event_type == type);
        CHECK(entry == bb::find_schema(type));
        CHECK(entry->aliases == std::vector<std::string_view>{alias});
        CHECK(bb::is_known_type(alias));
    }
    // Every other type has no alias.
    for (const auto& entry : bb::catalog())
        if (!entry.event_type.starts_with("llm."))
            CHECK_MESSAGE(entry.aliases.empty(), entry.event_type);
}

TEST_CASE("catalog: the three artifact events share the Artifact schema") {
    const auto* created = bb::find_schema("artifact.created");
    const auto* updated = bb::find_schema("artifact.updated");
    const auto* deleted = bb::find_schema("artifact.deleted");
    REQUIRE((created && updated && deleted));
    CHECK(created->schema_json.data() == updated->schema_json.data());
    CHECK(created->schema_json.data() == deleted->schema_json.data());
    CHECK(created->title == "Artifact");
    CHECK(bb::find_schema("artifact.ingestion.failed")->schema_json != created->schema_json);
}

TEST_CASE("catalog: unknown and near-miss names are not found") {
    for (std::string_view name : {"", "llm", "llm.prompt.", "LLM.PROMPT", "artifact.*",
                                  "fireflies.transcript", "agent.thread.prompts", "envelope"}) {
        CAPTURE(name);
        CHECK(bb::find_schema(name) == nullptr);
        CHECK_FALSE(bb::is_known_type(name));
    }
}

TEST_CASE("catalog: the embedded schemas are the files under schemas/, byte for byte") {
    CHECK(bb::envelope_schema() == read_file(source_dir / "schemas/envelope.json"));
    std::set<std::string_view> embedded;
    for (const auto& entry : bb::catalog())
        embedded.insert(entry.schema_json);
    std::set<std::string> on_disk;
    for (const auto& file : fs::directory_iterator(source_dir / "schemas/payload"))
        on_disk.insert(read_file(file.path()));
    CHECK(embedded.size() == on_disk.size());
    for (std::string_view text : embedded)
        CHECK_MESSAGE(on_disk.count(std::string(text)) == 1, text.substr(0, 200));
}

TEST_CASE("catalog: every embedded schema is well formed and the set is consistent") {
    auto checked = bb::check_catalog();
    CHECK_MESSAGE(checked, checked.error().message);
    auto envelope = bb::check_schema_document(bb::envelope_schema());
    CHECK_MESSAGE(envelope, envelope.error().message);
    for (const auto& entry : bb::catalog()) {
        auto one = bb::check_schema_document(entry.schema_json);
        CHECK_MESSAGE(one, entry.event_type << ": " << one.error().message);
    }
}

TEST_CASE("catalog: each schema has the fields, types and required list of the issue") {
    REQUIRE(bbtest::appendix().size() == bb::catalog().size());
    for (const auto& [type, text] : bbtest::appendix()) {
        const auto& event_type = type; // clang 14 cannot capture a binding
        CAPTURE(event_type);
        const bb::CatalogEntry* entry = bb::find_schema(type);
        REQUIRE(entry != nullptr);
        CHECK(entry->event_type == type);
        auto schema = parse(entry->schema_json);
        CHECK(std::string_view(schema["$schema"].GetString()) ==
              "http://json-schema.org/draft-04/schema#");
        CHECK(schema["description"].GetStringLength() > 0);
        CHECK(std::string_view(schema["type"].GetString()) == "object");
        compare_fields(schema, bbtest::appendix_fields(type), "payload");
    }
}

TEST_CASE("catalog: the schema checker rejects a misspelt keyword") {
    auto typo = read_file(source_dir / "tests/unit/data/catalog_typo_schema.json");
    CHECK(lint_error(typo) == "/properties/user: unknown keyword \"requried\"");
    // RapidJSON itself would have compiled it and ignored the keyword.
    auto fixed = typo;
    fixed.replace(fixed.find("requried"), 8, "required");
    auto checked = bb::check_schema_document(fixed);
    CHECK_MESSAGE(checked, checked.error().message);
}

TEST_CASE("catalog: the schema checker rejects what RapidJSON would ignore") {
    auto schema = [](std::string_view body) {
        return std::string(R"({"$schema": "http://json-schema.org/draft-04/schema#", )"
                           R"("title": "t", "description": "d", )") +
               std::string(body) + "}";
    };
    CHECK(lint_error(schema(R"("type": "strin")")) ==
          "(root): \"type\": \"strin\" is not a type name");
    CHECK(lint_error(schema(R"("properties": {"a": {"type": ["string", "string"]}})")) ==
          "/properties/a: \"type\": string is listed twice");
    CHECK(lint_error(schema(R"("properties": {"a": {}}, "required": ["b"])")) ==
          "(root): required \"b\" is not a property");
    CHECK(lint_error(schema(R"("properties": {"a": {"pattern": "^(ab$"}})")) ==
          "/properties/a: \"pattern\" is not a regular expression RapidJSON can compile");
    CHECK(lint_error(schema(R"("properties": {"a": {"pattern": "\\d+"}})")) ==
          "/properties/a: \"pattern\" is not a regular expression RapidJSON can compile");
    CHECK(lint_error(schema(R"("properties": {"a": {"pattern": "[a-"}})")) ==
          "/properties/a: \"pattern\" is not a regular expression RapidJSON can compile");
    CHECK(lint_error(schema(R"("properties": {"a": {"pattern": "a)("}})")) ==
          "/properties/a: \"pattern\" is not a regular expression RapidJSON can compile");
    CHECK(
        lint_error(schema(R"("properties": {"at": {"type": "string", "format": "date-time"}})")) ==
        "/properties/at: a date-time needs the catalog's ISO-8601 \"pattern\" (RapidJSON "
        "ignores \"format\")");
    CHECK(lint_error(schema(R"("items": {"minItems": -1})")) ==
          "/items: \"minItems\" must be a non-negative integer");
    CHECK(lint_error(schema(R"("properties": {"a/b": {"x-event-types": {}}})")) ==
          "/properties/a~1b: unknown keyword \"x-event-types\"");
    CHECK(lint_error(schema(R"("x-event-types": {"a.b": "c.d"})")) ==
          "(root): \"x-event-types\": the aliases of a.b must be a list of strings");
    CHECK(lint_error(schema(R"("enum": [])")) == "(root): \"enum\" must be a non-empty list");
    CHECK(lint_error(R"({"title": "t", "description": "d"})") ==
          "(root): \"$schema\" must be \"http://json-schema.org/draft-04/schema#\"");
    CHECK(lint_error(R"({"$schema": "http://json-schema.org/draft-04/schema#", "title": "t"})") ==
          "(root): \"description\" is missing");
    CHECK(lint_error(R"({"$schema": "http://json-schema.org/draft-04/schema#",)") ==
          "invalid JSON at byte 54: Missing a name for object member.");
}
