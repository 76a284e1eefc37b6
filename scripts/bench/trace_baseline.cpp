// The baselines of scripts/bench/trace.sh, with the same hiredis client
// bb-trace uses.
//
// levels: the walk bb-trace does, written as plainly as it can be. One level
// at a time, every node's question of a level pipelined (SMEMBERS of its
// reverse set going down, GET of its forward record going up), so one round
// trip per level; a visited set; nodes at depth >= max_depth not asked. Ids
// are kept as the strings Redis sent (no checks), printed in the order met.
// This is the floor a level-by-level walk can reach: bb-trace's walk is
// measured against it.
//
// per-node: the Python tracker's get_correlation_chain. Depth-first with a
// visited set, one GET (ancestors) or SMEMBERS (descendants) round trip per
// visited node, nodes at depth >= max_depth skipped, the same output order as
// the Python recursion. The recursion is kept on an explicit stack only so
// that the 1,000-long chain runs at all (the Python tracker stops there with
// RecursionError).
//
//   trace_baseline HOST PORT levels|per-node ancestors|descendants ID [MAX_DEPTH]
//
// Prints the chain, one id per line, then on stderr "round trips: N" and
// "in-process ms: T", the time from before connecting to after writing the
// ids (the span bb-trace's --stats measures, less reading its configuration).
#include <hiredis/hiredis.h>
#include <rapidjson/document.h>

#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <memory>
#include <string>
#include <string_view>
#include <unordered_set>
#include <vector>

namespace {

using ReplyPtr = std::unique_ptr<redisReply, decltype(&freeReplyObject)>;

[[noreturn]] void lost() {
    std::fprintf(stderr, "trace_baseline: Redis connection lost\n");
    std::exit(69);
}

std::string key_of(bool ancestors, std::string_view id) {
    std::string key(ancestors ? "bloodbank:correlation:forward:"
                              : "bloodbank:correlation:reverse:");
    key += id;
    return key;
}

// The neighbours a reply names, appended to `out`.
void neighbours_of(bool ancestors, const redisReply* reply, std::vector<std::string>& out) {
    if (ancestors && reply->type == REDIS_REPLY_STRING) {
        rapidjson::Document doc; // orjson.loads of the whole record, as Python does
        doc.Parse(reply->str, reply->len);
        if (doc.IsObject() && doc.HasMember("parent_event_ids"))
            for (const auto& p : doc["parent_event_ids"].GetArray())
                out.emplace_back(p.GetString(), p.GetStringLength());
    } else if (!ancestors && reply->type == REDIS_REPLY_ARRAY) {
        for (std::size_t i = 0; i < reply->elements; ++i)
            out.emplace_back(reply->element[i]->str, reply->element[i]->len);
    }
}

struct Walk {
    redisContext* redis;
    bool ancestors;
    int max_depth;
    long round_trips = 0;

    ReplyPtr ask(const std::string& id) {
        std::string key = key_of(ancestors, id);
        ++round_trips;
        auto* raw = static_cast<redisReply*>(
            redisCommand(redis, ancestors ? "GET %b" : "SMEMBERS %b", key.data(), key.size()));
        if (!raw)
            lost();
        return {raw, freeReplyObject};
    }

    // The level-by-level walk.
    std::vector<std::string> levels(const std::string& start) {
        std::vector<std::string> chain{start};
        std::unordered_set<std::string> visited{start};
        std::vector<std::string> frontier{start}, named;
        for (int depth = 0; !frontier.empty() && depth + 1 < max_depth; ++depth) {
            for (const auto& id : frontier) {
                std::string key = key_of(ancestors, id);
                const char* argv[] = {ancestors ? "GET" : "SMEMBERS", key.c_str()};
                const std::size_t lengths[] = {std::strlen(argv[0]), key.size()};
                redisAppendCommandArgv(redis, 2, argv, lengths);
            }
            ++round_trips;
            named.clear();
            for (std::size_t i = 0; i < frontier.size(); ++i) {
                void* raw = nullptr;
                if (redisGetReply(redis, &raw) != REDIS_OK || !raw)
                    lost();
                ReplyPtr reply(static_cast<redisReply*>(raw), freeReplyObject);
                neighbours_of(ancestors, reply.get(), named);
            }
            frontier.clear();
            for (auto& id : named)
                if (visited.insert(id).second) {
                    chain.push_back(id);
                    frontier.push_back(std::move(id));
                }
        }
        return chain;
    }

    // traverse(eid, depth): skip if visited or too deep; mark; ancestors:
    // recurse into parents, then append; descendants: append, then recurse.
    std::vector<std::string> per_node(const std::string& start) {
        struct Frame {
            std::string id;
            int depth;
            std::vector<std::string> next;
            std::size_t at = 0;
        };
        std::unordered_set<std::string> visited;
        std::vector<std::string> chain;
        std::vector<Frame> stack;
        auto enter = [&](const std::string& id, int depth) {
            if (visited.count(id) || depth >= max_depth)
                return;
            visited.insert(id);
            if (!ancestors)
                chain.push_back(id);
            std::vector<std::string> next;
            neighbours_of(ancestors, ask(id).get(), next);
            stack.push_back({id, depth, std::move(next)});
        };
        enter(start, 0);
        while (!stack.empty()) {
            Frame& top = stack.back();
            if (top.at < top.next.size()) {
                std::string id = top.next[top.at++];
                enter(id, top.depth + 1);
                continue;
            }
            if (ancestors)
                chain.push_back(top.id);
            stack.pop_back();
        }
        return chain;
    }
};

} // namespace

int main(int argc, char** argv) {
    if (argc < 6) {
        std::fprintf(stderr, "usage: trace_baseline HOST PORT levels|per-node "
                             "ancestors|descendants ID [MAX_DEPTH]\n");
        return 64;
    }
    auto started = std::chrono::steady_clock::now();
    redisContext* redis = redisConnect(argv[1], std::atoi(argv[2]));
    if (!redis || redis->err) {
        std::fprintf(stderr, "trace_baseline: cannot connect to Redis\n");
        return 69;
    }
    Walk walk{redis, std::strcmp(argv[4], "ancestors") == 0, argc > 6 ? std::atoi(argv[6]) : 100};
    std::vector<std::string> chain =
        std::strcmp(argv[3], "levels") == 0 ? walk.levels(argv[5]) : walk.per_node(argv[5]);
    std::string out;
    for (const auto& id : chain) {
        out += id;
        out += '\n';
    }
    std::fwrite(out.data(), 1, out.size(), stdout);
    std::fflush(stdout);
    double ms =
        std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - started)
            .count();
    std::fprintf(stderr, "round trips: %ld\nin-process ms: %.3f\n", walk.round_trips, ms);
    redisFree(redis);
    return 0;
}
