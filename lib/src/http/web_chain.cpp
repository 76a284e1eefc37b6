// GET /ui/api/chain/{id}: the events around one, a bounded number of levels
// and of events each way, for the page's timeline and graph. The walk is
// the library's (trace_chain); one more pipelined round trip reads every
// event's forward record and child count, for the link time of events
// without a summary and for what is left to load further out.
#include "http/replies.hpp"
#include "http/request.hpp"
#include "http/web.hpp"
#include "http/web_json.hpp"

#include "bloodbank/correlation.hpp"
#include "bloodbank/correlation_keys.hpp"
#include "bloodbank/redis.hpp"
#include "bloodbank/timestamp.hpp"

#include <fmt/format.h>
#include <hiredis/hiredis.h>

#include <algorithm>
#include <unordered_map>

namespace bb::http_detail {
namespace {

class ChainEvents {
public:
    void add(const TraceGraph& graph) {
        for (std::size_t i = 0; i < graph.size(); ++i) {
            auto [at, added] = index_.try_emplace(graph.node(i).id, events_.size());
            if (added)
                events_.push_back({graph.node(i), {}, 0, 0, {}, {}, false});
        }
        for (auto [parent, child] : graph.edges()) {
            ChainEvent& event = events_[index_.at(graph.node(child).id)];
            const Uuid& id = graph.node(parent).id;
            if (std::find(event.parents.begin(), event.parents.end(), id) == event.parents.end())
                event.parents.push_back(id);
        }
    }
    std::vector<ChainEvent>& events() { return events_; }

private:
    std::vector<ChainEvent> events_;
    std::unordered_map<Uuid, std::size_t, UuidHash> index_;
};

// Forward records and child counts of every event, in one round trip.
Result<void> read_links(RedisConnection& redis, std::vector<ChainEvent>& events) {
    for (const ChainEvent& event : events) {
        redis.append({"GET", forward_key(event.node.id)});
        redis.append({"SCARD", reverse_key(event.node.id)});
    }
    auto replies = redis.flush();
    if (!replies)
        return replies.error();
    for (std::size_t i = 0; i < events.size(); ++i) {
        ChainEvent& event = events[i];
        const redisReply* forward = (*replies)[2 * i].get();
        const redisReply* children = (*replies)[2 * i + 1].get();
        if (forward->type == REDIS_REPLY_STRING)
            if (auto record = decode_forward_record(std::string_view(forward->str, forward->len))) {
                event.parent_count = record->parent_event_ids.size();
                event.link_created_at = std::move(record->created_at);
            }
        if (children->type == REDIS_REPLY_INTEGER && children->integer > 0)
            event.child_count = static_cast<std::size_t>(children->integer);
        if (event.node.summary && event.node.summary->time_micros) {
            event.time_micros = event.node.summary->time_micros;
        } else if (auto linked = parse_timestamp(event.link_created_at)) {
            // The Python tracker writes no event record: the link's time
            // is the nearest there is.
            event.time_micros = linked->unix_micros;
            event.time_from_link = true;
        }
    }
    return {};
}

// By time, events without one last, then by id: the timeline's rows.
void sort_by_time(std::vector<ChainEvent>& events) {
    std::sort(events.begin(), events.end(), [](const ChainEvent& a, const ChainEvent& b) {
        if (a.time_micros.has_value() != b.time_micros.has_value())
            return a.time_micros.has_value();
        if (a.time_micros && *a.time_micros != *b.time_micros)
            return *a.time_micros < *b.time_micros;
        return a.node.id < b.node.id;
    });
}

} // namespace

HttpReply web_chain_reply(const HttpApiOptions& options, std::string_view raw_id,
                          std::string_view query) {
    std::string direction = query_value(query, "direction").value_or("around");
    if (direction != "around" && direction != "ancestors" && direction != "descendants")
        return detail_reply(400, fmt::format("Invalid direction: {}. Must be 'around', "
                                             "'ancestors' or 'descendants'",
                                             direction));
    auto depth = number_param(query, "depth", 2, 1, 20);
    if (depth.error)
        return *depth.error;
    auto limit = number_param(query, "limit", 500, 1, 2000);
    if (limit.error)
        return *limit.error;

    auto request = open_redis_for_id(options, raw_id);
    if (request.refusal)
        return std::move(*request.refusal);
    RedisConnection& redis = *request.redis;
    const Uuid& id = request.id;
    // The walk's max_depth counts the focus as a level, as Python's does.
    TraceOptions walk{static_cast<int>(depth.value) + 1, static_cast<std::size_t>(limit.value),
                      true};
    ChainEvents chain;
    std::optional<std::string> truncated;
    std::vector<std::string> warnings;
    for (Direction way : {Direction::ancestors, Direction::descendants}) {
        if (direction != "around" && direction != to_string(way))
            continue;
        auto graph = trace_chain(redis, id, way, walk);
        if (!graph)
            return error_reply(graph.error(),
                               fmt::format("No correlation chain found for event {}", raw_id));
        chain.add(*graph);
        // The depth is a page boundary, not a cut: the counts show what lies
        // beyond it. Only the limit on events leaves a level half read.
        if (graph->truncated() && graph->size() >= walk.max_nodes && !truncated)
            truncated = fmt::format("limit of {} events reached", limit.value);
        warnings.insert(warnings.end(), graph->warnings().begin(), graph->warnings().end());
    }
    if (auto read = read_links(redis, chain.events()); !read)
        return error_reply(read.error(), "");
    sort_by_time(chain.events());

    rapidjson::StringBuffer buffer;
    JsonWriter w(buffer);
    w.StartObject();
    w.Key("focus");
    write_string(w, id.str());
    w.Key("direction");
    write_string(w, direction);
    w.Key("depth");
    w.Int64(depth.value);
    w.Key("limit");
    w.Int64(limit.value);
    w.Key("truncated");
    if (truncated)
        write_string(w, *truncated);
    else
        w.Null();
    w.Key("warnings");
    w.StartArray();
    for (const std::string& warning : warnings)
        write_text_or_null(w, warning);
    w.EndArray();
    w.Key("events");
    w.StartArray();
    for (const ChainEvent& event : chain.events())
        write_event(w, event);
    w.EndArray();
    w.EndObject();
    return {200, text_of(buffer), {}};
}

} // namespace bb::http_detail
