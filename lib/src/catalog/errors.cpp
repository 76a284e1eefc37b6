// RapidJSON 1.1.0 reports a schema violation as the failing keyword, a JSON
// pointer into the schema and one into the document. The sentence is rebuilt
// from those and the two documents, in the envelope module's wording.
#include "catalog/errors.hpp"

#include "envelope/json.hpp"

#include "bloodbank/json.hpp"

#include <fmt/format.h>

#include <string>
#include <vector>

namespace bb::catalog_detail {
namespace {

using namespace envelope_json;

struct Located {
    std::string path;
    const rapidjson::Value* value; // nullptr if the pointer leads nowhere
};

// Follows the document pointer through the value: a token names an array
// index where the value is an array (even "3" is a key in an object), so
// /sentences/3/ai_filters becomes sentences[3].ai_filters.
Located locate(const rapidjson::Value& document, const rapidjson::Pointer& pointer,
               std::string_view root_path) {
    Located at{std::string(root_path), &document};
    for (std::size_t i = 0; i < pointer.GetTokenCount(); ++i) {
        const auto& token = pointer.GetTokens()[i];
        const rapidjson::Value* value = at.value;
        if (value != nullptr && value->IsArray() &&
            token.index != rapidjson::kPointerInvalidIndex) {
            at.path = index_path(at.path, token.index);
            at.value = token.index < value->Size() ? &(*value)[token.index] : nullptr;
            continue;
        }
        at.path = join_path(at.path, key_name(std::string_view(token.name, token.length)));
        at.value = nullptr;
        if (value != nullptr && value->IsObject()) {
            auto member = value->FindMember(rapidjson::StringRef(token.name, token.length));
            if (member != value->MemberEnd())
                at.value = &member->value;
        }
    }
    if (at.path.empty())
        at.path = "(root)";
    return at;
}

const rapidjson::Value* member(const rapidjson::Value* object, const char* name) {
    if (object == nullptr || !object->IsObject())
        return nullptr;
    auto it = object->FindMember(name);
    return it == object->MemberEnd() ? nullptr : &it->value;
}

bool member_is(const rapidjson::Value* object, const char* name, std::string_view text) {
    const auto* value = member(object, name);
    return value != nullptr && value->IsString() && view(*value) == text;
}

// A value inside a sentence: strings quoted (and cut), scalars as JSON,
// containers by their kind.
std::string show(const rapidjson::Value* value) {
    if (value == nullptr)
        return "the value";
    if (value->IsString())
        return quoted(view(*value));
    if (value->IsObject() || value->IsArray())
        return fmt::format("an {}", json_type_name(*value));
    return to_compact_json(*value);
}

std::string with_article(std::string_view type) {
    if (type == "null")
        return "null";
    bool vowel = !type.empty() && std::string_view("aeiou").find(type[0]) != std::string_view::npos;
    return fmt::format("{} {}", vowel ? "an" : "a", type);
}

// ["string", "null"] -> "a string or null".
std::string expected_types(const rapidjson::Value* schema) {
    std::vector<std::string> names;
    if (const auto* type = member(schema, "type")) {
        if (type->IsString())
            names.push_back(with_article(view(*type)));
        else if (type->IsArray())
            for (const auto& item : type->GetArray())
                if (item.IsString())
                    names.push_back(with_article(view(item)));
    }
    if (names.empty())
        return "another type";
    std::string text = names.front();
    for (std::size_t i = 1; i < names.size(); ++i)
        text += (i + 1 == names.size() ? " or " : ", ") + names[i];
    return text;
}

std::string enum_values(const rapidjson::Value* schema) {
    std::string text;
    if (const auto* values = member(schema, "enum"); values != nullptr && values->IsArray())
        for (const auto& value : values->GetArray()) {
            if (!text.empty())
                text += ", ";
            text += value.IsString() ? std::string(view(value)) : to_compact_json(value);
        }
    return text;
}

std::string schema_number(const rapidjson::Value* schema, const char* keyword) {
    const auto* value = member(schema, keyword);
    return value != nullptr ? to_compact_json(*value) : "?";
}

// The first member the schema requires that the object lacks, as a path.
std::string missing_member(const Located& at, const rapidjson::Value* schema) {
    const auto* required = member(schema, "required");
    if (required != nullptr && required->IsArray() && at.value != nullptr && at.value->IsObject())
        for (const auto& name : required->GetArray())
            if (name.IsString() && !at.value->HasMember(name))
                return join_path(at.path == "(root)" ? "" : at.path, key_name(view(name)));
    return at.path;
}

std::string pattern_problem(const Located& at, const rapidjson::Value* schema) {
    if (member_is(schema, "format", "date-time"))
        return fmt::format("{} is not an ISO-8601 date-time", show(at.value));
    if (member_is(schema, "format", "uuid"))
        return fmt::format("{} is not a UUID", show(at.value));
    const auto* pattern = member(schema, "pattern");
    return fmt::format("{} does not match {}", show(at.value),
                       pattern != nullptr && pattern->IsString() ? view(*pattern) : "the pattern");
}

} // namespace

Error describe_failure(const rapidjson::SchemaValidator& validator,
                       const rapidjson::Value& schema_root, const rapidjson::Value& document,
                       std::string_view root_path) {
    const Located at = locate(document, validator.GetInvalidDocumentPointer(), root_path);
    const rapidjson::Value* schema = validator.GetInvalidSchemaPointer().Get(schema_root);
    const char* raw_keyword = validator.GetInvalidSchemaKeyword();
    const std::string_view keyword = raw_keyword != nullptr ? raw_keyword : "";

    if (keyword == "required")
        return field_error(missing_member(at, schema), "required field is missing");
    std::string problem;
    if (keyword == "type")
        problem = fmt::format("expected {}, got {}", expected_types(schema),
                              at.value != nullptr ? json_type_name(*at.value) : "another type");
    else if (keyword == "enum")
        problem = fmt::format("{} is not one of {}", show(at.value), enum_values(schema));
    else if (keyword == "pattern")
        problem = pattern_problem(at, schema);
    else if (keyword == "additionalProperties")
        problem = "unknown field";
    else if (keyword == "minLength")
        problem = schema_number(schema, "minLength") == "1"
                      ? "must not be empty"
                      : fmt::format("must be at least {} characters long",
                                    schema_number(schema, "minLength"));
    else if (keyword == "maxLength")
        problem =
            fmt::format("must be at most {} characters long", schema_number(schema, "maxLength"));
    else if (keyword == "minItems")
        problem = fmt::format("must have at least {} items", schema_number(schema, "minItems"));
    else if (keyword == "maxItems")
        problem = fmt::format("must have at most {} items", schema_number(schema, "maxItems"));
    else if (keyword == "minimum")
        problem = fmt::format("must be at least {}", schema_number(schema, "minimum"));
    else if (keyword == "maximum")
        problem = fmt::format("must be at most {}", schema_number(schema, "maximum"));
    else
        problem = fmt::format("fails the schema's \"{}\" rule", keyword);
    return field_error(at.path, problem);
}

} // namespace bb::catalog_detail
