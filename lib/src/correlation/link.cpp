// `link`: record parent -> child by hand, merging into the child's forward
// record (see correlation.hpp).
#include "correlation/link_writes.hpp"

#include "bloodbank/correlation.hpp"
#include "bloodbank/correlation_keys.hpp"
#include "bloodbank/json.hpp"

#include <fmt/format.h>
#include <rapidjson/stringbuffer.h>
#include <rapidjson/writer.h>

#include <algorithm>

namespace bb {
namespace {

// Another writer changing the record between our read and our write makes
// EXEC fail; a few retries cover any realistic contention.
constexpr int max_attempts = 5;

std::string_view text_of(const redisReply* r) {
    return r && r->str ? std::string_view(r->str, r->len) : std::string_view();
}

// The metadata object with "reason" set (replaced if present, else last).
Result<std::string> with_reason(std::string_view metadata_json, const std::string& reason) {
    rapidjson::Document doc;
    if (auto parsed = parse_json(metadata_json); parsed && parsed->IsObject())
        doc = std::move(*parsed);
    else
        doc.SetObject();
    auto& alloc = doc.GetAllocator();
    rapidjson::Value value(reason.data(), static_cast<rapidjson::SizeType>(reason.size()), alloc);
    if (auto member = doc.FindMember("reason"); member != doc.MemberEnd())
        member->value = value;
    else
        doc.AddMember("reason", value, alloc);

    rapidjson::StringBuffer buffer;
    rapidjson::Writer<rapidjson::StringBuffer, rapidjson::UTF8<>, rapidjson::UTF8<>,
                      rapidjson::CrtAllocator, rapidjson::kWriteValidateEncodingFlag>
        writer(buffer);
    if (!doc.Accept(writer))
        return make_error(ErrorKind::usage, "the reason is not valid UTF-8");
    return std::string(buffer.GetString(), buffer.GetSize());
}

// The record to write: the existing one's parents plus the new parent, its
// created_at and metadata kept, the reason set.
Result<std::string> merge(const redisReply* current, const LinkRequest& request) {
    std::vector<Uuid> parents;
    Timestamp created_at = request.now;
    std::string metadata = "{}";
    if (current && current->type == REDIS_REPLY_STRING) {
        auto record = decode_forward_record(text_of(current));
        if (!record)
            return make_error(ErrorKind::data,
                              fmt::format("{} holds a record that cannot be read ({}); it was "
                                          "left as it is",
                                          forward_key(request.child), record.error().message));
        parents = std::move(record->parent_event_ids);
        if (auto written = parse_timestamp(record->created_at))
            created_at = *written;
        metadata = std::move(record->metadata_json);
    } else if (current && current->type == REDIS_REPLY_ERROR) {
        return make_error(
            ErrorKind::data,
            fmt::format("cannot read {}: {}", forward_key(request.child), text_of(current)));
    }
    if (std::find(parents.begin(), parents.end(), request.parent) == parents.end())
        parents.push_back(request.parent);
    if (request.reason) {
        auto updated = with_reason(metadata, *request.reason);
        if (!updated)
            return updated.error();
        metadata = std::move(*updated);
    }
    return encode_forward_record(parents, created_at, metadata);
}

Error refused(const RedisConnection& redis, const redisReply* reply) {
    return make_error(ErrorKind::unavailable, fmt::format("Redis at {} refused the link: {}",
                                                          redis.target(), text_of(reply)));
}

Result<void> write_reverse_set(RedisConnection& redis, std::string_view child, std::string_view ttl,
                               const Uuid& parent) {
    detail::append_reverse_writes(redis, child, ttl, {parent});
    auto written = redis.flush();
    if (!written)
        return written.error();
    for (const RedisReplyPtr& reply : *written)
        if (reply->type == REDIS_REPLY_ERROR)
            return refused(redis, reply.get());
    return {};
}

} // namespace

Result<void> link_events(RedisConnection& redis, const LinkRequest& request) {
    if (request.parent == request.child)
        return make_error(ErrorKind::usage,
                          fmt::format("cannot link event {} to itself", request.child.str()));
    if (request.ttl_seconds <= 0)
        return make_error(ErrorKind::usage,
                          fmt::format("the TTL must be positive, got {}", request.ttl_seconds));
    const std::string forward = forward_key(request.child);
    const std::string child = request.child.str();
    const std::string ttl = std::to_string(request.ttl_seconds);

    for (int attempt = 0; attempt < max_attempts; ++attempt) {
        redis.append({"WATCH", forward});
        redis.append({"GET", forward});
        auto read = redis.flush();
        if (!read)
            return read.error();
        if ((*read)[0]->type == REDIS_REPLY_ERROR)
            return make_error(ErrorKind::unavailable,
                              fmt::format("Redis at {} refused WATCH: {}", redis.target(),
                                          text_of((*read)[0].get())));
        auto merged = merge((*read)[1].get(), request);
        if (!merged) {
            if (auto unwatched = redis.command({"UNWATCH"}); !unwatched)
                return unwatched.error();
            return merged.error();
        }

        // Through a Redis Cluster the parent's reverse set lies in another
        // slot, which no transaction spans: the child's record is written
        // under the WATCH, then the parent's set, in the order tracking
        // writes them (a walk down never meets a child without its record).
        const bool split = redis.cluster();
        redis.append({"MULTI"});
        if (split)
            redis.append({"SETEX", forward, ttl, *merged});
        else
            detail::append_link_writes(redis, forward, child, ttl, *merged, {request.parent});
        redis.append({"EXEC"});
        auto written = redis.flush();
        if (!written)
            return written.error();
        const redisReply* exec = written->back().get();
        if (exec->type == REDIS_REPLY_NIL)
            continue; // the forward record changed after our GET: read it again
        if (exec->type != REDIS_REPLY_ARRAY)
            return refused(redis, exec);
        for (std::size_t i = 0; i < exec->elements; ++i)
            if (exec->element[i]->type == REDIS_REPLY_ERROR)
                return refused(redis, exec->element[i]);
        if (split)
            return write_reverse_set(redis, child, ttl, request.parent);
        return {};
    }
    return make_error(
        ErrorKind::temporary,
        fmt::format("{} kept changing while linking; nothing written, try again", forward));
}

} // namespace bb
