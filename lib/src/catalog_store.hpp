// Private to the catalog module: the embedded schemas parsed once per process,
// and the event type index over them. Compiled schemas are per thread (see
// catalog_validate.cpp).
#pragma once

#include "bloodbank/catalog.hpp"

#include <rapidjson/document.h>

#include <cstddef>
#include <memory>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

namespace bb::catalog_detail {

inline constexpr std::string_view envelope_path = "envelope.json";
inline constexpr std::string_view event_types_key = "x-event-types";

struct LoadedSchema {
    std::string_view path;
    std::string_view text;
    rapidjson::Document document; // the parsed text; read-only, so shared by all threads
};

struct Store {
    std::vector<std::unique_ptr<LoadedSchema>> schemas; // one per file, in path order
    const LoadedSchema* envelope = nullptr;             // also in schemas, at envelope_index
    std::size_t envelope_index = 0;
    std::vector<CatalogEntry> entries;                         // sorted by event_type
    std::vector<std::size_t> entry_schema;                     // entries[i]'s index in schemas
    std::unordered_map<std::string_view, std::size_t> by_name; // type or alias -> entry
    std::string problem; // the first inconsistency found while loading, if any
};

// Loaded on first use (a function-local static: thread-safe) and never freed
// before exit.
const Store& store();

} // namespace bb::catalog_detail
