#include "correlation/replies.hpp"

#include "bloodbank/correlation_keys.hpp"
#include "bloodbank/timestamp.hpp"
#include "bloodbank/visible_text.hpp"

#include <fmt/format.h>

#include <string_view>

namespace bb::detail {
namespace {

std::string_view text_of(const redisReply* r) {
    return r && r->str ? std::string_view(r->str, r->len) : std::string_view();
}

bool is_error(const redisReply* reply, std::string_view key, std::vector<std::string>& warnings) {
    if (reply && reply->type == REDIS_REPLY_ERROR) {
        warnings.push_back(fmt::format("Redis refused to read {}: {}", key, text_of(reply)));
        return true;
    }
    return false;
}

} // namespace

std::optional<EventSummary> summary_from_reply(const redisReply* reply) {
    if (!reply || reply->type != REDIS_REPLY_ARRAY || reply->elements == 0)
        return std::nullopt;
    EventSummary summary;
    for (std::size_t i = 0; i + 1 < reply->elements; i += 2) {
        std::string_view field = text_of(reply->element[i]);
        std::string value(text_of(reply->element[i + 1]));
        if (field == "event_type")
            summary.event_type = std::move(value);
        else if (field == "timestamp")
            summary.timestamp = std::move(value);
        else if (field == "source_host")
            summary.source_host = std::move(value);
        else if (field == "source_app")
            summary.source_app = std::move(value);
        else if (field == "source_type")
            summary.source_type = std::move(value);
    }
    if (auto parsed = parse_timestamp(summary.timestamp))
        summary.time_micros = parsed->unix_micros;
    return summary;
}

std::vector<Uuid> members_from_reply(const redisReply* reply, const Uuid& owner,
                                     std::vector<std::string>& warnings) {
    std::vector<Uuid> ids;
    if (!reply || is_error(reply, reverse_key(owner), warnings) || reply->type != REDIS_REPLY_ARRAY)
        return ids;
    ids.reserve(reply->elements);
    for (std::size_t i = 0; i < reply->elements; ++i) {
        std::string_view member = text_of(reply->element[i]);
        if (auto id = parse_uuid(member))
            ids.push_back(*id);
        else
            warnings.push_back(fmt::format(
                "{} holds \"{}\", which is not an event id ({}); skipped", reverse_key(owner),
                visible_text(member), visible_text(id.error().message)));
    }
    return ids;
}

std::vector<Uuid> parents_from_reply(const redisReply* reply, const Uuid& owner,
                                     std::vector<std::string>& warnings) {
    if (!reply || is_error(reply, forward_key(owner), warnings) ||
        reply->type != REDIS_REPLY_STRING)
        return {};
    auto record = decode_forward_record(text_of(reply));
    if (!record) {
        warnings.push_back(fmt::format("{} cannot be read ({}); its parents are not shown",
                                       forward_key(owner), record.error().message));
        return {};
    }
    return std::move(record->parent_event_ids);
}

bool shows_key(const redisReply* reply) {
    if (!reply)
        return false;
    switch (reply->type) {
    case REDIS_REPLY_STRING:
        return true;
    case REDIS_REPLY_ARRAY:
        return reply->elements > 0;
    case REDIS_REPLY_INTEGER:
        return reply->integer > 0;
    default:
        return false;
    }
}

Error not_found(const RedisConnection& redis, const Uuid& id) {
    return make_error(ErrorKind::not_found,
                      fmt::format("event {} not found in Redis at {}", id.str(), redis.target()));
}

} // namespace bb::detail
