// The catalog of event types: loads the embedded schemas once and indexes
// them by the event types (and aliases) each payload schema declares. Looking
// up one type goes through the build-time index instead (index.cpp).
#include "bloodbank/catalog.hpp"

#include "catalog/embedded.hpp"
#include "catalog/store.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <numeric>

namespace bb {
namespace catalog_detail {
namespace {

std::string_view view(const rapidjson::Value& string) {
    return {string.GetString(), string.GetStringLength()};
}

void note_problem(Store& store, std::string problem) {
    if (store.problem.empty())
        store.problem = std::move(problem);
}

std::string_view title_of(const rapidjson::Value& schema) {
    auto it = schema.FindMember("title");
    return it != schema.MemberEnd() && it->value.IsString() ? view(it->value) : std::string_view{};
}

// Adds one entry per type named in the schema's x-event-types member.
void add_entries(Store& store, const LoadedSchema& schema) {
    const rapidjson::Document& document = *schema.document;
    auto types = document.FindMember(event_types_key.data());
    if (types == document.MemberEnd() || !types->value.IsObject() || types->value.ObjectEmpty()) {
        note_problem(store, fmt::format("{}: no \"{}\" object naming its event types", schema.path,
                                        event_types_key));
        return;
    }
    for (const auto& type : types->value.GetObject()) {
        CatalogEntry entry{view(type.name), title_of(document), schema.text, {}};
        if (type.value.IsArray())
            for (const auto& alias : type.value.GetArray())
                if (alias.IsString())
                    entry.aliases.push_back(view(alias));
        store.entries.push_back(std::move(entry));
        store.entry_file.push_back(schema.file);
    }
}

void sort_entries(Store& store) {
    std::vector<std::size_t> order(store.entries.size());
    std::iota(order.begin(), order.end(), std::size_t{0});
    std::sort(order.begin(), order.end(), [&](std::size_t a, std::size_t b) {
        return store.entries[a].event_type < store.entries[b].event_type;
    });
    std::vector<CatalogEntry> entries;
    std::vector<std::size_t> entry_file;
    for (std::size_t i : order) {
        entries.push_back(std::move(store.entries[i]));
        entry_file.push_back(store.entry_file[i]);
    }
    store.entries = std::move(entries);
    store.entry_file = std::move(entry_file);
}

void index_names(Store& store) {
    for (std::size_t i = 0; i < store.entries.size(); ++i) {
        const CatalogEntry& entry = store.entries[i];
        if (!store.by_name.emplace(entry.event_type, i).second)
            note_problem(store, fmt::format("event type {} is declared twice", entry.event_type));
        for (std::string_view alias : entry.aliases)
            if (!store.by_name.emplace(alias, i).second)
                note_problem(store, fmt::format("event type {} is declared twice", alias));
    }
}

// The build-time index must name the same file for every type as the parsed
// schemas do, and no more types.
void compare_with_build_index(Store& store) {
    for (const EmbeddedType& type : embedded_types()) {
        auto it = store.by_name.find(type.name);
        if (it == store.by_name.end() || store.entry_file[it->second] != type.file)
            note_problem(store, fmt::format("the build-time type index is stale for {}; rebuild",
                                            type.name));
    }
    if (store.by_name.size() != embedded_types().size())
        note_problem(store, "the build-time type index misses event types; rebuild");
}

Store load() {
    Store store;
    auto files = embedded_schemas();
    store.schemas.reserve(files.size()); // store.envelope points into it
    for (std::size_t i = 0; i < files.size(); ++i) {
        const ParsedSchema& parsed = parsed_schema(i);
        if (!parsed.error.empty()) {
            note_problem(store, fmt::format("{}: {}", files[i].path, parsed.error));
            continue;
        }
        const LoadedSchema& schema = store.schemas.emplace_back(
            LoadedSchema{files[i].path, files[i].text, i, &parsed.document});
        if (schema.path == envelope_path)
            store.envelope = &schema;
        else
            add_entries(store, schema);
    }
    if (store.envelope == nullptr)
        note_problem(store, fmt::format("no {} among the embedded schemas", envelope_path));
    sort_entries(store);
    index_names(store);
    compare_with_build_index(store);
    return store;
}

} // namespace

const Store& store() {
    static const Store loaded = load();
    return loaded;
}

} // namespace catalog_detail

const std::vector<CatalogEntry>& catalog() {
    return catalog_detail::store().entries;
}

const CatalogEntry* find_schema(std::string_view event_type) {
    const auto& store = catalog_detail::store();
    auto it = store.by_name.find(event_type);
    return it == store.by_name.end() ? nullptr : &store.entries[it->second];
}

bool is_known_type(std::string_view event_type) {
    return catalog_detail::schema_file_of(event_type).has_value();
}

std::string_view envelope_schema() {
    auto file = catalog_detail::envelope_file();
    return file ? catalog_detail::embedded_schemas()[*file].text : std::string_view{};
}

Result<void> check_catalog() {
    const auto& store = catalog_detail::store();
    if (!store.problem.empty())
        return make_error(ErrorKind::internal, store.problem);
    for (const auto& schema : store.schemas)
        if (auto checked = check_schema_document(schema.text); !checked)
            return make_error(ErrorKind::internal,
                              fmt::format("{}: {}", schema.path, checked.error().message));
    return {};
}

} // namespace bb
