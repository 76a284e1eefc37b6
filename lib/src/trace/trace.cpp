#include "bloodbank/trace.hpp"

#include <algorithm>
#include <cstring>

namespace bb {

std::size_t UuidHash::operator()(const Uuid& id) const noexcept {
    // Random and name-based ids are uniformly distributed; 8 bytes suffice.
    std::uint64_t head = 0, tail = 0;
    std::memcpy(&head, id.bytes.data(), 8);
    std::memcpy(&tail, id.bytes.data() + 8, 8);
    return static_cast<std::size_t>(head ^ (tail * 0x9e3779b97f4a7c15ULL));
}

std::string_view to_string(TraceView view) {
    switch (view) {
    case TraceView::around:
        return "around";
    case TraceView::ancestors:
        return "ancestors";
    case TraceView::descendants:
        return "descendants";
    case TraceView::parents:
        return "parents";
    case TraceView::children:
        return "children";
    }
    return "around";
}

std::string_view to_string(Direction direction) {
    return direction == Direction::ancestors ? "ancestors" : "descendants";
}

TraceGraph::TraceGraph(const Uuid& focus, TraceView view) : view_(view) {
    focus_ = add_node(focus, 0).first;
}

std::pair<std::size_t, bool> TraceGraph::add_node(const Uuid& id, int level) {
    auto [it, inserted] = index_.try_emplace(id, nodes_.size());
    if (!inserted)
        return {it->second, false};
    TraceNode node;
    node.id = id;
    node.level = level;
    nodes_.push_back(std::move(node));
    parents_.emplace_back();
    children_.emplace_back();
    return {it->second, true};
}

void TraceGraph::reserve(std::size_t nodes) {
    if (nodes <= nodes_.capacity())
        return;
    // Geometric growth: a chain reserves a little at every level.
    std::size_t capacity = std::max(nodes, nodes_.capacity() * 2);
    nodes_.reserve(capacity);
    parents_.reserve(capacity);
    children_.reserve(capacity);
    index_.reserve(capacity);
}

std::optional<std::size_t> TraceGraph::find(const Uuid& id) const {
    auto it = index_.find(id);
    if (it == index_.end())
        return std::nullopt;
    return it->second;
}

void TraceGraph::add_edge(std::size_t parent, std::size_t child) {
    auto& listed = parents_[child];
    for (std::size_t p : listed)
        if (p == parent)
            return;
    listed.push_back(parent);
    children_[parent].push_back(child);
    ++edge_count_;
}

std::vector<std::pair<std::size_t, std::size_t>> TraceGraph::edges() const {
    std::vector<std::pair<std::size_t, std::size_t>> out;
    out.reserve(edge_count_);
    for (std::size_t parent = 0; parent < nodes_.size(); ++parent)
        for (std::size_t child : children_[parent])
            out.emplace_back(parent, child);
    std::sort(out.begin(), out.end());
    return out;
}

void TraceGraph::set_truncated(std::string reason) {
    if (truncated_)
        return;
    truncated_ = true;
    truncated_reason_ = std::move(reason);
}

void TraceGraph::reorder(const std::vector<std::size_t>& order) {
    constexpr std::size_t unplaced = static_cast<std::size_t>(-1);
    std::vector<std::size_t> new_index(nodes_.size(), unplaced);
    std::vector<std::size_t> sequence;
    sequence.reserve(nodes_.size());
    for (std::size_t old : order)
        if (old < nodes_.size() && new_index[old] == unplaced) {
            new_index[old] = sequence.size();
            sequence.push_back(old);
        }
    for (std::size_t old = 0; old < nodes_.size(); ++old)
        if (new_index[old] == unplaced) {
            new_index[old] = sequence.size();
            sequence.push_back(old);
        }

    // Rewrite the indexes in place, then move the lists (not their elements)
    // into the new order: no allocation per node.
    for (auto* lists : {&parents_, &children_})
        for (auto& list : *lists)
            for (std::size_t& i : list)
                i = new_index[i];
    std::vector<TraceNode> nodes;
    std::vector<std::vector<std::size_t>> parents, children;
    nodes.reserve(nodes_.size());
    parents.reserve(nodes_.size());
    children.reserve(nodes_.size());
    for (std::size_t old : sequence) {
        nodes.push_back(std::move(nodes_[old]));
        parents.push_back(std::move(parents_[old]));
        children.push_back(std::move(children_[old]));
    }
    nodes_ = std::move(nodes);
    parents_ = std::move(parents);
    children_ = std::move(children);
    for (auto& [id, index] : index_)
        index = new_index[index];
    focus_ = new_index[focus_];
}

bool shown_before(const TraceNode& a, const TraceNode& b) {
    const auto* ta = a.summary && a.summary->time_micros ? &*a.summary->time_micros : nullptr;
    const auto* tb = b.summary && b.summary->time_micros ? &*b.summary->time_micros : nullptr;
    if (ta && tb && *ta != *tb)
        return *ta < *tb;
    if (static_cast<bool>(ta) != static_cast<bool>(tb))
        return ta != nullptr;
    return a.id < b.id;
}

} // namespace bb
