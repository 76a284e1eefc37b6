#include "correlation/link_writes.hpp"

#include "bloodbank/correlation_keys.hpp"

namespace bb::detail {

std::size_t append_link_writes(RedisConnection& redis, std::string_view forward_key,
                               std::string_view child, std::string_view ttl,
                               std::string_view record, const std::vector<Uuid>& parents) {
    redis.append({"SETEX", forward_key, ttl, record});
    return 1 + append_reverse_writes(redis, child, ttl, parents);
}

std::size_t append_reverse_writes(RedisConnection& redis, std::string_view child,
                                  std::string_view ttl, const std::vector<Uuid>& parents) {
    for (const Uuid& parent : parents) {
        std::string key = reverse_key(parent);
        redis.append({"SADD", key, child});
        redis.append({"EXPIRE", key, ttl});
    }
    return 2 * parents.size();
}

} // namespace bb::detail
