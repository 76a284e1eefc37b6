// parse_envelope and wrap_payload: validation with field paths, completion of
// defaults and the v1 correlation_id upgrade.
#include "envelope/agent_context.hpp"
#include "envelope/json.hpp"

#include "bloodbank/envelope.hpp"
#include "bloodbank/utf8.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <array>
#include <set>

namespace bb {
namespace {

using namespace envelope_json;

// A hostile line must not turn into a huge Redis transaction.

enum Field : std::size_t {
    event_id,
    event_type,
    timestamp,
    version,
    source,
    correlation_ids,
    agent_context,
    payload,
    correlation_id, // v1
    field_count
};

constexpr std::array<std::string_view, field_count> field_names = {
    "event_id",        "event_type",    "timestamp", "version",       "source",
    "correlation_ids", "agent_context", "payload",   "correlation_id"};

constexpr std::array<std::string_view, 4> source_fields = {"host", "type", "app", "meta"};

using Slots = std::array<const rapidjson::Value*, field_count>;

Error missing(std::string_view path) {
    return field_error(path, "required field is missing");
}

const std::string& default_host(const EnvelopeDefaults& defaults) {
    return defaults.host.empty() ? local_hostname() : defaults.host;
}

Source default_source(const EnvelopeDefaults& defaults) {
    return Source{default_host(defaults), defaults.source_type, defaults.source_app, std::nullopt};
}

Result<Uuid> read_uuid(const rapidjson::Value& value, std::string_view path) {
    if (!value.IsString())
        return type_error(path, "a string", value);
    auto id = parse_uuid(view(value));
    if (!id)
        return field_error(
            path, fmt::format("{} is not a UUID: {}", quoted(view(value)), id.error().message));
    return id;
}

Result<void> read_string(const rapidjson::Value& value, std::string_view path, std::string& out) {
    if (!value.IsString())
        return type_error(path, "a string", value);
    out.assign(value.GetString(), value.GetStringLength());
    return {};
}

Result<void> read_optional_string(const rapidjson::Value& value, std::string_view path,
                                  std::optional<std::string>& out) {
    if (value.IsNull()) {
        out.reset();
        return {};
    }
    if (!value.IsString())
        return type_error(path, "a string or null", value);
    out.emplace(value.GetString(), value.GetStringLength());
    return {};
}

Result<void> read_timestamp(const rapidjson::Value& value, Timestamp& out) {
    constexpr std::string_view path = "timestamp";
    if (!value.IsString())
        return type_error(path, "a string", value);
    auto parsed = parse_timestamp(view(value));
    if (!parsed)
        return field_error(path, fmt::format("{} is not an ISO-8601 timestamp: {}",
                                             quoted(view(value)), parsed.error().message));
    out = *parsed;
    return {};
}

Result<void> read_source(const rapidjson::Value& value, const EnvelopeDefaults& defaults,
                         Source& out) {
    if (!value.IsObject())
        return type_error("source", "an object", value);
    auto slots = collect_fields(value, source_fields, "source");
    if (!slots)
        return slots.error();
    auto [host, type, app, meta] = *slots;

    if (host == nullptr)
        out.host = default_host(defaults);
    else if (auto read = read_string(*host, "source.host", out.host); !read)
        return read;

    out.type = defaults.source_type;
    if (type != nullptr) {
        if (!type->IsString())
            return type_error("source.type", "a string", *type);
        auto parsed = parse_source_type(view(*type));
        if (!parsed)
            return field_error("source.type", parsed.error().message);
        out.type = *parsed;
    }

    out.app = defaults.source_app;
    if (app != nullptr)
        if (auto read = read_optional_string(*app, "source.app", out.app); !read)
            return read;

    out.meta.reset();
    if (meta != nullptr && !meta->IsNull()) {
        if (!meta->IsObject())
            return type_error("source.meta", "an object or null", *meta);
        out.meta.emplace();
        append_compact_json(*meta, *out.meta);
    }
    return {};
}

// Appends id unless it is already there: a parent listed twice is one link.
void add_parent(std::vector<Uuid>& ids, const Uuid& id, std::set<Uuid>* seen) {
    if (seen != nullptr ? seen->insert(id).second
                        : std::find(ids.begin(), ids.end(), id) == ids.end())
        ids.push_back(id);
}

Result<void> read_correlation_ids(const rapidjson::Value& value, std::vector<Uuid>& out) {
    constexpr std::string_view path = "correlation_ids";
    if (!value.IsArray())
        return type_error(path, "an array", value);
    auto items = value.GetArray();
    if (items.Size() > max_correlation_ids)
        return field_error(path, fmt::format("more than {} parents", max_correlation_ids));
    out.clear();
    out.reserve(items.Size());
    // A linear search is fastest for the usual handful of parents.
    std::set<Uuid> seen;
    std::set<Uuid>* index = items.Size() > 16 ? &seen : nullptr;
    for (rapidjson::SizeType i = 0; i < items.Size(); ++i) {
        auto id = read_uuid(items[i], index_path(path, i));
        if (!id)
            return id.error();
        add_parent(out, *id, index);
    }
    return {};
}

// v1 envelopes name one parent in `correlation_id` (a UUID or null).
Result<void> read_v1_correlation_id(const rapidjson::Value& value, std::vector<Uuid>& out) {
    constexpr std::string_view path = "correlation_id";
    out.clear();
    if (value.IsNull())
        return {};
    if (!value.IsString())
        return type_error(path, "a string or null", value);
    auto id = read_uuid(value, path);
    if (!id)
        return id.error();
    out.push_back(*id);
    return {};
}

Result<void> read_parents(const Slots& slots, Envelope& envelope) {
    const rapidjson::Value* list = slots[correlation_ids];
    const rapidjson::Value* v1 = slots[correlation_id];
    if (list != nullptr && v1 != nullptr)
        return field_error("correlation_id", "cannot be combined with correlation_ids");
    Result<void> read;
    if (list != nullptr)
        read = read_correlation_ids(*list, envelope.correlation_ids);
    else if (v1 != nullptr)
        read = read_v1_correlation_id(*v1, envelope.correlation_ids);
    if (!read)
        return read;
    // A self-link would make the event its own ancestor in Redis.
    for (std::size_t i = 0; i < envelope.correlation_ids.size(); ++i)
        if (envelope.correlation_ids[i] == envelope.event_id)
            return field_error(list != nullptr ? index_path("correlation_ids", i)
                                               : std::string("correlation_id"),
                               "an event cannot be its own parent");
    return {};
}

// Every field, in canonical order, so that the reported error does not
// depend on the order of the input's keys.
Result<void> read_fields(const Slots& slots, const EnvelopeOptions& options, Envelope& out) {
    if (const auto* value = slots[event_id]) {
        auto id = read_uuid(*value, "event_id");
        if (!id)
            return id.error();
        out.event_id = *id;
    } else {
        out.event_id = uuid_v4();
    }

    const auto* type = slots[event_type];
    if (type == nullptr)
        return missing("event_type");
    if (auto read = read_string(*type, "event_type", out.event_type); !read)
        return read;
    if (auto valid = validate_event_type(out.event_type); !valid)
        return valid;

    if (const auto* value = slots[timestamp]) {
        if (auto read = read_timestamp(*value, out.timestamp); !read)
            return read;
    } else {
        out.timestamp = Timestamp::now();
    }

    if (const auto* value = slots[version])
        if (auto read = read_string(*value, "version", out.version); !read)
            return read;

    if (const auto* value = slots[source]) {
        if (auto read = read_source(*value, options.defaults, out.source); !read)
            return read;
    } else {
        out.source = default_source(options.defaults);
    }

    if (auto read = read_parents(slots, out); !read)
        return read;

    if (const auto* value = slots[agent_context]; value != nullptr && !value->IsNull()) {
        if (!value->IsObject())
            return type_error("agent_context", "an object or null", *value);
        out.agent_context.emplace();
        if (auto read = append_agent_context(*value, *out.agent_context); !read)
            return read;
    }

    const auto* body = slots[payload];
    if (body == nullptr)
        return missing("payload");
    append_compact_json(*body, out.payload); // any JSON value, null included
    return {};
}

} // namespace

Result<Envelope> parse_envelope(std::string_view json, const EnvelopeOptions& options) {
    auto doc = parse_json(json, options.limits);
    if (!doc)
        return doc.error();
    if (!doc->IsObject())
        return type_error("(root)", "an object", *doc);
    auto slots = collect_fields(*doc, field_names, "");
    if (!slots)
        return slots.error();
    Envelope envelope;
    if (auto read = read_fields(*slots, options, envelope); !read)
        return read.error();
    return envelope;
}

Result<Envelope> wrap_payload(std::string_view event_type, std::string_view payload_json,
                              const EnvelopeOptions& options) {
    if (auto valid = validate_event_type(event_type); !valid)
        return valid.error();
    auto doc = parse_json(payload_json, options.limits);
    if (!doc)
        return field_error("payload", doc.error().message);
    Envelope envelope;
    envelope.event_id = uuid_v4();
    envelope.event_type = event_type;
    envelope.timestamp = Timestamp::now();
    envelope.source = default_source(options.defaults);
    append_compact_json(*doc, envelope.payload);
    return envelope;
}

Result<Envelope> wrap_text(std::string_view event_type, std::string_view text,
                           const EnvelopeOptions& options) {
    if (auto utf8 = check_utf8(text); !utf8)
        return field_error("payload", utf8.error().message);
    std::string payload;
    append_string(payload, text);
    return wrap_payload(event_type, payload, options);
}

} // namespace bb
