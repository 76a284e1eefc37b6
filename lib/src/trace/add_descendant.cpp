// A graph being followed grows by the descendants published meanwhile:
// see add_descendant in trace.hpp.
#include "bloodbank/envelope.hpp"
#include "bloodbank/trace.hpp"

#include <algorithm>

namespace bb {

std::optional<std::size_t> add_descendant(TraceGraph& graph, const Envelope& event) {
    if (graph.find(event.event_id))
        return std::nullopt;
    std::vector<std::size_t> parents;
    int level = 0;
    for (const Uuid& parent : event.correlation_ids)
        // Ancestors have negative levels: their other children are not the
        // focus's descendants.
        if (auto index = graph.find(parent); index && graph.node(*index).level >= 0) {
            parents.push_back(*index);
            level = std::max(level, graph.node(*index).level + 1);
        }
    if (parents.empty())
        return std::nullopt;
    auto [index, added] = graph.add_node(event.event_id, level);
    graph.node(index).known = true;
    graph.node(index).summary = summary_of(event);
    for (std::size_t parent : parents)
        graph.add_edge(parent, index);
    return index;
}

} // namespace bb
