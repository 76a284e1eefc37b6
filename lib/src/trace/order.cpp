// The orders a trace is listed in. Every traversal here is iterative with an
// explicit stack: a 1,000-long chain must not depend on the call stack (the
// Python tracker fails there with RecursionError).
#include "bloodbank/trace.hpp"

#include <algorithm>

namespace bb {
namespace {

std::vector<std::size_t> sorted_for_display(const TraceGraph& graph,
                                            std::vector<std::size_t> indexes) {
    std::sort(indexes.begin(), indexes.end(), [&](std::size_t a, std::size_t b) {
        return shown_before(graph.node(a), graph.node(b));
    });
    return indexes;
}

// Python: visit parents in record order, then append self (post-order).
std::vector<std::size_t> ancestors_chain(const TraceGraph& graph) {
    std::vector<std::size_t> chain;
    std::vector<bool> visited(graph.size(), false);
    struct Frame {
        std::size_t node;
        std::size_t next = 0;
    };
    std::vector<Frame> stack{{graph.focus()}};
    visited[graph.focus()] = true;
    while (!stack.empty()) {
        Frame& top = stack.back();
        const auto& parents = graph.parents(top.node);
        if (top.next < parents.size()) {
            std::size_t parent = parents[top.next++];
            if (!visited[parent]) {
                visited[parent] = true;
                stack.push_back({parent});
            }
            continue;
        }
        chain.push_back(top.node);
        stack.pop_back();
    }
    return chain;
}

// Reverse post-order over children taken in reverse display order: the focus
// first, every parent before its children, and for a tree exactly the
// pre-order Python produces.
std::vector<std::size_t> descendants_chain(const TraceGraph& graph) {
    std::vector<std::size_t> post;
    std::vector<bool> visited(graph.size(), false);
    struct Frame {
        std::size_t node;
        std::vector<std::size_t> children; // reverse display order
        std::size_t next = 0;
    };
    auto frame_for = [&](std::size_t node) {
        auto children = sorted_for_display(graph, graph.children(node).to_vector());
        std::reverse(children.begin(), children.end());
        return Frame{node, std::move(children)};
    };
    std::vector<Frame> stack;
    stack.push_back(frame_for(graph.focus()));
    visited[graph.focus()] = true;
    while (!stack.empty()) {
        Frame& top = stack.back();
        if (top.next < top.children.size()) {
            std::size_t child = top.children[top.next++];
            if (!visited[child]) {
                visited[child] = true;
                stack.push_back(frame_for(child));
            }
            continue;
        }
        post.push_back(top.node);
        stack.pop_back();
    }
    std::reverse(post.begin(), post.end());
    return post;
}

} // namespace

std::vector<std::size_t> chain_order(const TraceGraph& graph, Direction direction) {
    return direction == Direction::ancestors ? ancestors_chain(graph) : descendants_chain(graph);
}

std::vector<TreeRow> tree_layout(const TraceGraph& graph) {
    std::vector<TreeRow> rows;
    rows.reserve(graph.size());
    std::vector<bool> drawn(graph.size(), false);
    std::vector<bool> on_path(graph.size(), false);

    struct Frame {
        std::size_t node;
        std::size_t depth;
        std::string lead; // tree lines for this node's children rows
        std::vector<std::size_t> children;
        std::size_t next = 0;
    };

    auto draw_from = [&](std::size_t root) {
        std::vector<Frame> stack;
        rows.push_back({root, TreeRow::Kind::full, "", 0});
        drawn[root] = on_path[root] = true;
        stack.push_back({root, 0, "", sorted_for_display(graph, graph.children(root).to_vector())});
        while (!stack.empty()) {
            Frame& top = stack.back();
            if (top.next == top.children.size()) {
                on_path[top.node] = false;
                stack.pop_back();
                continue;
            }
            std::size_t child = top.children[top.next++];
            std::size_t depth = top.depth + 1;
            bool last = top.next == top.children.size();
            std::string prefix = top.lead + (last ? "└─ " : "├─ ");
            if (on_path[child]) {
                rows.push_back({child, TreeRow::Kind::cycle, std::move(prefix), depth});
            } else if (drawn[child]) {
                rows.push_back({child, TreeRow::Kind::repeat, std::move(prefix), depth});
            } else {
                rows.push_back({child, TreeRow::Kind::full, std::move(prefix), depth});
                drawn[child] = on_path[child] = true;
                std::string lead =
                    depth % tree_max_indent != 0 ? top.lead + (last ? "   " : "│  ") : "";
                // `top` may dangle after push_back; everything needed is copied.
                stack.push_back({child, depth, std::move(lead),
                                 sorted_for_display(graph, graph.children(child).to_vector())});
            }
        }
    };

    std::vector<std::size_t> roots, all;
    for (std::size_t i = 0; i < graph.size(); ++i) {
        all.push_back(i);
        if (graph.parents(i).empty())
            roots.push_back(i);
    }
    for (std::size_t root : sorted_for_display(graph, roots))
        draw_from(root);

    // What is left sits on cycles without a root: start from the most
    // ancestral node, so the focus appears below its ancestors.
    std::sort(all.begin(), all.end(), [&](std::size_t a, std::size_t b) {
        if (graph.node(a).level != graph.node(b).level)
            return graph.node(a).level < graph.node(b).level;
        return shown_before(graph.node(a), graph.node(b));
    });
    for (std::size_t candidate : all)
        if (!drawn[candidate])
            draw_from(candidate);
    return rows;
}

std::vector<std::size_t> tree_order(const TraceGraph& graph) {
    std::vector<std::size_t> order;
    order.reserve(graph.size());
    for (const TreeRow& row : tree_layout(graph))
        if (row.kind == TreeRow::Kind::full)
            order.push_back(row.node);
    return order;
}

} // namespace bb
