// Validation against the catalog's schemas. Each thread compiles its own copy
// of a schema on first use and keeps a validator for it: RapidJSON 1.1.0's
// compiled "pattern" keeps its match state inside the schema, so one compiled
// schema cannot serve two threads at once, and building a validator costs
// more than most validations.
#include "catalog/embedded.hpp"
#include "catalog/errors.hpp"
#include "catalog/store.hpp"

#include "bloodbank/catalog.hpp"
#include "bloodbank/json.hpp"

#include <fmt/format.h>
#include <rapidjson/schema.h>

#include <memory>
#include <vector>

namespace bb {
namespace {

using catalog_detail::parsed_schema;

struct ThreadSchema {
    explicit ThreadSchema(const rapidjson::Value& document) : schema(document), validator(schema) {}
    rapidjson::SchemaDocument schema;
    rapidjson::SchemaValidator validator;
};

// `file`'s validator for this thread, compiled on first use.
rapidjson::SchemaValidator& validator_for(std::size_t file, const rapidjson::Document& schema) {
    thread_local std::vector<std::unique_ptr<ThreadSchema>> compiled;
    if (compiled.size() <= file)
        compiled.resize(file + 1);
    auto& slot = compiled[file];
    if (!slot)
        slot = std::make_unique<ThreadSchema>(schema);
    return slot->validator;
}

Result<void> validate_with(std::size_t file, const rapidjson::Value& value,
                           std::string_view root_path) {
    const catalog_detail::ParsedSchema& schema = parsed_schema(file);
    if (!schema.error.empty())
        return make_error(ErrorKind::internal,
                          fmt::format("embedded schema {}: {}",
                                      catalog_detail::embedded_schemas()[file].path, schema.error));
    rapidjson::SchemaValidator& validator = validator_for(file, schema.document);
    value.Accept(validator);
    if (validator.IsValid())
        return {}; // a completed validation leaves the validator ready for the next
    Error error = catalog_detail::describe_failure(validator, schema.document, value, root_path);
    validator.Reset();
    return error;
}

} // namespace

Result<void> validate_payload(std::string_view event_type, const rapidjson::Value& payload) {
    auto file = catalog_detail::schema_file_of(event_type);
    if (!file)
        return {};
    return validate_with(*file, payload, "payload");
}

Result<void> validate_payload(std::string_view event_type, std::string_view payload_json) {
    auto file = catalog_detail::schema_file_of(event_type);
    if (!file)
        return {};
    auto payload = parse_json(payload_json);
    if (!payload)
        return make_error(ErrorKind::data, fmt::format("payload: {}", payload.error().message));
    return validate_with(*file, *payload, "payload");
}

Result<void> validate_envelope(const rapidjson::Value& envelope) {
    auto file = catalog_detail::envelope_file();
    if (!file)
        return make_error(ErrorKind::internal, "the envelope schema is not embedded");
    return validate_with(*file, envelope, "");
}

} // namespace bb
