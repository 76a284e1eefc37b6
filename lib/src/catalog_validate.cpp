// Validation against the catalog's schemas. Each thread compiles its own copy
// of a schema on first use and keeps a validator for it: RapidJSON 1.1.0's
// compiled "pattern" keeps its match state inside the schema, so one compiled
// schema cannot serve two threads at once, and building a validator costs
// more than most validations.
#include "catalog_errors.hpp"
#include "catalog_store.hpp"

#include "bloodbank/catalog.hpp"
#include "bloodbank/json.hpp"

#include <fmt/format.h>
#include <rapidjson/schema.h>

#include <memory>
#include <vector>

namespace bb {
namespace {

using catalog_detail::store;

struct ThreadSchema {
    explicit ThreadSchema(const rapidjson::Value& document) : schema(document), validator(schema) {}
    rapidjson::SchemaDocument schema;
    rapidjson::SchemaValidator validator;
};

rapidjson::SchemaValidator& validator_for(std::size_t index) {
    thread_local std::vector<std::unique_ptr<ThreadSchema>> compiled;
    const auto& schemas = store().schemas;
    if (compiled.size() < schemas.size())
        compiled.resize(schemas.size());
    auto& slot = compiled[index];
    if (!slot)
        slot = std::make_unique<ThreadSchema>(schemas[index]->document);
    return slot->validator;
}

Result<void> validate_with(std::size_t index, const rapidjson::Value& value,
                           std::string_view root_path) {
    rapidjson::SchemaValidator& validator = validator_for(index);
    value.Accept(validator);
    if (validator.IsValid())
        return {}; // a completed validation leaves the validator ready for the next
    Error error = catalog_detail::describe_failure(validator, store().schemas[index]->document,
                                                   value, root_path);
    validator.Reset();
    return error;
}

// The schema index of a known type, or nullptr.
const std::size_t* schema_of(std::string_view event_type) {
    const auto& loaded = store();
    auto it = loaded.by_name.find(event_type);
    return it == loaded.by_name.end() ? nullptr : &loaded.entry_schema[it->second];
}

} // namespace

Result<void> validate_payload(std::string_view event_type, const rapidjson::Value& payload) {
    const std::size_t* index = schema_of(event_type);
    if (index == nullptr)
        return {};
    return validate_with(*index, payload, "payload");
}

Result<void> validate_payload(std::string_view event_type, std::string_view payload_json) {
    const std::size_t* index = schema_of(event_type);
    if (index == nullptr)
        return {};
    auto payload = parse_json(payload_json);
    if (!payload)
        return make_error(ErrorKind::data, fmt::format("payload: {}", payload.error().message));
    return validate_with(*index, *payload, "payload");
}

Result<void> validate_envelope(const rapidjson::Value& envelope) {
    if (store().envelope == nullptr)
        return make_error(ErrorKind::internal, "the envelope schema is not embedded");
    return validate_with(store().envelope_index, envelope, "");
}

} // namespace bb
