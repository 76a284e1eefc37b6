#include "catalog_listing.hpp"

#include "common/app.hpp"

#include "bloodbank/catalog.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <cstdio>
#include <utility>
#include <vector>

namespace bb::app {

std::string list_types_text() {
    std::vector<std::pair<std::string_view, std::string>> rows;
    for (const CatalogEntry& entry : catalog()) {
        rows.emplace_back(entry.event_type, std::string(entry.title));
        for (std::string_view alias : entry.aliases)
            rows.emplace_back(alias,
                              fmt::format("{} (alias of {})", entry.title, entry.event_type));
    }
    std::sort(rows.begin(), rows.end());
    std::size_t width = 0;
    for (const auto& row : rows)
        width = std::max(width, row.first.size());
    std::string text;
    for (const auto& [type, description] : rows)
        text += fmt::format("{:<{}}  {}\n", type, width, description);
    return text;
}

int print_schema(std::string_view program, std::string_view event_type) {
    const CatalogEntry* entry = find_schema(event_type);
    if (entry == nullptr)
        return fail(program, make_error(ErrorKind::usage,
                                        fmt::format("--schema: \"{}\" is not a known event type "
                                                    "(see bb-publish --list-types)",
                                                    event_type)));
    std::string_view schema = entry->schema_json;
    fmt::print("{}", schema);
    if (schema.empty() || schema.back() != '\n')
        fmt::print("\n");
    return std::fflush(stdout) == 0
               ? 0
               : fail(program, make_error(ErrorKind::io, "write error on stdout"));
}

} // namespace bb::app
