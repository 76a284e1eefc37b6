// The replies every route shares: see replies.hpp.
#include "http/replies.hpp"

#include <fmt/format.h>

namespace bb::http_detail {

HttpReply error_reply(const Error& error, std::string_view not_found_detail) {
    switch (error.kind) {
    case ErrorKind::not_found:
        return detail_reply(404, not_found_detail);
    case ErrorKind::unavailable:
    case ErrorKind::temporary:
        return detail_reply(503, error.message);
    default:
        return detail_reply(500, error.message);
    }
}

HttpReply invalid_id_reply(std::string_view raw_id) {
    return detail_reply(400, fmt::format("Invalid UUID format: {}", raw_id));
}

RedisRequest open_redis(const HttpApiOptions& options) {
    RedisRequest request;
    auto redis = RedisConnection::connect(options.redis, options.redis_timeout);
    if (redis)
        request.redis.emplace(std::move(*redis));
    else
        request.refusal = error_reply(redis.error(), "");
    return request;
}

RedisRequest open_redis_for_id(const HttpApiOptions& options, std::string_view raw_id) {
    auto id = parse_uuid_as_python(raw_id);
    if (!id) {
        RedisRequest request;
        request.refusal = invalid_id_reply(raw_id);
        return request;
    }
    RedisRequest request = open_redis(options);
    request.id = *id;
    return request;
}

} // namespace bb::http_detail
