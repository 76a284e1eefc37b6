#include "bloodbank/trace.hpp"

#include <algorithm>
#include <cstring>
#include <limits>
#include <stdexcept>

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

std::size_t TraceGraph::slot_of(const Uuid& id) const {
    // Fibonacci hashing: the top bits of the product depend on every bit of
    // the hash (a UUID's fixed version and variant bits included).
    std::size_t slot = (UuidHash()(id) * 0x9e3779b97f4a7c15ULL) >> slot_shift_;
    const std::size_t mask = slots_.size() - 1;
    while (slots_[slot] != 0 && nodes_[slots_[slot] - 1].id != id)
        slot = (slot + 1) & mask;
    return slot;
}

void TraceGraph::grow_slots(std::size_t nodes) {
    if (nodes * 2 <= slots_.size())
        return;
    std::size_t capacity = 16;
    unsigned shift = 60;
    while (capacity < nodes * 2) {
        capacity *= 2;
        --shift;
    }
    if (capacity <= slots_.size())
        return;
    slots_.assign(capacity, 0);
    slot_shift_ = shift;
    for (std::size_t i = 0; i < nodes_.size(); ++i)
        slots_[slot_of(nodes_[i].id)] = static_cast<std::uint32_t>(i + 1);
}

std::pair<std::size_t, bool> TraceGraph::add_node(const Uuid& id, int level) {
    if (nodes_.size() >= std::numeric_limits<std::uint32_t>::max() - 1)
        throw std::length_error("a trace graph holds at most 2^32 - 2 nodes");
    grow_slots(nodes_.size() + 1);
    std::size_t slot = slot_of(id);
    if (slots_[slot] != 0)
        return {slots_[slot] - 1, false};
    TraceNode node;
    node.id = id;
    node.level = level;
    nodes_.push_back(std::move(node));
    links_.emplace_back();
    slots_[slot] = static_cast<std::uint32_t>(nodes_.size());
    return {nodes_.size() - 1, true};
}

void TraceGraph::reserve(std::size_t nodes) {
    if (nodes <= nodes_.capacity())
        return;
    // Geometric growth: a chain reserves a little at every level.
    std::size_t capacity = std::max(nodes, nodes_.capacity() * 2);
    nodes_.reserve(capacity);
    links_.reserve(capacity);
    grow_slots(capacity);
}

std::optional<std::size_t> TraceGraph::find(const Uuid& id) const {
    if (slots_.empty())
        return std::nullopt;
    std::uint32_t held = slots_[slot_of(id)];
    if (held == 0)
        return std::nullopt;
    return held - 1;
}

void TraceGraph::add_edge(std::size_t parent, std::size_t child) {
    IndexList& listed = links_[child].parents;
    for (std::size_t p : listed)
        if (p == parent)
            return;
    listed.push_back(parent);
    links_[parent].children.push_back(child);
    ++edge_count_;
}

std::vector<std::pair<std::size_t, std::size_t>> TraceGraph::edges() const {
    std::vector<std::pair<std::size_t, std::size_t>> out;
    out.reserve(edge_count_);
    for (std::size_t parent = 0; parent < nodes_.size(); ++parent)
        for (std::size_t child : links_[parent].children)
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

    // Rewrite the indexes in place, then move each node and its lists to
    // its new place along the permutation's cycles: no second copy of the
    // graph, which would double a large walk's peak memory.
    for (Links& links : links_) {
        for (std::size_t& i : links.parents)
            i = new_index[i];
        for (std::size_t& i : links.children)
            i = new_index[i];
    }
    std::vector<bool> placed(nodes_.size(), false);
    for (std::size_t start = 0; start < nodes_.size(); ++start) {
        if (placed[start])
            continue;
        TraceNode held_node = std::move(nodes_[start]);
        Links held_links = std::move(links_[start]);
        for (std::size_t at = start;;) {
            placed[at] = true;
            std::size_t from = sequence[at];
            if (from == start) {
                nodes_[at] = std::move(held_node);
                links_[at] = std::move(held_links);
                break;
            }
            nodes_[at] = std::move(nodes_[from]);
            links_[at] = std::move(links_[from]);
            at = from;
        }
    }
    for (std::uint32_t& held : slots_)
        if (held != 0)
            held = static_cast<std::uint32_t>(new_index[held - 1] + 1);
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
