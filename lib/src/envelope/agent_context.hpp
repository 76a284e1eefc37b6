// The envelope's agent_context (the Python AgentContext model): validated
// field by field and stored as compact JSON in the model's key order.
#pragma once

#include "bloodbank/error.hpp"

#include <rapidjson/document.h>

#include <string>

namespace bb {

// Appends the agent_context object as compact JSON with all ten keys in the
// model's order (type, name, system_prompt, instance_id, mcp_servers,
// file_references, url_references, code_state, checkpoint_id, meta), absent
// ones as null, code_state with its five keys. Errors name the field path:
// `agent_context.code_state.branch: expected a string or null, got integer`.
Result<void> append_agent_context(const rapidjson::Value& object, std::string& out);

} // namespace bb
