// check_schema_document: RapidJSON compiles any JSON into a schema and skips
// what it does not understand (a misspelt keyword, a bad type name, a regex
// its engine cannot parse), which would silently turn a check off. This walk
// accepts only the draft-04 subset the catalog uses, written correctly.
#include "bloodbank/catalog.hpp"
#include "bloodbank/json.hpp"

#include <fmt/format.h>
#include <rapidjson/internal/regex.h> // the engine schema.h compiles "pattern" with

#include <algorithm>
#include <array>
#include <string>

namespace bb {
namespace {

constexpr std::string_view draft04 = "http://json-schema.org/draft-04/schema#";

// The one ISO-8601 pattern every "format": "date-time" field carries, since
// RapidJSON 1.1.0 ignores "format"; it accepts what Pydantic v2 reads as a
// datetime string (checked against Pydantic when it was written).
constexpr std::string_view date_time_pattern =
    "^[0-9]{4}-(0[1-9]|1[0-2])-(0[1-9]|[12][0-9]|3[01])([Tt _]([01][0-9]|2[0-3]):[0-5][0-9](:[0-"
    "5][0-9]([.,][0-9]+)?)?([Zz]|[+-]([01][0-9]|2[0-3]):?[0-5][0-9])?)?$";
constexpr std::string_view uuid_pattern =
    "^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$";

constexpr std::array<std::string_view, 15> keywords = {
    "title",     "description", "type",     "properties", "required",
    "enum",      "items",       "pattern",  "format",     "additionalProperties",
    "minLength", "maxLength",   "minItems", "maxItems",   "default"};
constexpr std::array<std::string_view, 2> root_keywords = {"$schema", "x-event-types"};
constexpr std::array<std::string_view, 7> type_names = {"null",   "boolean", "object", "array",
                                                        "number", "integer", "string"};

template <std::size_t N>
bool contains(const std::array<std::string_view, N>& list, std::string_view item) {
    return std::find(list.begin(), list.end(), item) != list.end();
}

std::string_view view(const rapidjson::Value& string) {
    return {string.GetString(), string.GetStringLength()};
}

Error problem(const std::string& pointer, std::string_view text) {
    return make_error(ErrorKind::data,
                      fmt::format("{}: {}", pointer.empty() ? "(root)" : pointer, text));
}

// A JSON pointer token: ~ and / escaped.
std::string token(std::string_view name) {
    std::string out;
    for (char c : name)
        out += c == '~' ? "~0" : c == '/' ? "~1" : std::string(1, c);
    return out;
}

Result<void> check_type(const rapidjson::Value& type, const std::string& at) {
    std::vector<std::string_view> seen;
    auto check_one = [&](const rapidjson::Value& name) -> Result<void> {
        if (!name.IsString() || !contains(type_names, view(name)))
            return problem(at,
                           fmt::format("\"type\": {} is not a type name", to_compact_json(name)));
        if (std::find(seen.begin(), seen.end(), view(name)) != seen.end())
            return problem(at, fmt::format("\"type\": {} is listed twice", view(name)));
        seen.push_back(view(name));
        return {};
    };
    if (!type.IsArray())
        return check_one(type);
    if (type.Empty())
        return problem(at, "\"type\" is an empty list");
    for (const auto& name : type.GetArray())
        if (auto checked = check_one(name); !checked)
            return checked;
    return {};
}

Result<void> check_required(const rapidjson::Value& node, const std::string& at) {
    const auto& required = node["required"];
    if (!required.IsArray() || required.Empty())
        return problem(at, "\"required\" must be a non-empty list of names");
    auto properties = node.FindMember("properties");
    for (const auto& name : required.GetArray()) {
        if (!name.IsString())
            return problem(at, "\"required\" must be a non-empty list of names");
        if (properties == node.MemberEnd() || !properties->value.IsObject() ||
            !properties->value.HasMember(name))
            return problem(at, fmt::format("required \"{}\" is not a property", view(name)));
    }
    return {};
}

// RapidJSON's regex parser asserts (aborts, without NDEBUG) on an unclosed
// group instead of reporting it, so groups are counted here first.
bool balanced_groups(std::string_view pattern) {
    int depth = 0;
    bool in_class = false;
    for (std::size_t i = 0; i < pattern.size(); ++i) {
        char c = pattern[i];
        if (c == '\\')
            ++i;
        else if (in_class)
            in_class = c != ']';
        else if (c == '[')
            in_class = true;
        else if (c == '(')
            ++depth;
        else if (c == ')' && --depth < 0)
            return false;
    }
    return depth == 0 && !in_class;
}

Result<void> check_pattern(const rapidjson::Value& node, const std::string& at) {
    const auto& pattern = node["pattern"];
    if (!pattern.IsString() || !balanced_groups(view(pattern)) ||
        !rapidjson::internal::Regex(pattern.GetString()).IsValid())
        return problem(at, "\"pattern\" is not a regular expression RapidJSON can compile");
    return {};
}

Result<void> check_format(const rapidjson::Value& node, const std::string& at) {
    const auto& format = node["format"];
    if (!format.IsString())
        return problem(at, "\"format\" must be a string");
    auto pattern = node.FindMember("pattern");
    std::string_view written = pattern != node.MemberEnd() && pattern->value.IsString()
                                   ? view(pattern->value)
                                   : std::string_view{};
    if (view(format) == "date-time" && written != date_time_pattern)
        return problem(at, "a date-time needs the catalog's ISO-8601 \"pattern\" (RapidJSON "
                           "ignores \"format\")");
    if (view(format) == "uuid" && written != uuid_pattern)
        return problem(at, "a uuid needs the catalog's UUID \"pattern\" (RapidJSON ignores "
                           "\"format\")");
    return {};
}

Result<void> check_event_types(const rapidjson::Value& types, const std::string& at) {
    if (!types.IsObject() || types.ObjectEmpty())
        return problem(at, "\"x-event-types\" must map event types to lists of aliases");
    for (const auto& type : types.GetObject()) {
        bool aliases_ok = type.value.IsArray();
        if (aliases_ok)
            for (const auto& alias : type.value.GetArray())
                aliases_ok = aliases_ok && alias.IsString();
        if (!aliases_ok)
            return problem(at, fmt::format("\"x-event-types\": the aliases of {} must be a list "
                                           "of strings",
                                           view(type.name)));
    }
    return {};
}

Result<void> check_node(const rapidjson::Value& node, const std::string& at, bool root);

Result<void> check_children(const rapidjson::Value& node, const std::string& at) {
    if (auto it = node.FindMember("properties"); it != node.MemberEnd()) {
        if (!it->value.IsObject())
            return problem(at, "\"properties\" must be an object");
        for (const auto& property : it->value.GetObject())
            if (auto checked = check_node(property.value,
                                          at + "/properties/" + token(view(property.name)), false);
                !checked)
                return checked;
    }
    if (auto it = node.FindMember("items"); it != node.MemberEnd())
        if (auto checked = check_node(it->value, at + "/items", false); !checked)
            return checked;
    if (auto it = node.FindMember("additionalProperties"); it != node.MemberEnd()) {
        if (it->value.IsObject())
            return check_node(it->value, at + "/additionalProperties", false);
        if (!it->value.IsBool())
            return problem(at, "\"additionalProperties\" must be a boolean or a schema");
    }
    return {};
}

Result<void> check_node(const rapidjson::Value& node, const std::string& at, bool root) {
    if (!node.IsObject())
        return problem(at, "a schema must be an object");
    for (const auto& member : node.GetObject()) {
        std::string_view key = view(member.name);
        if (!contains(keywords, key) && !(root && contains(root_keywords, key)))
            return problem(at, fmt::format("unknown keyword \"{}\"", key));
    }
    for (const char* text : {"title", "description"})
        if (node.HasMember(text) && !node[text].IsString())
            return problem(at, fmt::format("\"{}\" must be a string", text));
    for (const char* count : {"minLength", "maxLength", "minItems", "maxItems"})
        if (node.HasMember(count) && !node[count].IsUint())
            return problem(at, fmt::format("\"{}\" must be a non-negative integer", count));
    if (node.HasMember("enum") && (!node["enum"].IsArray() || node["enum"].Empty()))
        return problem(at, "\"enum\" must be a non-empty list");
    Result<void> checked;
    if (checked && node.HasMember("type"))
        checked = check_type(node["type"], at);
    if (checked && node.HasMember("required"))
        checked = check_required(node, at);
    if (checked && node.HasMember("pattern"))
        checked = check_pattern(node, at);
    if (checked && node.HasMember("format"))
        checked = check_format(node, at);
    if (checked && node.HasMember("x-event-types"))
        checked = check_event_types(node["x-event-types"], at);
    if (!checked)
        return checked;
    return check_children(node, at);
}

} // namespace

Result<void> check_schema_document(std::string_view schema_json) {
    auto document = parse_json(schema_json);
    if (!document)
        return document.error();
    if (!document->IsObject())
        return problem("", "a schema must be an object");
    auto schema = document->FindMember("$schema");
    if (schema == document->MemberEnd() || !schema->value.IsString() ||
        view(schema->value) != draft04)
        return problem("", fmt::format("\"$schema\" must be \"{}\"", draft04));
    for (const char* text : {"title", "description"})
        if (!document->HasMember(text))
            return problem("", fmt::format("\"{}\" is missing", text));
    return check_node(*document, "", true);
}

} // namespace bb
