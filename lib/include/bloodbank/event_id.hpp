// Deterministic event ids, identical to the Python system's
// uuid5(NAMESPACE_OID, f"{namespace}:{event_type}:{unique_key}").
#pragma once

#include "bloodbank/uuid.hpp"

#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace bb {

inline constexpr std::string_view default_id_namespace = "bloodbank";

using IdFields = std::vector<std::pair<std::string, std::string>>;

// The unique key for several fields: "k=v" pairs sorted by key (byte order,
// which is Python's code-point order for UTF-8) joined by "|". Keys should be
// unique, as in the Python system's dict; callers reject duplicates (bb-id
// does, naming the key). Should duplicates arrive anyway they are kept, in
// input order. No fields give the empty key, as "|".join of nothing does.
std::string fields_key(IdFields fields);

// Appends the v5 name "{ns}:{event_type}:{unique_key}" to out; lets hot loops
// reuse one buffer.
void append_id_name(std::string& out, std::string_view ns, std::string_view event_type,
                    std::string_view unique_key);

Uuid event_id_for_key(std::string_view event_type, std::string_view unique_key,
                      std::string_view ns = default_id_namespace);
Uuid event_id_for_fields(std::string_view event_type, const IdFields& fields,
                         std::string_view ns = default_id_namespace);

} // namespace bb
