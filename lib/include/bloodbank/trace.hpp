// The graph model of a trace: the events found around one event (the focus)
// and the parent -> child links between them, as the correlation queries
// (correlation.hpp) build it and the renderers (trace_render.hpp) draw it.
// Also the orders a trace is listed in: the Python tracker's chains and the
// tree a person reads.
#pragma once

#include "bloodbank/index_list.hpp"
#include "bloodbank/uuid.hpp"

#include <cstddef>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

namespace bb {

struct UuidHash {
    std::size_t operator()(const Uuid& id) const noexcept;
};

// What bb-publish records in bloodbank:event:{id}. The Python side writes no
// such hash, so a node may have none.
struct EventSummary {
    std::string event_type;
    std::string timestamp; // as written, ISO-8601
    std::string source_host;
    std::string source_app;
    std::string source_type;
    std::optional<std::int64_t> time_micros; // timestamp parsed, when it parses
};
struct Envelope;
// The summary bb-publish records for `event`, made from the envelope itself
// (an event seen on the bus before, or instead of, its Redis record).
EventSummary summary_of(const Envelope& event);

// A node's optional summary, kept out of line: a node without one (every
// node of an `ids` listing) costs one pointer instead of five strings, which
// is most of a large walk's memory. Reads as a std::optional does; copies
// copy the summary.
class NodeSummary {
public:
    NodeSummary() = default;
    NodeSummary(std::optional<EventSummary> summary) {
        if (summary)
            value_ = std::make_unique<EventSummary>(std::move(*summary));
    }
    NodeSummary(EventSummary summary)
        : value_(std::make_unique<EventSummary>(std::move(summary))) {}
    NodeSummary(const NodeSummary& other)
        : value_(other.value_ ? std::make_unique<EventSummary>(*other.value_) : nullptr) {}
    NodeSummary(NodeSummary&&) noexcept = default;
    NodeSummary& operator=(const NodeSummary& other) {
        if (this != &other)
            value_ = other.value_ ? std::make_unique<EventSummary>(*other.value_) : nullptr;
        return *this;
    }
    NodeSummary& operator=(NodeSummary&&) noexcept = default;

    bool has_value() const { return value_ != nullptr; }
    explicit operator bool() const { return has_value(); }
    const EventSummary& operator*() const { return *value_; }
    EventSummary& operator*() { return *value_; }
    const EventSummary* operator->() const { return value_.get(); }
    EventSummary* operator->() { return value_.get(); }
    // A copy for those that keep the summary apart from its node.
    operator std::optional<EventSummary>() const {
        return value_ ? std::optional<EventSummary>(*value_) : std::nullopt;
    }

private:
    std::unique_ptr<EventSummary> value_;
};

struct TraceNode {
    Uuid id;
    // Redis holds at least one key of this event (forward record, reverse set
    // or summary hash), or, for an event reached going down, a live reverse
    // set names it. An unknown node is a parent that some forward record
    // names, kept so that it is shown rather than silently dropped.
    bool known = false;
    NodeSummary summary;
    // Hops from the focus where the walk first met the node: negative for
    // ancestors, positive for descendants, 0 for the focus itself.
    int level = 0;
};

// Which question the graph answers; renderers use it to decide what to list
// (e.g. `ids` leaves the focus out of a parents or children listing).
enum class TraceView { around, ancestors, descendants, parents, children };
std::string_view to_string(TraceView view);

enum class Direction { ancestors, descendants };
std::string_view to_string(Direction direction);

class TraceGraph {
public:
    TraceGraph(const Uuid& focus, TraceView view);

    // Adds the node unless present. Returns its index and whether it is new.
    std::pair<std::size_t, bool> add_node(const Uuid& id, int level);
    std::optional<std::size_t> find(const Uuid& id) const;
    // Room for this many nodes without reallocating (a walk knows a level's size).
    void reserve(std::size_t nodes);
    // Records parent -> child once; parents(child) keeps the order of the
    // first additions, which the walk makes the forward record's order.
    void add_edge(std::size_t parent, std::size_t child);

    std::size_t size() const { return nodes_.size(); }
    const std::vector<TraceNode>& nodes() const { return nodes_; }
    TraceNode& node(std::size_t index) { return nodes_[index]; }
    const TraceNode& node(std::size_t index) const { return nodes_[index]; }
    const IndexList& parents(std::size_t index) const { return links_[index].parents; }
    const IndexList& children(std::size_t index) const { return links_[index].children; }
    std::size_t edge_count() const { return edge_count_; }
    // Every edge as (parent, child) indexes, sorted by parent then child index.
    std::vector<std::pair<std::size_t, std::size_t>> edges() const;

