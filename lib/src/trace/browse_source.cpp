// The browser's levels and details read from Redis.
#include "bloodbank/correlation.hpp"
#include "bloodbank/trace_browse.hpp"

#include <cstdint>

namespace bb {
namespace {

class RedisBrowseSource final : public BrowseSource {
public:
    RedisBrowseSource(RedisConnection& redis, std::size_t max_nodes)
        : redis_(redis), max_nodes_(max_nodes) {}

    Result<BrowseLevel> level(const Uuid& id, Direction direction) override {
        // The focus counts against max_nodes; the limit is on the level.
        TraceOptions options{2, max_nodes_ == SIZE_MAX ? max_nodes_ : max_nodes_ + 1, true};
        auto graph = trace_neighbours(redis_, id, direction, options);
        BrowseLevel level;
        // A parent named by a record but gone from Redis has no level to open.
        if (!graph && graph.error().kind == ErrorKind::not_found)
            return level;
        if (!graph)
            return graph.error();
        for (std::size_t i = 1; i < graph->size(); ++i) {
            const TraceNode& node = graph->node(i);
            level.events.push_back({node.id, node.known, node.summary});
        }
        if (graph->truncated())
            level.truncated = graph->truncated_reason();
        level.warnings = graph->warnings();
        return level;
    }

    Result<EventDetails> details(const Uuid& id) override { return event_details(redis_, id); }

private:
    RedisConnection& redis_;
    std::size_t max_nodes_;
};

} // namespace

std::unique_ptr<BrowseSource> redis_browse_source(RedisConnection& redis, std::size_t max_nodes) {
    return std::make_unique<RedisBrowseSource>(redis, max_nodes);
}

} // namespace bb
