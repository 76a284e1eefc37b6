// What every route answers alike: a library error as an HTTP status with
// {"detail": ...}, and the preamble of those that read Redis.
#pragma once

#include "bloodbank/error.hpp"
#include "bloodbank/http_api.hpp"
#include "bloodbank/redis.hpp"
#include "bloodbank/uuid.hpp"

#include <optional>
#include <string_view>

namespace bb::http_detail {

// not_found: 404 with `not_found_detail`; Redis unreachable or busy: 503;
// anything else 500, each with the error's message.
HttpReply error_reply(const Error& error, std::string_view not_found_detail);

// 400 "Invalid UUID format: ID", the Python service's words for a path id
// that uuid.UUID() refuses.
HttpReply invalid_id_reply(std::string_view raw_id);

// What a route has before its query: the path's id, if it names one, and a
// Redis connection of its own (each request opens one: a connection is not
// thread-safe). Or, in `refusal`, the reply that ends the request: the 400
// of an id uuid.UUID() refuses (checked first, without connecting), or the
// 503/500 of a Redis that cannot be reached.
struct RedisRequest {
    Uuid id;
    std::optional<RedisConnection> redis;
    std::optional<HttpReply> refusal;
};
RedisRequest open_redis(const HttpApiOptions& options);
RedisRequest open_redis_for_id(const HttpApiOptions& options, std::string_view raw_id);

} // namespace bb::http_detail
