// Renderers of a TraceGraph: one result model, several views. A terminal
// changes the colour of the tree, never the data. Nodes are listed in the
// graph's order (the queries put them in chain or tree order), edges sorted
// by that order.
//
// JSON schema (--format json), pretty-printed with two-space indentation:
//   {
//     "root": "<id asked about>",
//     "view": "around" | "ancestors" | "descendants" | "parents" | "children",
//     "nodes": [ {"id": "<uuid>", "known": bool, "level": int,
//                 "event_type": str|null, "timestamp": str|null,
//                 "source_app": str|null, "source_host": str|null,
//                 "source_type": str|null}, ... ],
//     "edges": [ {"parent": "<uuid>", "child": "<uuid>"}, ... ],
//     "truncated": bool,
//     "truncated_reason": str|null
//   }
// known: Redis holds a key of the event; level: hops from the root, negative
// for ancestors; the summary fields are null when Redis has no
// bloodbank:event hash for the event (always so for Python-written events).
#pragma once

#include "bloodbank/correlation_keys.hpp"
#include "bloodbank/error.hpp"
#include "bloodbank/redis.hpp"
#include "bloodbank/trace.hpp"

#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>

namespace bb {

enum class TraceFormat { tree, json, ids, dot, mermaid };
// "tree", "json", "ids", "dot", "mermaid"; anything else is ErrorKind::usage.
Result<TraceFormat> parse_trace_format(std::string_view name);

// The forward records of a graph's events (read_link_records), by event id.
using LinkRecords = std::unordered_map<Uuid, ForwardRecord, UuidHash>;
// One pipelined GET per event; events without a readable record are left out.
Result<LinkRecords> read_link_records(RedisConnection& redis, const TraceGraph& graph);

struct TreeStyle {
    bool color = false;    // ANSI colours and the focus row in reverse video
    std::size_t width = 0; // terminal columns every row fits in; 0: no limit
    // The links, when read: a row without an event summary shows its link's
    // time and reason (or metadata) in the time and source columns; with
    // `show_links` every row also ends in "(linked TIME, REASON)".
    const LinkRecords* links = nullptr;
    bool show_links = false;
};

// One row per event: tree lines, event type, time (UTC), source app, short
// id; the focus marked with "◀" (and highlighted in colour); repeats and
// cycles marked instead of expanded; unknown events shown as such; a final
// "… truncated: <reason>" row when a limit stopped the walk. Columns line up
// at any depth, measured in display width (wide and zero-width characters
// counted as a terminal draws them); a label too long for its column, and
// with a width a source or time too, ends in "…". A narrow width drops the
// source column, then the time; the tree lines and the id always stay.
std::string render_tree(const TraceGraph& graph, const TreeStyle& style = {});
std::string render_json(const TraceGraph& graph);
// One id per line; a parents or children listing leaves out the focus.
std::string render_ids(const TraceGraph& graph);
std::string render_dot(const TraceGraph& graph);
std::string render_mermaid(const TraceGraph& graph);
// Why Mermaid would refuse to draw `text`, render_mermaid's output of graph:
// more edges or characters than its default maxEdges (500) and maxTextSize
// (50,000), which a diagram cannot raise itself; nullopt when within them.
std::optional<std::string> mermaid_over_limits(const TraceGraph& graph, std::string_view text);

std::string render(const TraceGraph& graph, TraceFormat format, const TreeStyle& style = {});

// "2025-10-18 14:03:07" (UTC) for a node's summary time; the text as written
// when it does not parse; empty without a summary.
std::string display_time(const TraceNode& node);
// One-line description used by the dot and mermaid labels and the tree:
// the event type, "(no summary)" or "? unknown to Redis".
std::string display_label(const TraceNode& node);
// "app=<source_app>", or "host=<source_host>" when the app is empty; empty
// without a summary.
std::string display_source(const TraceNode& node);

} // namespace bb