    std::size_t focus() const { return focus_; }
    TraceView view() const { return view_; }

    // A walk stopped at a limit. The first reason is kept ("max-nodes limit
    // of 10000 reached", "depth limit of 100 reached").
    void set_truncated(std::string reason);
    bool truncated() const { return truncated_; }
    const std::string& truncated_reason() const { return truncated_reason_; }

    // Oddities met on the way (a malformed record, a member that is not an
    // id); the walk goes on without them and the app prints them.
    void warn(std::string message) { warnings_.push_back(std::move(message)); }
    const std::vector<std::string>& warnings() const { return warnings_; }

    // Puts the nodes in the given order (a permutation of the indexes, or a
    // prefix of one: the rest keep their relative order after it). Indexes
    // held before the call are invalid after it.
    void reorder(const std::vector<std::size_t>& order);

private:
    struct Links {
        IndexList parents;
        IndexList children;
    };
    // The node at an id: an open-addressing table of node index + 1 (0 is
    // free), at most half full, probed linearly from the id's hash. A
    // large walk's memory is mostly per node, and this takes 8 bytes a node
    // where an unordered_map takes about 40.
    std::size_t slot_of(const Uuid& id) const;
    void grow_slots(std::size_t nodes);

    std::vector<TraceNode> nodes_;
    std::vector<Links> links_;
    std::vector<std::uint32_t> slots_;
    unsigned slot_shift_ = 64;
    std::size_t edge_count_ = 0;
    std::size_t focus_ = 0;
    TraceView view_;
    bool truncated_ = false;
    std::string truncated_reason_;
    std::vector<std::string> warnings_;
};

// Following a chain as it grows (bb-trace --follow, the web page's live
// view): an event just published whose parents include the focus or one of
// its descendants (a node at level 0 or more) joins the graph, known, with
// its summary made from the envelope, one level below the deepest of those
// parents and with an edge from each. Its index; nullopt when it is in the
// graph already (found in Redis) or descends from nothing at or below the
// focus (an ancestor's other children, unrelated events).
std::optional<std::size_t> add_descendant(TraceGraph& graph, const Envelope& event);

// The display order of events: by time (events without a readable time
// last), then by id. Makes every listing deterministic although Redis sets
// are unordered.
bool shown_before(const TraceNode& a, const TraceNode& b);

// The Python tracker's get_correlation_chain over the graph, iteratively (no
// recursion limit). Ancestors: parents before children, in forward-record
// order, roots first and the focus last. Descendants: the focus first and a
// valid topological order (children in display order; for a tree this is
// exactly Python's pre-order). Only nodes reachable from the focus.
std::vector<std::size_t> chain_order(const TraceGraph& graph, Direction direction);

// The tree a person reads: every root (a node without parents in the graph)
// drawn down through its children in display order. An event reached again is
// a `repeat` row, one on the current path a `cycle` row; neither is expanded.
// Nodes on a cycle with no root are drawn from the most ancestral of them.
//
// Indentation starts again from the left every tree_max_indent levels so
// that a long chain stays on the screen (and its rows stay small) while
// deeper rows still show how they hang together; the renderer shows the depth
// of every row past the first tree_max_indent levels.
inline constexpr std::size_t tree_max_indent = 32;
struct TreeRow {
    enum class Kind { full, repeat, cycle };
    std::size_t node = 0;
    Kind kind = Kind::full;
    std::string prefix;    // the tree lines before the row's label, e.g. "│  ├─ "
    std::size_t depth = 0; // 0 for a root
};
std::vector<TreeRow> tree_layout(const TraceGraph& graph);
// The nodes in the order the tree first shows them in full.
std::vector<std::size_t> tree_order(const TraceGraph& graph);

// The first 8 hex digits, as people quote ids.
std::string short_id(const Uuid& id);

// The ids of one graph shortened so that they still tell its events apart:
// the first 8 hex digits when those differ for every event (as people quote
// ids); else the last 12 digits, shown as "…" and the digits (time-ordered
// UUIDv7 ids made within a minute share their first digits, and their
// random part is at the end); else the whole id.
class ShortIds {
public:
    explicit ShortIds(const TraceGraph& graph);
    std::string operator()(const Uuid& id) const;

private:
    enum class Part { head, tail, whole };
    Part part_ = Part::head;
};

} // namespace bb
