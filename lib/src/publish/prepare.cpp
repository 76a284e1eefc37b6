// From one input record to the envelope bb-publish sends: parse or wrap it,
// check its payload against the catalog, add the --parent ids, make the id
// deterministic for --id-key.
#include "bloodbank/catalog.hpp"
#include "bloodbank/id_request.hpp"
#include "bloodbank/json.hpp"
#include "bloodbank/publish.hpp"
#include "bloodbank/utf8.hpp"

#include <fmt/format.h>

#include <algorithm>

namespace bb {

namespace {

std::string unknown_type_message(std::string_view field, std::string_view event_type) {
    return fmt::format("{}: \"{}\" is not a known event type (see bb-publish --list-types)", field,
                       event_type);
}

// The envelope keeps its payload as compact text, so a known type's payload is
// parsed again, under the recipe's limits (never tighter than the input's), and
// the parsed value validated. Unknown types cost one catalog lookup.
Result<void> check_payload(const Envelope& envelope, const EnvelopeRecipe& recipe) {
    if (!is_known_type(envelope.event_type)) {
        if (recipe.strict)
            return make_error(ErrorKind::data,
                              unknown_type_message("event_type", envelope.event_type));
        return {};
    }
    if (!recipe.check_payloads)
        return {};
    auto payload = parse_json(envelope.payload, recipe.envelope.limits);
    if (!payload)
        return make_error(ErrorKind::data, "payload: " + payload.error().message);
    return validate_payload(envelope.event_type, *payload);
}

// The parents --parent adds and the id --id-key makes pass the checks the
// input's own went through (envelope/parse.cpp): at most max_correlation_ids
// parents, and never the event itself.
Result<void> check_parents(const Envelope& envelope, std::size_t from_input) {
    const auto& ids = envelope.correlation_ids;
    if (ids.size() > max_correlation_ids)
        return make_error(ErrorKind::data,
                          fmt::format("correlation_ids: more than {} parents with --parent ({})",
                                      max_correlation_ids, ids.size()));
    for (std::size_t i = 0; i < ids.size(); ++i) {
        if (ids[i] != envelope.event_id)
            continue;
        if (i >= from_input)
            return make_error(ErrorKind::data, fmt::format("--parent {}: an event cannot be its "
                                                           "own parent (it is this event's id)",
                                                           ids[i].str()));
        return make_error(ErrorKind::data,
                          fmt::format("correlation_ids[{}]: an event cannot be its own parent "
                                      "(it is the id --id-key makes)",
                                      i));
    }
    return {};
}

} // namespace

Result<void> check_replayable(std::string_view record) {
    auto json = parse_json(record);
    if (!json)
        return make_error(ErrorKind::data, json.error().message);
    for (const char* field : {"event_id", "timestamp"})
        if (!json->IsObject() || !json->HasMember(field))
            return make_error(ErrorKind::data,
                              fmt::format("{}: required to replay an event (its identity is "
                                          "kept, never made up)",
                                          field));
    return {};
}

Result<IdFields> parse_id_keys(const std::vector<std::string>& args) {
    // Every bad --id-key is a usage error (64), as for bb-publish's other flags.
    return parse_field_args(args, "--id-key", ErrorKind::usage);
}

Result<void> check_recipe(const EnvelopeRecipe& recipe) {
    if (recipe.wrap_type) {
        if (auto valid = validate_event_type(*recipe.wrap_type); !valid) {
            // The flag names the field here, not the envelope's path.
            std::string_view why = valid.error().message;
            if (why.rfind("event_type: ", 0) == 0)
                why.remove_prefix(12);
            return make_error(ErrorKind::usage, fmt::format("--type: {}", why));
        }
    }
    if (recipe.strict && recipe.wrap_type && !is_known_type(*recipe.wrap_type))
        return make_error(ErrorKind::usage, unknown_type_message("--type", *recipe.wrap_type));
    if (auto utf8 = check_utf8(recipe.id_namespace); !utf8)
        return make_error(ErrorKind::usage, "--id-namespace: " + utf8.error().message);
    return {};
}

Result<Envelope> prepare_envelope(std::string_view record, const EnvelopeRecipe& recipe) {
    auto envelope = !recipe.wrap_type  ? parse_envelope(record, recipe.envelope)
                    : recipe.wrap_text ? wrap_text(*recipe.wrap_type, record, recipe.envelope)
                                       : wrap_payload(*recipe.wrap_type, record, recipe.envelope);
    if (!envelope)
        return envelope;
    if (auto valid = check_payload(*envelope, recipe); !valid)
        return valid.error();
    std::size_t from_input = envelope->correlation_ids.size();
    for (const Uuid& parent : recipe.parents) {
        auto& ids = envelope->correlation_ids;
        if (std::find(ids.begin(), ids.end(), parent) == ids.end())
            ids.push_back(parent);
    }
    if (recipe.id_fields)
        envelope->event_id =
            event_id_for_fields(envelope->event_type, *recipe.id_fields, recipe.id_namespace);
    if (!recipe.parents.empty() || recipe.id_fields)
        if (auto checked = check_parents(*envelope, from_input); !checked)
            return checked.error();
    return envelope;
}

} // namespace bb
