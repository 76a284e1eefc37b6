// The catalog of event types: loads the embedded schemas once and indexes
// them by the event types (and aliases) each payload schema declares.
#include "bloodbank/catalog.hpp"

#include "catalog_embedded.hpp"
#include "catalog_store.hpp"

#include "bloodbank/json.hpp"

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
void add_entries(Store& store, const LoadedSchema& schema, std::size_t index) {
    auto types = schema.document.FindMember(event_types_key.data());
    if (types == schema.document.MemberEnd() || !types->value.IsObject() ||
        types->value.ObjectEmpty()) {
        note_problem(store, fmt::format("{}: no \"{}\" object naming its event types", schema.path,
                                        event_types_key));
        return;
    }
    for (const auto& type : types->value.GetObject()) {
        CatalogEntry entry{view(type.name), title_of(schema.document), schema.text, {}};
        if (type.value.IsArray())
            for (const auto& alias : type.value.GetArray())
                if (alias.IsString())
                    entry.aliases.push_back(view(alias));
        store.entries.push_back(std::move(entry));
        store.entry_schema.push_back(index);
    }
}

void sort_entries(Store& store) {
    std::vector<std::size_t> order(store.entries.size());
    std::iota(order.begin(), order.end(), std::size_t{0});
    std::sort(order.begin(), order.end(), [&](std::size_t a, std::size_t b) {
        return store.entries[a].event_type < store.entries[b].event_type;
    });
    std::vector<CatalogEntry> entries;
    std::vector<std::size_t> entry_schema;
    for (std::size_t i : order) {
        entries.push_back(std::move(store.entries[i]));
        entry_schema.push_back(store.entry_schema[i]);
    }
    store.entries = std::move(entries);
    store.entry_schema = std::move(entry_schema);
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

Store load() {
    Store store;
    for (const EmbeddedSchema& file : embedded_schemas()) {
        auto parsed = parse_json(file.text);
        if (!parsed || !parsed->IsObject()) {
            note_problem(store, fmt::format("{}: {}", file.path,
                                            parsed ? "not a JSON object" : parsed.error().message));
            continue;
        }
        auto schema = std::make_unique<LoadedSchema>();
        schema->path = file.path;
        schema->text = file.text;
        schema->document = std::move(*parsed);
        if (file.path == envelope_path) {
            store.envelope = schema.get();
            store.envelope_index = store.schemas.size();
        } else {
            add_entries(store, *schema, store.schemas.size());
        }
        store.schemas.push_back(std::move(schema));
    }
    if (store.envelope == nullptr)
        note_problem(store, fmt::format("no {} among the embedded schemas", envelope_path));
    sort_entries(store);
    index_names(store);
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
    return find_schema(event_type) != nullptr;
}

std::string_view envelope_schema() {
    const auto* envelope = catalog_detail::store().envelope;
    return envelope != nullptr ? envelope->text : std::string_view{};
}

Result<void> check_catalog() {
    const auto& store = catalog_detail::store();
    if (!store.problem.empty())
        return make_error(ErrorKind::internal, store.problem);
    for (const auto& schema : store.schemas)
        if (auto checked = check_schema_document(schema->text); !checked)
            return make_error(ErrorKind::internal,
                              fmt::format("{}: {}", schema->path, checked.error().message));
    return {};
}

} // namespace bb
