// The baseline of scripts/bench/trace.sh: the Python tracker's
// get_correlation_chain walk with the same hiredis client bb-trace uses.
// Depth-first with a visited set, one GET (ancestors) or SMEMBERS
// (descendants) round trip per visited node, nodes at depth >= max_depth
// skipped, the same output order as the Python recursion. The recursion is
// kept on an explicit stack only so that the 1,000-long chain runs at all
// (the Python tracker stops there with RecursionError).
//
//   trace_baseline HOST PORT ancestors|descendants ID [MAX_DEPTH]
//
// Prints the chain, one id per line, and "round trips: N" on stderr.
#include <hiredis/hiredis.h>
#include <rapidjson/document.h>

#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <memory>
#include <string>
#include <unordered_set>
#include <vector>

namespace {

struct Walk {
    redisContext* redis;
    bool ancestors;
    long round_trips = 0;

    std::vector<std::string> neighbours(const std::string& id) {
        std::string key =
            (ancestors ? "bloodbank:correlation:forward:" : "bloodbank:correlation:reverse:") + id;
        ++round_trips;
        auto* raw = static_cast<redisReply*>(
            redisCommand(redis, ancestors ? "GET %b" : "SMEMBERS %b", key.data(), key.size()));
        if (!raw) {
            std::fprintf(stderr, "trace_baseline: Redis connection lost\n");
            std::exit(69);
        }
        std::unique_ptr<redisReply, decltype(&freeReplyObject)> reply(raw, freeReplyObject);
        std::vector<std::string> out;
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
        return out;
    }
};

} // namespace

int main(int argc, char** argv) {
    if (argc < 5) {
        std::fprintf(stderr,
                     "usage: trace_baseline HOST PORT ancestors|descendants ID [MAX_DEPTH]\n");
        return 64;
    }
    redisContext* redis = redisConnect(argv[1], std::atoi(argv[2]));
    if (!redis || redis->err) {
        std::fprintf(stderr, "trace_baseline: cannot connect to Redis\n");
        return 69;
    }
    Walk walk{redis, std::strcmp(argv[3], "ancestors") == 0};
    int max_depth = argc > 5 ? std::atoi(argv[5]) : 100;

    // traverse(eid, depth): skip if visited or too deep; mark; ancestors:
    // recurse into parents, then append; descendants: append, then recurse.
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
        if (!walk.ancestors)
            chain.push_back(id);
        stack.push_back({id, depth, walk.neighbours(id)});
    };
    enter(argv[4], 0);
    while (!stack.empty()) {
        Frame& top = stack.back();
        if (top.at < top.next.size()) {
            std::string id = top.next[top.at++];
            enter(id, top.depth + 1);
            continue;
        }
        if (walk.ancestors)
            chain.push_back(top.id);
        stack.pop_back();
    }
    std::string out;
    for (const auto& id : chain)
        out += id + "\n";
    std::fwrite(out.data(), 1, out.size(), stdout);
    std::fprintf(stderr, "round trips: %ld\n", walk.round_trips);
    redisFree(redis);
    return 0;
}
