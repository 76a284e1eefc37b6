// bb-publish --list-types and --schema TYPE: the event catalog as text. They
// read only the embedded catalog and connect to nothing.
#pragma once

#include <string>
#include <string_view>

namespace bb::app {

// One line per known event type and per alias, sorted: the type, padded, then
// the schema's title; an alias line says which type it names:
//   fireflies.transcript.upload   Fireflies transcript upload
//   agent.thread.prompt           LLM prompt (alias of llm.prompt)
// The first column is what --type accepts (the shell completions read it).
std::string list_types_text();

// Writes TYPE's schema, as stored, to stdout; exit 0, or 64 naming an unknown
// TYPE (a bad argument).
int print_schema(std::string_view program, std::string_view event_type);

} // namespace bb::app
