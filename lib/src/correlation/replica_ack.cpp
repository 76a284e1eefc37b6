#include "correlation/replica_ack.hpp"

#include <algorithm>

namespace bb::detail {

std::size_t connected_replicas(RedisConnection& redis) {
    auto role = redis.command({"ROLE"});
    if (!role)
        return 0;
    // ["master", offset, [[ip, port, offset], ...]]
    const redisReply* r = role->get();
    if (r->type != REDIS_REPLY_ARRAY || r->elements < 3 || r->element[2]->type != REDIS_REPLY_ARRAY)
        return 0;
    return r->element[2]->elements;
}

void append_replica_wait(RedisConnection& redis, std::chrono::milliseconds timeout) {
    std::string ms = std::to_string(std::max<long long>(timeout.count() / 2, 1));
    redis.append({"WAIT", "1", ms});
}

bool replica_acknowledged(const redisReply* reply) {
    return reply && reply->type == REDIS_REPLY_INTEGER && reply->integer >= 1;
}

} // namespace bb::detail
