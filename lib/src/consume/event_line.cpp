#include "consume/event_line.hpp"

#include "bloodbank/json.hpp"
#include "bloodbank/utf8.hpp"

#include <rapidjson/stringbuffer.h>
#include <rapidjson/writer.h>

#include <variant>

namespace bb::consume_detail {
namespace {

using Writer = rapidjson::Writer<rapidjson::StringBuffer>;

void string(Writer& w, std::string_view s) {
    w.String(s.data(), static_cast<rapidjson::SizeType>(s.size()));
}

// Text that is not valid UTF-8 as a JSON string: each invalid byte becomes U+FFFD.
std::string valid_text(std::string_view s) {
    std::string out;
    for (std::size_t i = 0; i < s.size();) {
        std::size_t n = utf8_sequence_length(s, i);
        if (n == 0) {
            out += "\xEF\xBF\xBD";
            ++i;
        } else {
            out.append(s.substr(i, n));
            i += n;
        }
    }
    return out;
}

// The body as one line of JSON: the envelope re-serialized, the body itself
// when it is JSON on one line, else compacted, else a JSON string of it.
std::string body_json(const Received& m, const Envelope* envelope) {
    if (envelope)
        return m.body.find('\n') == std::string::npos ? m.body : serialize(*envelope);
    if (auto doc = parse_json(m.body))
        return to_compact_json(*doc);
    rapidjson::StringBuffer buffer;
    Writer w(buffer);
    string(w, valid_text(m.body));
    return buffer.GetString();
}

void header_value(Writer& w, const HeaderValue& h) {
    if (h.nested_json) {
        const auto& json = std::get<std::string>(h.value);
        w.RawValue(json.data(), json.size(), rapidjson::kObjectType);
    } else if (auto* s = std::get_if<std::string>(&h.value)) {
        string(w, valid_text(*s));
    } else if (auto* n = std::get_if<std::int64_t>(&h.value)) {
        w.Int64(*n);
    } else if (auto* b = std::get_if<bool>(&h.value)) {
        w.Bool(*b);
    } else {
        w.Double(std::get<double>(h.value));
    }
}

void optional_string(Writer& w, const char* key, const std::string& value) {
    w.Key(key);
    if (value.empty())
        w.Null();
    else
        string(w, valid_text(value));
}

} // namespace

void append_event_line(const Received& m, const Envelope* envelope, ConsumeFormat format,
                       std::string& out) {
    if (format == ConsumeFormat::body) {
        if (m.body.find('\n') == std::string::npos && (envelope || !m.body.empty()))
            out += m.body;
        else
            out += body_json(m, envelope);
        out += '\n';
        return;
    }
    std::string body = body_json(m, envelope);
    bool json_body = envelope || parse_json(m.body).has_value();
    rapidjson::StringBuffer buffer;
    Writer w(buffer);
    w.StartObject();
    w.Key("routing_key");
    string(w, valid_text(m.routing_key));
    w.Key("exchange");
    string(w, valid_text(m.exchange));
    w.Key("redelivered");
    w.Bool(m.redelivered);
    w.Key("properties");
    w.StartObject();
    optional_string(w, "message_id", m.message_id);
    optional_string(w, "correlation_id", m.correlation_id);
    optional_string(w, "type", m.type);
    w.Key("timestamp");
    if (m.timestamp)
        w.Uint64(*m.timestamp);
    else
        w.Null();
    optional_string(w, "content_type", m.content_type);
    w.Key("headers");
    w.StartObject();
    for (const Header& h : m.headers) {
        string(w, valid_text(h.key));
        header_value(w, h.value);
    }
    w.EndObject();
    w.EndObject();
    w.Key(json_body ? "envelope" : "body");
    w.RawValue(body.data(), body.size(), rapidjson::kObjectType);
    w.EndObject();
    out.append(buffer.GetString(), buffer.GetSize());
    lowercase_json_escapes(out, out.size() - buffer.GetSize());
    out += '\n';
}

} // namespace bb::consume_detail
