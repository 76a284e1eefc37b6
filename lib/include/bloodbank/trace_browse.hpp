// The model behind `bb-trace browse`: a collapsible tree of the events around
// one (the root), loaded one level at a time as a person opens it, with a
// selection, a search and re-rooting. No drawing and no terminal here; the
// app draws rows() and details() and turns keys into these calls.
//
// The tree: the root's row opens into its parents (marked up) and then its
// children (marked down); a parent's row opens into its own parents, a
// child's into its own children, so one tree shows both ancestors and
// descendants. An event met again on its own path is a cycle row, which
// does not open. Nothing is fetched until a row is opened, so a graph of any
// size opens with two levels read.
#pragma once

#include "bloodbank/error.hpp"
#include "bloodbank/redis.hpp"
#include "bloodbank/trace.hpp"
#include "bloodbank/uuid.hpp"

#include <cstddef>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

namespace bb {

// One event as a level lists it.
struct BrowseEvent {
    Uuid id;
    bool known = false; // Redis holds a key of it (see TraceNode::known)
    std::optional<EventSummary> summary;
};

// The parents or children of one event, in display order.
struct BrowseLevel {
    std::vector<BrowseEvent> events;
    std::optional<std::string> truncated; // why the level was cut short
    std::vector<std::string> warnings;
};

// What the details pane shows of one event, from one round trip.
struct EventDetails {
    bool known = false; // forward record, reverse set or summary present
    std::optional<EventSummary> summary;
    bool has_link = false; // a forward record exists
    std::string link_created_at;
    std::string link_metadata_json;         // compact JSON object, "{}" when none
    std::optional<std::string> link_reason; // metadata.reason when a string
    std::size_t parents = 0;
    std::size_t children = 0;
    std::vector<std::string> warnings;
};

// The forward record (GET), the summary (HGETALL) and the number of children
// (SCARD) of one event, pipelined. Redis failures are ErrorKind::unavailable.
Result<EventDetails> event_details(RedisConnection& redis, const Uuid& id);

// Where the browser reads the graph: Redis in the app, a table in the tests.
class BrowseSource {
public:
    virtual ~BrowseSource() = default;
    virtual Result<BrowseLevel> level(const Uuid& id, Direction direction) = 0;
    virtual Result<EventDetails> details(const Uuid& id) = 0;
};

// A source over a Redis connection: trace_neighbours for a level (at most
// max_nodes events each) and event_details. The connection must outlive it.
std::unique_ptr<BrowseSource> redis_browse_source(RedisConnection& redis, std::size_t max_nodes);

class TraceBrowser {
public:
    enum class Mark { root, parent, child }; // how a row relates to its tree parent
    struct Row {
        Uuid id;
        Mark mark = Mark::root;
        std::size_t depth = 0;
        bool expanded = false;
        bool can_expand = true; // not yet known to be a leaf, not a cycle
        bool cycle = false;
    };

    explicit TraceBrowser(BrowseSource& source);

    // Makes `id` the root and opens it (its parents and children). An id
    // Redis knows nothing about is ErrorKind::not_found. On failure the tree
    // is left as it was.
    Result<void> open(const Uuid& id);
    // open() on the selected event.
    Result<void> reroot();

    // The visible rows, top to bottom, and which one is selected.
    std::vector<Row> rows() const;
    std::size_t selected() const;
    const Uuid& selected_id() const;
    const Uuid& root_id() const;

    void move(long delta); // clamped to the rows
    // Opens the selected row, loading its level the first time.
    Result<void> expand();
    // Closes the selected row; on a closed row, selects its tree parent.
    void collapse();
    // Selects a causal parent (p) or child (c) of the selected event, opening
    // the row that holds it; false when it has none.
    Result<bool> jump_parent();
    Result<bool> jump_child();

    // Selects the next loaded event after the selection (wrapping) whose type
    // contains `query` or whose id starts with it (ignoring case); opens the
    // rows above it. False when none matches. next_match() repeats the last.
    bool search(std::string_view query);
    bool next_match();

    // What is known of an event seen in a level (nullptr if never seen).
    const BrowseEvent* event(const Uuid& id) const;
    // The selected event's details, read once and kept.
    Result<const EventDetails*> details();

    std::size_t events_loaded() const { return events_.size(); }
    // Every level that was cut short, as "<short id>: <reason>".
    const std::vector<std::string>& truncations() const { return truncations_; }
    const std::vector<std::string>& warnings() const { return warnings_; }

private:
    struct Node {
        Uuid id;
        Mark mark = Mark::root;
        std::size_t depth = 0;
        std::optional<std::size_t> parent;
        std::vector<std::size_t> kids;
        bool loaded = false;
        bool expanded = false;
        bool cycle = false;
    };
    Result<void> load(std::size_t node);
    bool on_path(std::size_t node, const Uuid& id) const;
    void visible(std::size_t node, std::vector<std::size_t>& out) const;
    std::vector<std::size_t> visible() const;
    std::vector<std::size_t> preorder() const;
    void select_node(std::size_t node); // opens the rows above it
    std::optional<std::size_t> first_kid(std::size_t node, Mark mark) const;
    Result<bool> jump(Mark toward);
    bool matches(const Uuid& id) const;

    BrowseSource& source_;
    std::vector<Node> nodes_; // nodes_[0] is the root
    std::unordered_map<Uuid, BrowseEvent, UuidHash> events_;
    std::unordered_map<Uuid, EventDetails, UuidHash> details_;
    std::vector<std::string> truncations_;
    std::vector<std::string> warnings_;
    std::size_t selected_node_ = 0;
    std::string query_;
};

} // namespace bb
