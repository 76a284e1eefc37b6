// The Python tracker's debug_dump: the event's own record in one round trip,
// then both chains.
#include "correlation/replies.hpp"

#include "bloodbank/correlation.hpp"
#include "bloodbank/correlation_keys.hpp"
#include "bloodbank/json.hpp"

#include <fmt/format.h>
#include <rapidjson/prettywriter.h>
#include <rapidjson/stringbuffer.h>
#include <rapidjson/writer.h>

#include <algorithm>

namespace bb {
namespace {

std::vector<Uuid> ids_in_order(const TraceGraph& graph) {
    std::vector<Uuid> ids;
    ids.reserve(graph.size());
    for (const TraceNode& node : graph.nodes())
        ids.push_back(node.id);
    return ids;
}

// Python's correlation.get("metadata"): the value as stored, null when the
// record has no such field or there is no record.
std::optional<std::string> metadata_of(const redisReply* reply, const Uuid& id,
                                       std::vector<std::string>& warnings) {
    if (!reply || reply->type != REDIS_REPLY_STRING)
        return std::nullopt;
    auto doc = parse_json(std::string_view(reply->str, reply->len));
    if (!doc || !doc->IsObject()) {
        warnings.push_back(
            fmt::format("{} is not a JSON object; metadata not shown", forward_key(id)));
        return std::nullopt;
    }
    auto metadata = doc->FindMember("metadata");
    if (metadata == doc->MemberEnd() || metadata->value.IsNull())
        return std::nullopt;
    return to_compact_json(metadata->value);
}

// Children in display order where the descendants graph knows their time;
// any it does not hold (cut by a limit) follow by id.
std::vector<Uuid> children_in_display_order(std::vector<Uuid> children, const TraceGraph& down) {
    auto rank = [&](const Uuid& id) {
        auto found = down.find(id);
        return found ? *found : down.size();
    };
    std::sort(children.begin(), children.end(), [&](const Uuid& a, const Uuid& b) {
        std::size_t ra = rank(a), rb = rank(b);
        if (ra != rb && (ra < down.size() || rb < down.size()))
            return ra < rb;
        return a < b;
    });
    return children;
}

template <class Writer> void write_ids(Writer& w, const char* key, const std::vector<Uuid>& ids) {
    w.Key(key);
    w.StartArray();
    for (const Uuid& id : ids) {
        std::string text = id.str();
        w.String(text.data(), static_cast<rapidjson::SizeType>(text.size()));
    }
    w.EndArray();
}

template <class Writer> void write_dump(Writer& w, const CorrelationDump& dump) {
    w.StartObject();
    w.Key("event_id");
    std::string id = dump.event_id.str();
    w.String(id.data(), static_cast<rapidjson::SizeType>(id.size()));
    write_ids(w, "parents", dump.parents);
    write_ids(w, "children", dump.children);
    write_ids(w, "ancestors", dump.ancestors);
    write_ids(w, "descendants", dump.descendants);
    w.Key("metadata");
    std::optional<rapidjson::Document> metadata;
    if (dump.metadata_json)
        if (auto parsed = parse_json(*dump.metadata_json))
            metadata = std::move(*parsed);
    if (metadata)
        metadata->Accept(w);
    else
        w.Null();
    w.EndObject();
}

} // namespace

Result<CorrelationDump> correlation_dump(RedisConnection& redis, const Uuid& id,
                                         const TraceOptions& options) {
    redis.append({"GET", forward_key(id)});
    redis.append({"SMEMBERS", reverse_key(id)});
    redis.append({"EXISTS", event_key(id)});
    auto replies = redis.flush();
    if (!replies)
        return replies.error();
    const redisReply* forward = (*replies)[0].get();
    const redisReply* reverse = (*replies)[1].get();
    if (!detail::shows_key(forward) && !detail::shows_key(reverse) &&
        !detail::shows_key((*replies)[2].get()))
        return detail::not_found(redis, id);

    CorrelationDump dump;
    dump.event_id = id;
    dump.parents = detail::parents_from_reply(forward, id, dump.warnings);
    dump.metadata_json = metadata_of(forward, id, dump.warnings);
    std::vector<Uuid> children = detail::members_from_reply(reverse, id, dump.warnings);

    auto up = trace_chain(redis, id, Direction::ancestors, options);
    if (!up)
        return up.error();
    auto down = trace_chain(redis, id, Direction::descendants, options);
    if (!down)
        return down.error();
    dump.ancestors = ids_in_order(*up);
    dump.descendants = ids_in_order(*down);
    dump.children = children_in_display_order(std::move(children), *down);
    for (const TraceGraph* graph : {&*up, &*down}) {
        if (graph->truncated() && !dump.truncated) {
            dump.truncated = true;
            dump.truncated_reason = graph->truncated_reason();
        }
    }
    // The walks read the same records again; report each oddity once.
    for (const std::string& warning : down->warnings())
        if (std::find(dump.warnings.begin(), dump.warnings.end(), warning) == dump.warnings.end())
            dump.warnings.push_back(warning);
    for (const std::string& warning : up->warnings())
        if (std::find(dump.warnings.begin(), dump.warnings.end(), warning) == dump.warnings.end())
            dump.warnings.push_back(warning);
    return dump;
}

std::string dump_json(const CorrelationDump& dump, bool pretty) {
    rapidjson::StringBuffer buffer;
    if (pretty) {
        rapidjson::PrettyWriter<rapidjson::StringBuffer> w(buffer);
        w.SetIndent(' ', 2);
        write_dump(w, dump);
    } else {
        rapidjson::Writer<rapidjson::StringBuffer> w(buffer);
        write_dump(w, dump);
    }
    std::string out(buffer.GetString(), buffer.GetSize());
    lowercase_json_escapes(out); // the metadata may hold control characters
    if (pretty)
        out += '\n';
    return out;
}

} // namespace bb
