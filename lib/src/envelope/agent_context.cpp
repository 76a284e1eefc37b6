#include "envelope/agent_context.hpp"

#include "envelope/json.hpp"

#include "bloodbank/json.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <array>
#include <string_view>

namespace bb {
namespace {

using namespace envelope_json;

constexpr std::array<std::string_view, 9> agent_types = {
    "claude-code", "claude-chat", "gemini-cli",   "gemini-code", "letta",
    "agno",        "smolagent",   "atomic-agent", "custom"};

constexpr std::array<std::string_view, 10> context_fields = {"type",           "name",
                                                             "system_prompt",  "instance_id",
                                                             "mcp_servers",    "file_references",
                                                             "url_references", "code_state",
                                                             "checkpoint_id",  "meta"};

constexpr std::array<std::string_view, 5> code_state_fields = {"repo_url", "branch", "working_diff",
                                                               "branch_diff", "last_commit_hash"};

constexpr std::string_view context_path = "agent_context";
constexpr std::string_view code_state_path = "agent_context.code_state";

void append_key(std::string& out, std::string_view key) {
    out.push_back('"');
    out.append(key);
    out.append("\":", 2);
}

// Optional[str]
Result<void> append_optional_string(const rapidjson::Value* value, std::string_view path,
                                    std::string& out) {
    if (value == nullptr || value->IsNull()) {
        out.append("null");
        return {};
    }
    if (!value->IsString())
        return type_error(path, "a string or null", *value);
    append_string(out, view(*value));
    return {};
}

// Optional[List[str]]
Result<void> append_optional_strings(const rapidjson::Value* value, std::string_view path,
                                     std::string& out) {
    if (value == nullptr || value->IsNull()) {
        out.append("null");
        return {};
    }
    if (!value->IsArray())
        return type_error(path, "an array or null", *value);
    out.push_back('[');
    std::size_t index = 0;
    for (const auto& item : value->GetArray()) {
        if (!item.IsString())
            return type_error(index_path(path, index), "a string", item);
        if (index++ > 0)
            out.push_back(',');
        append_string(out, view(item));
    }
    out.push_back(']');
    return {};
}

// Optional[Dict[str, Any]]
Result<void> append_optional_object(const rapidjson::Value* value, std::string_view path,
                                    std::string& out) {
    if (value == nullptr || value->IsNull()) {
        out.append("null");
        return {};
    }
    if (!value->IsObject())
        return type_error(path, "an object or null", *value);
    append_compact_json(*value, out);
    return {};
}

Result<void> append_code_state(const rapidjson::Value* value, std::string& out) {
    if (value == nullptr || value->IsNull()) {
        out.append("null");
        return {};
    }
    if (!value->IsObject())
        return type_error(code_state_path, "an object or null", *value);
    auto slots = collect_fields(*value, code_state_fields, code_state_path);
    if (!slots)
        return slots.error();
    out.push_back('{');
    for (std::size_t i = 0; i < code_state_fields.size(); ++i) {
        if (i > 0)
            out.push_back(',');
        append_key(out, code_state_fields[i]);
        auto field = append_optional_string((*slots)[i],
                                            join_path(code_state_path, code_state_fields[i]), out);
        if (!field)
            return field;
    }
    out.push_back('}');
    return {};
}

Result<void> append_type(const rapidjson::Value* value, std::string& out) {
    constexpr std::string_view path = "agent_context.type";
    if (value == nullptr)
        return field_error(path, "required field is missing");
    if (!value->IsString())
        return type_error(path, "a string", *value);
    std::string_view type = view(*value);
    if (std::find(agent_types.begin(), agent_types.end(), type) == agent_types.end())
        return field_error(
            path, fmt::format("{} is not one of {}", quoted(type), fmt::join(agent_types, ", ")));
    append_string(out, type);
    return {};
}

} // namespace

Result<void> append_agent_context(const rapidjson::Value& object, std::string& out) {
    auto slots = collect_fields(object, context_fields, context_path);
    if (!slots)
        return slots.error();
    out.push_back('{');
    for (std::size_t i = 0; i < context_fields.size(); ++i) {
        std::string_view name = context_fields[i];
        const rapidjson::Value* value = (*slots)[i];
        if (i > 0)
            out.push_back(',');
        append_key(out, name);
        Result<void> field;
        if (name == "type")
            field = append_type(value, out);
        else if (name == "mcp_servers" || name == "file_references" || name == "url_references")
            field = append_optional_strings(value, join_path(context_path, name), out);
        else if (name == "code_state")
            field = append_code_state(value, out);
        else if (name == "meta")
            field = append_optional_object(value, join_path(context_path, name), out);
        else
            field = append_optional_string(value, join_path(context_path, name), out);
        if (!field)
            return field;
    }
    out.push_back('}');
    return {};
}

} // namespace bb
