// One event's details for the browser, in one pipelined round trip.
#include "correlation/replies.hpp"

#include "bloodbank/correlation_keys.hpp"
#include "bloodbank/json.hpp"
#include "bloodbank/trace_browse.hpp"

#include <fmt/format.h>

namespace bb {
namespace {

std::optional<std::string> reason_of(std::string_view metadata_json) {
    auto doc = parse_json(metadata_json);
    if (!doc || !doc->IsObject())
        return std::nullopt;
    auto reason = doc->FindMember("reason");
    if (reason == doc->MemberEnd() || !reason->value.IsString())
        return std::nullopt;
    return std::string(reason->value.GetString(), reason->value.GetStringLength());
}

} // namespace

Result<EventDetails> event_details(RedisConnection& redis, const Uuid& id) {
    redis.append({"GET", forward_key(id)});
    redis.append({"HGETALL", event_key(id)});
    redis.append({"SCARD", reverse_key(id)});
    auto replies = redis.flush();
    if (!replies)
        return replies.error();
    const redisReply* forward = (*replies)[0].get();
    const redisReply* children = (*replies)[2].get();
    EventDetails details;
    details.summary = detail::summary_from_reply((*replies)[1].get());
    if (forward->type == REDIS_REPLY_STRING) {
        details.has_link = true;
        auto record = decode_forward_record(std::string_view(forward->str, forward->len));
        if (record) {
            details.parents = record->parent_event_ids.size();
            details.link_created_at = std::move(record->created_at);
            details.link_metadata_json = std::move(record->metadata_json);
            details.link_reason = reason_of(details.link_metadata_json);
        } else {
            details.warnings.push_back(
                fmt::format("{}: {}", forward_key(id), record.error().message));
        }
    }
    if (children->type == REDIS_REPLY_INTEGER && children->integer > 0)
        details.children = static_cast<std::size_t>(children->integer);
    details.known = details.has_link || details.summary || details.children > 0;
    return details;
}

} // namespace bb
