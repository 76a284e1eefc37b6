// The schema files of schemas/, embedded at build time: the generated source
// (cmake/generate_schema_source.cmake) defines embedded_schemas() and
// embedded_types().
#pragma once

#include <cstddef>
#include <span>
#include <string_view>

namespace bb::catalog_detail {

struct EmbeddedSchema {
    std::string_view path; // relative to schemas/: "envelope.json", "payload/llm.prompt.json"
    std::string_view text;
};

// Every embedded file, in path order.
std::span<const EmbeddedSchema> embedded_schemas();

struct EmbeddedType {
    std::string_view name; // an event type or an alias
    std::size_t file;      // its schema's index in embedded_schemas()
};

// Every name of every payload schema's "x-event-types", read at build time so
// that finding a type's schema parses no JSON; check_catalog() compares it
// with what the parsed schemas say.
std::span<const EmbeddedType> embedded_types();

} // namespace bb::catalog_detail
