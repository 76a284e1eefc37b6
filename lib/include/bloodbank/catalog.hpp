// The event catalog: JSON Schemas (draft-04) for the envelope and for every
// payload type the Python system knows, kept as files under schemas/ and
// embedded in the library at build time. Each payload schema names the event
// types it covers in its "x-event-types" member ({"type": [aliases...]}).
//
// Validation mirrors the Python system's Pydantic models, minus the lax-mode
// conversions ("3" is not an integer here). The bus is open: a type that is
// not in the catalog is valid; whether to refuse it (bb-publish --strict) is
// the caller's decision, with is_known_type().
#pragma once

#include "bloodbank/error.hpp"

#include <rapidjson/document.h>

#include <string_view>
#include <vector>

namespace bb {

struct CatalogEntry {
    std::string_view event_type;           // the name the Python system publishes
    std::string_view title;                // the schema's "title"
    std::string_view schema_json;          // the schema file's text, byte for byte
    std::vector<std::string_view> aliases; // other names of the same event (agent.thread.*)
};

// Every known payload type, sorted by event_type. Event types that share one
// model (artifact.created/updated/deleted) are separate entries with the same
// schema_json. Built on first use; thread-safe.
const std::vector<CatalogEntry>& catalog();

// The entry of a type or of one of its aliases; nullptr when unknown.
const CatalogEntry* find_schema(std::string_view event_type);
bool is_known_type(std::string_view event_type);

// The envelope's schema text (schemas/envelope.json).
std::string_view envelope_schema();

// Validates a payload against the schema of its event type. Ok when the type
// is unknown. Errors are ErrorKind::data naming the field path, e.g.
//   payload.sentences[3].ai_filters.sentiment: "happy" is not one of positive, negative, neutral
//   payload.media_duration_seconds: expected an integer, got string
//   payload.user.email: required field is missing
//   payload.date: "yesterday" is not an ISO-8601 date-time
// A thread compiles a schema once, on first use, and reuses its validator
// (RapidJSON's compiled patterns cannot be shared between threads), so a call
// costs about what walking the payload costs.
Result<void> validate_payload(std::string_view event_type, const rapidjson::Value& payload);
// The same for payload JSON text; a known type's text is parsed with
// parse_json (default limits) first and its parse errors start with "payload: ".
Result<void> validate_payload(std::string_view event_type, std::string_view payload_json);

// Validates a whole envelope document against schemas/envelope.json (not its
// payload); paths start at the envelope: `source.type: "robot" is not one of ...`.
// parse_envelope() is what bb-publish uses to read envelopes; this is the
// schema's own view, for tools and tests.
Result<void> validate_envelope(const rapidjson::Value& envelope);

// Checks the embedded schemas as a set: each parses, passes
// check_schema_document(), payload schemas name their event types, and no
// type or alias is claimed twice. The first problem, as ErrorKind::internal.
Result<void> check_catalog();

// Checks one schema document for mistakes RapidJSON would silently ignore:
// only the keywords this catalog uses (a misspelt "requried" is an error),
// valid type names, required members that are declared properties, patterns
// that RapidJSON's regex engine compiles, and "format": "date-time" only with
// the catalog's ISO-8601 pattern. Errors are ErrorKind::data with the JSON
// pointer of the problem: "/properties/user: unknown keyword \"requried\"".
Result<void> check_schema_document(std::string_view schema_json);

} // namespace bb
