// The event envelope of the Python system (DESIGN §3): its model, parsing
// with precise field-path errors, completion of defaults, the v1
// correlation_id upgrade and serialization in the canonical key order.
#pragma once

#include "bloodbank/error.hpp"
#include "bloodbank/json.hpp"
#include "bloodbank/timestamp.hpp"
#include "bloodbank/uuid.hpp"

#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace bb {

enum class SourceType { manual, agent, scheduled, file_watch, hook };

std::string_view to_string(SourceType type);
// Errors name the value and the allowed ones: "\"robot\" is not one of manual, agent, ...".
Result<SourceType> parse_source_type(std::string_view text);

struct Source {
    std::string host;
    SourceType type = SourceType::manual;
    std::optional<std::string> app;
    std::optional<std::string> meta; // compact JSON object text, or null
};

struct Envelope {
    Uuid event_id;
    std::string event_type; // also the AMQP routing key
    Timestamp timestamp;
    std::string version = "1.0.0";
    Source source;
    std::vector<Uuid> correlation_ids;        // parent events, in input order, no duplicates
    std::optional<std::string> agent_context; // compact JSON, AgentContext key order
    std::string payload;                      // compact JSON text of any value
};

// What fills the fields an input leaves out.
struct EnvelopeDefaults {
    std::string host; // empty: the machine's hostname
    SourceType source_type = SourceType::manual;
    std::optional<std::string> source_app;
};

// An envelope names at most this many parents in correlation_ids.
inline constexpr std::size_t max_correlation_ids = 1000;

struct EnvelopeOptions {
    JsonLimits limits;
    EnvelopeDefaults defaults;
};

// Parses, validates and completes one envelope. Errors are ErrorKind::data and
// start with the field path: `source.type: "robot" is not one of manual, ...`,
// `correlation_ids[2]: "abc" is not a UUID: ...`, `event_type: required field is missing`.
// A v1 `correlation_id` becomes the first of correlation_ids.
// Rules (bloodbank-envelope(5)): unknown keys, at the top level and in
// source, agent_context and code_state, are errors (`foo: unknown field`), so
// a misspelt field cannot vanish; a missing source or source member takes
// options.defaults, an explicit null is kept; correlation_ids are lowercased,
// duplicates dropped keeping the first, at most 1000, never the event itself;
// `correlation_id` together with `correlation_ids` is an error. Syntax and
// limit errors come from parse_json unprefixed ("invalid JSON at byte 17: ...").
Result<Envelope> parse_envelope(std::string_view json, const EnvelopeOptions& options = {});

// A new envelope of `event_type` whose payload is the given JSON document
// (bb-publish --type). The payload goes through the same limits.
Result<Envelope> wrap_payload(std::string_view event_type, std::string_view payload_json,
                              const EnvelopeOptions& options = {});
// The same with a payload that is a JSON string of `text` (bb-publish --text),
// which must be valid UTF-8.
Result<Envelope> wrap_text(std::string_view event_type, std::string_view text,
                           const EnvelopeOptions& options = {});

// Checks an event type as a routing key: non-empty, at most 255 bytes, no
// control characters (C0, DEL, C1), valid UTF-8. Errors are ErrorKind::data
// and start with "event_type: ", e.g. "event_type: longer than 255 bytes (300)".
Result<void> validate_event_type(std::string_view event_type);

// Compact JSON with keys in the canonical order, nulls included:
// event_id, event_type, timestamp, version, source{host,type,app,meta},
// correlation_ids, agent_context, payload.
std::string serialize(const Envelope& envelope);
void append_serialized(const Envelope& envelope, std::string& out);

// The machine's hostname (cached), as the Python system's socket.gethostname().
const std::string& local_hostname();

} // namespace bb
