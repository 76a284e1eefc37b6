#include "bloodbank/redis.hpp"

#include "redis/sentinel.hpp"

#include "bloodbank/timeval.hpp"

#include <hiredis/sds.h>

#include <fmt/format.h>

#include <cerrno>

namespace bb {
namespace {

std::string reply_text(const redisReply* reply) {
    return reply && reply->str ? std::string(reply->str, reply->len) : std::string();
}

} // namespace

Result<RedisConnection> RedisConnection::connect(const RedisTarget& target,
                                                 std::chrono::milliseconds timeout) {
    if (target.through_sentinels())
        return connect_through_sentinels(target, timeout);
    std::string name = target.redacted();
    redisContext* raw =
        redisConnectWithTimeout(target.host.c_str(), target.port, to_timeval(timeout));
    if (!raw)
        return make_error(ErrorKind::unavailable, fmt::format("Redis at {}: out of memory", name));
    RedisConnection connection(raw, name);
    if (raw->err)
        return connection.failure("cannot connect");
    connection.set_timeout(timeout);

    if (!target.password.empty()) {
        auto reply = target.username.empty()
                         ? connection.command({"AUTH", target.password})
                         : connection.command({"AUTH", target.username, target.password});
        if (!reply)
            return reply.error();
        if ((*reply)->type == REDIS_REPLY_ERROR)
            return make_error(ErrorKind::unavailable,
                              fmt::format("Redis at {}: authentication failed: {}", name,
                                          reply_text(reply->get())));
    }
    if (target.db != 0) {
        std::string db = std::to_string(target.db);
        auto reply = connection.command({"SELECT", db});
        if (!reply)
            return reply.error();
        if ((*reply)->type == REDIS_REPLY_ERROR)
            return make_error(ErrorKind::unavailable,
                              fmt::format("Redis at {}: cannot select database {}: {}", name, db,
                                          reply_text(reply->get())));
    }
    return connection;
}

void RedisConnection::append(std::initializer_list<std::string_view> argv) {
    append_argv(argv.begin(), argv.size());
}

void RedisConnection::append(const std::vector<std::string_view>& argv) {
    append_argv(argv.data(), argv.size());
}

void RedisConnection::append_argv(const std::string_view* argv, std::size_t count) {
    // Commands of a few words, the walks' thousands of them included, are
    // described on the stack; hiredis copies the bytes.
    constexpr std::size_t on_stack = 12;
    const char* small_args[on_stack];
    size_t small_lengths[on_stack];
    std::vector<const char*> large_args;
    std::vector<size_t> large_lengths;
    const char** args = small_args;
    size_t* lengths = small_lengths;
    if (count > on_stack) {
        large_args.resize(count);
        large_lengths.resize(count);
        args = large_args.data();
        lengths = large_lengths.data();
    }
    for (std::size_t i = 0; i < count; ++i) {
        args[i] = argv[i].data();
        lengths[i] = argv[i].size();
    }
    redisAppendCommandArgv(context_.get(), static_cast<int>(count), args, lengths);
    ++pending_;
    // A level of a large walk is ten thousand commands: sent as they pass
    // 64 KiB instead of held whole (Redis reads on and keeps the replies).
    constexpr std::size_t send_from = 64 * 1024;
    if (!write_failed_ && sdslen(context_->obuf) >= send_from) {
        int done = 0;
        while (!done)
            if (redisBufferWrite(context_.get(), &done) != REDIS_OK) {
                write_failed_ = true;
                break;
            }
    }
    if (route_)
        route_->pending.emplace_back(argv, argv + count);
}

Result<std::vector<RedisReplyPtr>> RedisConnection::flush() {
    return route_ ? flush_through_sentinels() : flush_once();
}

Result<std::vector<RedisReplyPtr>> RedisConnection::flush_once() {
    std::vector<RedisReplyPtr> replies;
    replies.reserve(pending_);
    std::size_t expected = pending_;
    pending_ = 0;
    if (expected == 0)
        return replies;
    if (write_failed_)
        return failure("lost the connection");
    ++round_trips_;
    for (std::size_t i = 0; i < expected; ++i) {
        void* raw = nullptr;
        if (redisGetReply(context_.get(), &raw) != REDIS_OK || !raw)
            return failure("lost the connection");
        replies.emplace_back(static_cast<redisReply*>(raw));
    }
    return replies;
}

Result<RedisReplyPtr> RedisConnection::command(std::initializer_list<std::string_view> argv) {
    append(argv);
    auto replies = flush();
    if (!replies)
        return replies.error();
    return std::move(replies->front());
}

void RedisConnection::set_timeout(std::chrono::milliseconds timeout) {
    redisSetTimeout(context_.get(), to_timeval(timeout));
    if (route_)
        route_->timeout = timeout;
}

Error RedisConnection::failure(std::string_view what) const {
    const redisContext* c = context_.get();
    std::string reason = c && c->errstr[0] ? c->errstr : "unknown error";
    // hiredis reports a socket timeout as EAGAIN's text; say what it means.
    if (c && c->err == REDIS_ERR_IO && (errno == EAGAIN || errno == EWOULDBLOCK))
        reason = "timed out";
    return make_error(ErrorKind::unavailable,
                      fmt::format("Redis at {}: {}: {}", target_, what, reason));
}

} // namespace bb
