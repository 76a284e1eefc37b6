// serialize: the envelope as the Python publisher writes it, compact JSON in
// the model's field order with nulls included. On bb-publish's hot path, so
// it appends into the caller's buffer and allocates nothing else.
#include "envelope/json.hpp"

#include "bloodbank/envelope.hpp"

namespace bb {
namespace {

constexpr std::size_t uuid_length = 36;

void append_uuid(std::string& out, const Uuid& id) {
    out.push_back('"');
    std::size_t at = out.size();
    out.resize(at + uuid_length);
    id.format_to(out.data() + at);
    out.push_back('"');
}

void append_optional_string(std::string& out, const std::optional<std::string>& value) {
    if (value)
        envelope_json::append_string(out, *value);
    else
        out.append("null");
}

// Stored JSON text, or null for an absent (or empty, i.e. never set) value.
void append_raw(std::string& out, const std::optional<std::string>& json) {
    if (json && !json->empty())
        out.append(*json);
    else
        out.append("null");
}

} // namespace

void append_serialized(const Envelope& envelope, std::string& out) {
    out.reserve(out.size() + 256 + envelope.event_type.size() + envelope.payload.size() +
                (envelope.agent_context ? envelope.agent_context->size() : 0) +
                envelope.correlation_ids.size() * (uuid_length + 3));
    out.append("{\"event_id\":");
    append_uuid(out, envelope.event_id);
    out.append(",\"event_type\":");
    envelope_json::append_string(out, envelope.event_type);
    out.append(",\"timestamp\":\"");
    envelope.timestamp.append_iso(out);
    out.append("\",\"version\":");
    envelope_json::append_string(out, envelope.version);
    out.append(",\"source\":{\"host\":");
    envelope_json::append_string(out, envelope.source.host);
    out.append(",\"type\":\"");
    out.append(to_string(envelope.source.type));
    out.append("\",\"app\":");
    append_optional_string(out, envelope.source.app);
    out.append(",\"meta\":");
    append_raw(out, envelope.source.meta);
    out.append("},\"correlation_ids\":[");
    for (std::size_t i = 0; i < envelope.correlation_ids.size(); ++i) {
        if (i > 0)
            out.push_back(',');
        append_uuid(out, envelope.correlation_ids[i]);
    }
    out.append("],\"agent_context\":");
    append_raw(out, envelope.agent_context);
    out.append(",\"payload\":");
    out.append(envelope.payload.empty() ? std::string_view("null") : envelope.payload);
    out.push_back('}');
}

std::string serialize(const Envelope& envelope) {
    std::string out;
    append_serialized(envelope, out);
    return out;
}

} // namespace bb
