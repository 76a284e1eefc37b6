// The Redis layout shared with the Python correlation tracker (DESIGN §3),
// in one place: key names and the forward record's JSON. Ids are Uuid values,
// so every key is built from a validated, canonical lowercase id.
#pragma once

#include "bloodbank/error.hpp"
#include "bloodbank/timestamp.hpp"
#include "bloodbank/uuid.hpp"

#include <string>
#include <string_view>
#include <vector>

namespace bb {

// bloodbank:correlation:forward:{child} -> JSON record of the child's parents
std::string forward_key(const Uuid& child);
// bloodbank:correlation:reverse:{parent} -> set of child ids
std::string reverse_key(const Uuid& parent);
// bloodbank:event:{id} -> hash {event_type, timestamp, source_host, source_app, source_type}
// (our extension; the Python side ignores it)
std::string event_key(const Uuid& event);

struct ForwardRecord {
    std::vector<Uuid> parent_event_ids;
    std::string created_at;    // as written: Python datetime.utcnow().isoformat()
    std::string metadata_json; // compact JSON object text, "{}" when none
};

// {"parent_event_ids":[...],"created_at":"...","metadata":{...}} exactly as the
// Python tracker writes it with orjson (compact, this key order).
std::string encode_forward_record(const std::vector<Uuid>& parents, const Timestamp& created_at,
                                  std::string_view metadata_json = "{}");
// Reads a forward record written by either side. Errors are ErrorKind::data.
Result<ForwardRecord> decode_forward_record(std::string_view json);

} // namespace bb
