// The level-by-level walk (see correlation.hpp for why) and the graph
// queries built on it.
#include "correlation/replies.hpp"

#include "bloodbank/correlation.hpp"
#include "bloodbank/correlation_keys.hpp"

#include <fmt/format.h>

#include <algorithm>

namespace bb {
namespace {

struct WalkOptions {
    Direction direction = Direction::descendants;
    TraceOptions trace;
    // A parents or children listing stops at level 1 by design: meeting the
    // grandparents there is not a truncation.
    bool depth_truncates = true;
};

// Per node: its adjacency; its summary when asked for (always for the
// focus, whose summary alone may make it known); and whether its other key
// exists where that is not otherwise known. Going down, an event named by a
// live reverse set is known through that link (the Python tracker writes the
// child's forward record in the same transaction), so only the focus needs
// the check; going up, a parent named by a forward record may have lost its
// own keys, and that is what the check is for.
struct LevelCommands {
    bool summary;
    bool exists;
    std::size_t per_node() const { return 1 + (summary ? 1 : 0) + (exists ? 1 : 0); }
};
LevelCommands commands_for(bool up, int level, bool summaries) {
    return {summaries || level == 0, up || level == 0};
}

Result<void> walk(RedisConnection& redis, TraceGraph& graph, const WalkOptions& options) {
    const bool up = options.direction == Direction::ancestors;
    std::vector<std::size_t> frontier{graph.focus()};
    std::vector<std::string> warnings;
    for (int level = 0; !frontier.empty(); ++level) {
        const LevelCommands commands = commands_for(up, level, options.trace.summaries);
        const std::size_t per_node = commands.per_node();
        for (std::size_t index : frontier) {
            const Uuid& id = graph.node(index).id;
            if (up)
                redis.append({"GET", forward_key(id)});
            else
                redis.append({"SMEMBERS", reverse_key(id)});
            if (commands.summary)
                redis.append({"HGETALL", event_key(id)});
            if (commands.exists)
                redis.append({"EXISTS", up ? reverse_key(id) : forward_key(id)});
        }
        auto replies = redis.flush();
        if (!replies)
            return replies.error();

        // Room for every node this level can add, reserved once.
        std::size_t named = 0;
        for (std::size_t i = 0; i < frontier.size(); ++i)
            if (const redisReply* adjacency = (*replies)[i * per_node].get();
                adjacency->type == REDIS_REPLY_ARRAY)
                named += adjacency->elements;
            else
                named += 4; // a forward record lists a few parents
        graph.reserve(std::min(graph.size() + named, options.trace.max_nodes));

        std::vector<std::size_t> next;
        for (std::size_t i = 0; i < frontier.size(); ++i) {
            const auto* reply = &(*replies)[i * per_node];
            const redisReply* adjacency = reply[0].get();
            const redisReply* summary = commands.summary ? reply[1].get() : nullptr;
            const redisReply* exists =
                commands.exists ? reply[commands.summary ? 2 : 1].get() : nullptr;
            std::size_t index = frontier[i];
            TraceNode& node = graph.node(index);
            if (!node.summary && summary)
                node.summary = detail::summary_from_reply(summary);
            node.known = node.known || node.summary || detail::shows_key(adjacency) ||
                         detail::shows_key(exists) || (!up && level > 0);

            Uuid id = node.id; // `node` may move when nodes are added below
            auto neighbours = up ? detail::parents_from_reply(adjacency, id, warnings)
                                 : detail::members_from_reply(adjacency, id, warnings);
            for (const Uuid& other : neighbours) {
                std::size_t other_index;
                if (auto found = graph.find(other)) {
                    other_index = *found;
                } else if (level + 1 >= options.trace.max_depth) {
                    if (options.depth_truncates)
                        graph.set_truncated(fmt::format("depth limit of {} reached (--depth)",
                                                        options.trace.max_depth));
                    continue;
                } else if (graph.size() >= options.trace.max_nodes) {
                    graph.set_truncated(fmt::format("node limit of {} reached (--max-nodes)",
                                                    options.trace.max_nodes));
                    continue;
                } else {
                    other_index = graph.add_node(other, up ? -(level + 1) : level + 1).first;
                    next.push_back(other_index);
                }
                if (up)
                    graph.add_edge(other_index, index);
                else
                    graph.add_edge(index, other_index);
            }
        }
        frontier = std::move(next);
    }
    for (auto& warning : warnings)
        graph.warn(std::move(warning));
    return {};
}

Result<void> walk_from_known(RedisConnection& redis, TraceGraph& graph,
                             const WalkOptions& options) {
    if (auto walked = walk(redis, graph, options); !walked)
        return walked.error();
    if (!graph.node(graph.focus()).known)
        return detail::not_found(redis, graph.node(graph.focus()).id);
    return {};
}

} // namespace

Result<TraceGraph> trace_around(RedisConnection& redis, const Uuid& id,
                                const TraceOptions& options) {
    TraceGraph graph(id, TraceView::around);
    if (auto up = walk_from_known(redis, graph, {Direction::ancestors, options}); !up)
        return up.error();
    if (auto down = walk(redis, graph, {Direction::descendants, options}); !down)
        return down.error();
    graph.reorder(tree_order(graph));
    return graph;
}

Result<TraceGraph> trace_chain(RedisConnection& redis, const Uuid& id, Direction direction,
                               const TraceOptions& options) {
    TraceGraph graph(id, direction == Direction::ancestors ? TraceView::ancestors
                                                           : TraceView::descendants);
    if (auto walked = walk_from_known(redis, graph, {direction, options}); !walked)
        return walked.error();
    graph.reorder(chain_order(graph, direction));
    return graph;
}

Result<TraceGraph> trace_neighbours(RedisConnection& redis, const Uuid& id, Direction direction,
                                    const TraceOptions& options) {
    const bool up = direction == Direction::ancestors;
    TraceGraph graph(id, up ? TraceView::parents : TraceView::children);
    TraceOptions one_level{2, options.max_nodes, options.summaries};
    if (auto walked = walk_from_known(redis, graph, {direction, one_level, false}); !walked)
        return walked.error();
    std::vector<std::size_t> order{graph.focus()};
    std::vector<std::size_t> neighbours =
        (up ? graph.parents(graph.focus()) : graph.children(graph.focus())).to_vector();
    if (!up)
        std::sort(neighbours.begin(), neighbours.end(), [&](std::size_t a, std::size_t b) {
            return shown_before(graph.node(a), graph.node(b));
        });
    order.insert(order.end(), neighbours.begin(), neighbours.end());
    graph.reorder(order);
    return graph;
}

} // namespace bb
