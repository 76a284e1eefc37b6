// Bounded JSON parsing: every document that enters the library comes through
// here, so size, nesting depth, UTF-8 validity, NUL bytes and duplicate keys
// are checked once, while parsing, before anything else looks at the data.
#pragma once

#include "bloodbank/error.hpp"

#include <rapidjson/document.h>

#include <cstddef>
#include <string>
#include <string_view>

namespace bb {

struct JsonLimits {
    std::size_t max_bytes = 1024 * 1024; // whole document, in bytes
    unsigned max_depth = 64;             // nested objects and arrays
};

// Parses exactly one JSON document (surrounding whitespace allowed). Errors are
// ErrorKind::data with a message such as "invalid JSON at byte 17: ...",
// "nesting deeper than 64 levels at byte 80", "duplicate key \"a\" at byte 9".
Result<rapidjson::Document> parse_json(std::string_view text, const JsonLimits& limits = {});

// Compact serialization (no spaces, UTF-8 as is), the same bytes orjson writes
// for the same value.
std::string to_compact_json(const rapidjson::Value& value);
void append_compact_json(const rapidjson::Value& value, std::string& out);

// RapidJSON writes control characters as \u001F, Python's json and orjson as
// \u001f: turns the escapes of a JSON text written by RapidJSON, from byte
// `from` on, into Python's.
void lowercase_json_escapes(std::string& json, std::size_t from = 0);

// A JSON value's type as a person would name it: "string", "object", "null"...
std::string_view json_type_name(const rapidjson::Value& value);

} // namespace bb
