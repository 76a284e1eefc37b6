// The schema files of schemas/, embedded at build time: the generated source
// (cmake/generate_schema_source.cmake) defines embedded_schemas().
#pragma once

#include <span>
#include <string_view>

namespace bb::catalog_detail {

struct EmbeddedSchema {
    std::string_view path; // relative to schemas/: "envelope.json", "payload/llm.prompt.json"
    std::string_view text;
};

// Every embedded file, in path order.
std::span<const EmbeddedSchema> embedded_schemas();

} // namespace bb::catalog_detail
