// Private helpers of the envelope module: the JSON string writer that matches
// the Python side byte for byte, and the pieces of field-path error messages.
#pragma once

#include "bloodbank/error.hpp"

#include <rapidjson/document.h>

#include <array>
#include <cstddef>
#include <string>
#include <string_view>

namespace bb::envelope_json {

// Appends s as a JSON string literal exactly as Python's
// json.dumps(ensure_ascii=False) and orjson write it: `"` and `\` escaped,
// \b \f \n \r \t by name, other bytes below 0x20 as \u00xx (lowercase hex),
// everything else (DEL, non-ASCII UTF-8) as is. s must be valid UTF-8.
void append_string(std::string& out, std::string_view s);

// A value for an error message: a JSON string literal, cut after 64 bytes (at
// a character boundary) with "..." so that a huge or binary value cannot
// flood a terminal.
std::string quoted(std::string_view value);

// A key for a field path: as is when it is plain printable text, else quoted().
std::string key_name(std::string_view key);

inline std::string_view view(const rapidjson::Value& string) {
    return {string.GetString(), string.GetStringLength()};
}

// ErrorKind::data "<path>: <problem>".
Error field_error(std::string_view path, std::string_view problem);
// "<path>: expected <what>, got <json type of value>".
Error type_error(std::string_view path, std::string_view what, const rapidjson::Value& value);

// "parent.field", or "field" at the top level.
std::string join_path(std::string_view parent, std::string_view field);
// "parent[index]".
std::string index_path(std::string_view parent, std::size_t index);

// Maps an object's members onto the known field names (slot i holds the value
// of names[i], or nullptr when absent). Any other key is an error
// "<path>.<key>: unknown field": a misspelt field must not vanish silently.
template <std::size_t N>
Result<std::array<const rapidjson::Value*, N>>
collect_fields(const rapidjson::Value& object, const std::array<std::string_view, N>& names,
               std::string_view path) {
    std::array<const rapidjson::Value*, N> slots{};
    for (const auto& member : object.GetObject()) {
        std::string_view key = view(member.name);
        std::size_t i = 0;
        while (i < N && names[i] != key)
            ++i;
        if (i == N)
            return field_error(join_path(path, key_name(key)), "unknown field");
        slots[i] = &member.value; // keys are unique: parse_json rejects duplicates
    }
    return slots;
}

} // namespace bb::envelope_json
