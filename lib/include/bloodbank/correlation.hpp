// Correlation queries over the Redis layout shared with the Python tracker
// (DESIGN §3, correlation_keys.hpp): parents, children, ancestors,
// descendants, the whole picture around an event, the debug dump, and `link`.
//
// Traversal: one pipelined round trip per level of the graph. For every node
// of the current level one request carries its adjacency (GET of the forward
// record going up, SMEMBERS of the reverse set going down), its summary
// (HGETALL bloodbank:event:{id}) unless summaries are off, and, going up,
// whether its reverse set exists (EXISTS); the replies give the next level.
// The Python tracker makes one round trip per node (11,112 for an 11,111-node
// tree); this makes 5 for that tree.
// Chosen over a server-side Lua script (one round trip in total) because:
// levels are few in causal graphs, so the gain would be a few round trips;
// the limits, id validation and record decoding stay in one place, in C++,
// and are the same for both directions; a long script would block Redis for
// every other client while it walks 10,000 nodes, a level at a time does not;
// and EVAL needs scripting to be allowed on a shared Redis.
//
// Limits: the Python tracker's max_depth (the event asked about is level 0;
// levels at or past max_depth are not visited, so max_depth 1 is the event
// alone) and a cap on the nodes in the result. A walk that meets a limit
// stops there and marks the graph truncated with the reason. Cycles end
// because every node is visited once.
//
// Not found: an id for which Redis holds no forward record, no reverse set
// and no summary hash is ErrorKind::not_found (the Python tracker returns a
// one-node chain instead). Redis failures are ErrorKind::unavailable.
// Known (TraceNode::known): an event is known when Redis holds one of its
// keys; going down, an event named by a live reverse set counts as known
// (its forward record is written in the same transaction), so only the
// parents found going up can be "unknown to Redis".
#pragma once

#include "bloodbank/error.hpp"
#include "bloodbank/redis.hpp"
#include "bloodbank/timestamp.hpp"
#include "bloodbank/trace.hpp"
#include "bloodbank/uuid.hpp"

#include <cstddef>
#include <optional>
#include <string>
#include <vector>

namespace bb {

struct TraceOptions {
    int max_depth = 100;           // >= 1; Python's max_depth
    std::size_t max_nodes = 10000; // >= 1; nodes in the result, the focus included
    // Fetch every event's summary (bloodbank:event:{id}). Without them a walk
    // sends one command per event instead of two, which halves its cost, but
    // siblings can only be ordered by id; the focus's summary is always read.
    bool summaries = true;
};

// Ancestors up to the roots and descendants of the event, in one graph drawn
// from the roots down. Sibling branches off the ancestors' paths and other
// parents of the descendants are not fetched: the picture is the event's own
// causes and effects. Nodes come in tree order.
Result<TraceGraph> trace_around(RedisConnection& redis, const Uuid& id,
                                const TraceOptions& options);

// Ancestors or descendants (the event included), nodes in the Python chain
// order (chain_order in trace.hpp).
Result<TraceGraph> trace_chain(RedisConnection& redis, const Uuid& id, Direction direction,
                               const TraceOptions& options);

// The immediate parents (forward-record order) or children (display order)
// of the event: the focus first, then them. max_depth does not apply.
Result<TraceGraph> trace_neighbours(RedisConnection& redis, const Uuid& id, Direction direction,
                                    const TraceOptions& options);

// The Python tracker's debug_dump, field for field. Its lists hold only ids,
// so `options.summaries` decides whether children are ordered by time or id.
struct CorrelationDump {
    Uuid event_id;
    std::vector<Uuid> parents;     // as the forward record lists them
    std::vector<Uuid> children;    // display order (time, then id)
    std::vector<Uuid> ancestors;   // chain order, roots first, the event last
    std::vector<Uuid> descendants; // chain order, the event first
    // The forward record's "metadata" value as compact JSON; nullopt when
    // the event has no forward record (JSON null).
    std::optional<std::string> metadata_json;
    bool truncated = false; // a chain met a limit (the dump itself has no field for it)
    std::string truncated_reason;
    std::vector<std::string> warnings;
};
Result<CorrelationDump> correlation_dump(RedisConnection& redis, const Uuid& id,
                                         const TraceOptions& options);
// {"event_id":...,"parents":[...],"children":[...],"ancestors":[...],
//  "descendants":[...],"metadata":{...}|null}: compact (as FastAPI sends it)
// or indented by two spaces.
std::string dump_json(const CorrelationDump& dump, bool pretty);

// Records parent -> child by hand, as the Python link_events does, but
// merging: the child's forward record keeps the parents it had (Python's
// add_correlation overwrites them), its created_at and metadata; a reason is
// stored as metadata.reason. One MULTI/EXEC (SETEX forward, SADD + EXPIRE
// reverse) guarded by WATCH on the forward key, retried if another writer
// got in between. A self-link is ErrorKind::usage; an existing forward
// record that cannot be read is ErrorKind::data and is left untouched.
struct LinkRequest {
    Uuid parent;
    Uuid child;
    std::optional<std::string> reason;
    long ttl_seconds = 30L * 86400;
    Timestamp now; // created_at of a new record
};
Result<void> link_events(RedisConnection& redis, const LinkRequest& request);

} // namespace bb
