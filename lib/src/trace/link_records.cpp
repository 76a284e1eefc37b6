// The links themselves, for the tree: each event's forward record (when and
// why it was linked to its parents), read for every event of a graph in one
// pipelined round trip after the walk.
#include "bloodbank/correlation_keys.hpp"
#include "bloodbank/trace_render.hpp"

namespace bb {

Result<LinkRecords> read_link_records(RedisConnection& redis, const TraceGraph& graph) {
    std::vector<std::string> keys;
    keys.reserve(graph.size());
    for (const TraceNode& node : graph.nodes())
        keys.push_back(forward_key(node.id));
    for (const std::string& key : keys)
        redis.append({"GET", key});
    auto replies = redis.flush();
    if (!replies)
        return replies.error();
    LinkRecords records;
    for (std::size_t i = 0; i < replies->size() && i < graph.size(); ++i) {
        const redisReply* reply = (*replies)[i].get();
        if (!reply || reply->type != REDIS_REPLY_STRING)
            continue;
        // A record that does not read is already a warning of the walk's.
        if (auto record = decode_forward_record(std::string_view(reply->str, reply->len)))
            records.emplace(graph.node(i).id, std::move(*record));
    }
    return records;
}

} // namespace bb
