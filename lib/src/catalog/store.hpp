// Private to the catalog module: the embedded schemas, each parsed once per
// process on first use, the build-time index from event type to schema file,
// and the full catalog (entries, titles, aliases) loaded over them. Compiled
// schemas are per thread (see validate.cpp).
#pragma once

#include "bloodbank/catalog.hpp"

#include <rapidjson/document.h>

#include <cstddef>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

namespace bb::catalog_detail {

inline constexpr std::string_view envelope_path = "envelope.json";
inline constexpr std::string_view event_types_key = "x-event-types";

struct ParsedSchema {
    rapidjson::Document document; // read-only once parsed, so shared by all threads
    std::string error;            // why the text is not a JSON object; "" when it is
};

// Embedded file `file` (an index into embedded_schemas()), parsed on first use
// (thread-safe) and kept until exit. A publisher of one event type parses that
// type's schema only.
const ParsedSchema& parsed_schema(std::size_t file);

// The schema file of an event type or alias, from the build-time index: no
// JSON is parsed. nullopt for a type the catalog does not know.
std::optional<std::size_t> schema_file_of(std::string_view event_type);

// The file of schemas/envelope.json; nullopt when it is not embedded.
std::optional<std::size_t> envelope_file();

struct LoadedSchema {
    std::string_view path;
    std::string_view text;
    std::size_t file;                    // its index in embedded_schemas()
    const rapidjson::Document* document; // parsed_schema(file).document
};

struct Store {
    std::vector<LoadedSchema> schemas;      // the files that parse, in path order
    const LoadedSchema* envelope = nullptr; // also in schemas
    std::vector<CatalogEntry> entries;      // sorted by event_type
    std::vector<std::size_t> entry_file;    // entries[i]'s file in embedded_schemas()
    std::unordered_map<std::string_view, std::size_t> by_name; // type or alias -> entry
    std::string problem; // the first inconsistency found while loading, if any
};

// The whole catalog, loaded on first use (a function-local static:
// thread-safe) and never freed before exit. Listing types and checking the
// catalog need it; finding and validating one type do not.
const Store& store();

} // namespace bb::catalog_detail
