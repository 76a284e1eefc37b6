#include "bloodbank/correlation_keys.hpp"
#include "bloodbank/json.hpp"

#include <fmt/format.h>

namespace bb {
namespace {

std::string key_with(std::string_view prefix, const Uuid& id) {
    std::string key;
    key.reserve(prefix.size() + 36);
    key.append(prefix);
    key.resize(prefix.size() + 36);
    id.format_to(key.data() + prefix.size());
    return key;
}

} // namespace

std::string forward_key(const Uuid& child) {
    return key_with("bloodbank:correlation:forward:", child);
}

std::string reverse_key(const Uuid& parent) {
    return key_with("bloodbank:correlation:reverse:", parent);
}

std::string event_key(const Uuid& event) {
    return key_with("bloodbank:event:", event);
}

std::string encode_forward_record(const std::vector<Uuid>& parents, const Timestamp& created_at,
                                  std::string_view metadata_json) {
    // Ids and the timestamp need no JSON escaping; the metadata is already
    // compact JSON produced by the library.
    std::string out = "{\"parent_event_ids\":[";
    for (std::size_t i = 0; i < parents.size(); ++i) {
        if (i)
            out += ',';
        out += '"';
        out += parents[i].str();
        out += '"';
    }
    out += "],\"created_at\":\"";
    out += created_at.iso_utc_naive();
    out += "\",\"metadata\":";
    out += metadata_json.empty() ? std::string_view("{}") : metadata_json;
    out += '}';
    return out;
}

Result<ForwardRecord> decode_forward_record(std::string_view json) {
    auto doc = parse_json(json);
    if (!doc)
        return make_error(ErrorKind::data, "forward record: " + doc.error().message);
    if (!doc->IsObject())
        return make_error(ErrorKind::data, "forward record: expected an object");
    ForwardRecord record;
    auto parents = doc->FindMember("parent_event_ids");
    if (parents == doc->MemberEnd() || !parents->value.IsArray())
        return make_error(ErrorKind::data, "forward record: parent_event_ids is missing");
    for (const auto& p : parents->value.GetArray()) {
        if (!p.IsString())
            return make_error(ErrorKind::data, "forward record: a parent id is not a string");
        auto id = parse_uuid(std::string_view(p.GetString(), p.GetStringLength()));
        if (!id)
            return make_error(ErrorKind::data, "forward record: " + id.error().message);
        record.parent_event_ids.push_back(*id);
    }
    auto created = doc->FindMember("created_at");
    if (created != doc->MemberEnd() && created->value.IsString())
        record.created_at.assign(created->value.GetString(), created->value.GetStringLength());
    auto metadata = doc->FindMember("metadata");
    record.metadata_json = metadata != doc->MemberEnd() && !metadata->value.IsNull()
                               ? to_compact_json(metadata->value)
                               : "{}";
    return record;
}

} // namespace bb
