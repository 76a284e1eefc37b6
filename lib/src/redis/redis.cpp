#include "bloodbank/redis.hpp"

#include "redis/cluster.hpp"
#include "redis/hiredis_library.hpp"
#include "redis/sentinel.hpp"

#include "bloodbank/file_access.hpp"
#include "bloodbank/tcp_connect.hpp"
#include "bloodbank/tls.hpp"

#include <fmt/format.h>

#include <cerrno>
#include <new>
#include <optional>
#include <poll.h>
#include <sys/socket.h>
#include <utility>

namespace bb {
namespace {

using Clock = std::chrono::steady_clock;

constexpr TlsWords redis_words{
    "Redis server", "--redis-cacert",
    "REDIS_CACERT", "--redis-cert",
    "REDIS_CERT",   "--redis-key",
    "REDIS_KEY",    "rediss:// needs the server's tls-port, redis:// its plain port"};

// Bytes read per call, as hiredis reads them: a level of a walk (thousands
// of replies) arrives in a few reads rather than one per reply. Not more:
// hiredis's reader moves what is left of its buffer down after every reply
// it takes, so a bigger feed costs more copying than it saves in reads.
constexpr std::size_t read_chunk = 16 * 1024;

// A level of a large walk is ten thousand commands: they are sent as they
// pass this much instead of held whole until the flush (Redis reads on and
// keeps the replies).
constexpr std::size_t send_from = 64 * 1024;

std::string reply_text(const redisReply* reply) {
    return reply && reply->str ? std::string(reply->str, reply->len) : std::string();
}

// Whether a server says it is a Redis Cluster node.
bool says_cluster_node(const redisReply* info) {
    return info->type == REDIS_REPLY_STRING || info->type == REDIS_REPLY_STATUS
               ? std::string_view(info->str, info->len).find("cluster_enabled:1") !=
                     std::string_view::npos
               : false;
}

struct ReaderFree {
    void operator()(redisReader* reader) const { detail::hiredis().reader_free(reader); }
};

// A plain socket's read or write, waiting for it within the deadline. Redis
// is waited for whatever the stop signals say (see OnStop).
Result<std::size_t> plain_io(int fd, bool writing, char* data, std::size_t size,
                             Clock::time_point deadline) {
    for (;;) {
        ssize_t done = writing ? ::send(fd, data, size, MSG_NOSIGNAL) : ::recv(fd, data, size, 0);
        if (done >= 0)
            return static_cast<std::size_t>(done);
        if (errno == EINTR)
            continue;
        if (errno != EAGAIN && errno != EWOULDBLOCK)
            return make_error(ErrorKind::unavailable, errno_text(errno));
        if (wait_ready(fd, writing ? POLLOUT : POLLIN, deadline, OnStop::keep_waiting) !=
            WaitResult::ready)
            return make_error(ErrorKind::unavailable, "timed out");
    }
}

// strerror's words as hiredis gave them ("Connection refused"), which
// scripts may match.
std::string as_hiredis_said(std::string reason) {
    if (!reason.empty() && reason[0] >= 'a' && reason[0] <= 'z' && reason != "timed out")
        reason[0] = static_cast<char>(reason[0] - 'a' + 'A');
    return reason;
}

} // namespace

// Commands of a few words, the walks' thousands of them included, are
// described to hiredis on the stack.
void detail::format_command(std::string& out, const std::string_view* argv, std::size_t count) {
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
    const Hiredis& h = hiredis();
    char* formatted = nullptr;
    int length = h.format_command_argv(&formatted, static_cast<int>(count), args, lengths);
    if (length < 0)
        throw std::bad_alloc(); // its only failure
    out.append(formatted, static_cast<std::size_t>(length));
    h.free_command(formatted);
}

struct RedisConnection::Wire {
    UniqueFd plain;               // without TLS
    std::optional<TlsStream> tls; // rediss://
    std::string queued;           // formatted commands not sent yet
    std::unique_ptr<redisReader, ReaderFree> reader{detail::hiredis().reader_create()};
    char buffer[read_chunk];
    bool answered = false; // the server has sent something

    // Why the connection was lost, in hiredis's words for a close. A TLS
    // server that ends the session before its first answer most likely
    // refused the client certificate, which under TLS 1.3 it checks only
    // after the handshake (its alert often lost to its close, or to our
    // request crossing it).
    std::string lost(std::string reason) const {
        if (tls && !answered && reason != "timed out")
            return fmt::format("the Redis server ended the TLS session before answering (as it "
                               "does when it does not accept the client certificate, or wants "
                               "one: see {}): {}",
                               redis_words.cert_flag, reason);
        return reason;
    }

    Result<std::size_t> write_some(const char* data, std::size_t size, Clock::time_point deadline) {
        if (tls)
            return tls->write_some(data, size, deadline);
        return plain_io(plain.get(), true, const_cast<char*>(data), size, deadline);
    }
    Result<std::size_t> read_some(Clock::time_point deadline) {
        if (tls)
            return tls->read_some(buffer, sizeof buffer, deadline);
        return plain_io(plain.get(), false, buffer, sizeof buffer, deadline);
    }
};

void ReplyDeleter::operator()(redisReply* r) const {
    detail::hiredis().free_reply(r);
}

void RedisConnection::WireDeleter::operator()(Wire* wire) const {
    delete wire;
}

RedisConnection::RedisConnection(std::unique_ptr<Wire, WireDeleter> wire, std::string target,
                                 std::chrono::milliseconds timeout)
    : wire_(std::move(wire)), target_(std::move(target)), timeout_(timeout) {}

Result<RedisConnection> RedisConnection::connect(const RedisTarget& target,
                                                 std::chrono::milliseconds timeout) {
    if (target.through_sentinels())
        return connect_through_sentinels(target, timeout);
    if (target.cluster())
        return connect_cluster(target, timeout, std::nullopt);
    auto started = Clock::now();
    // A cluster node named alone is the seed of its cluster.
    bool cluster_node = false;
    auto server = open_server(target, timeout, &cluster_node);
    if (!server || !cluster_node)
        return server;
    RedisTarget seeded = target;
    seeded.cluster_seeds = {{target.host, target.port}};
    auto left =
        std::chrono::duration_cast<std::chrono::milliseconds>(timeout - (Clock::now() - started));
    return connect_cluster(seeded, std::max(left, std::chrono::milliseconds(1)),
                           std::move(*server));
}

Result<RedisConnection> RedisConnection::connect_server(const RedisTarget& target,
                                                        std::chrono::milliseconds timeout) {
    return open_server(target, timeout, nullptr);
}

Result<RedisConnection> RedisConnection::open_server(const RedisTarget& target,
                                                     std::chrono::milliseconds timeout,
                                                     bool* cluster_node) {
    std::string name = target.redacted();
    auto deadline = Clock::now() + timeout;
    if (auto loaded = detail::load_hiredis(); !loaded)
        return make_error(loaded.error().kind,
                          fmt::format("Redis at {}: {}", name, loaded.error().message));
    std::unique_ptr<Wire, WireDeleter> wire(new Wire);
    if (!wire->reader)
        return make_error(ErrorKind::unavailable, fmt::format("Redis at {}: out of memory", name));
    auto fd = tcp_connect(target.host, target.port, deadline, OnStop::keep_waiting);
    if (!fd)
        return make_error(ErrorKind::unavailable,
                          fmt::format("Redis at {}: cannot connect: {}", name,
                                      as_hiredis_said(fd.error().message)));
    if (target.tls) {
        auto stream = TlsStream::handshake(std::move(*fd), target.host, target.tls_options,
                                           redis_words, deadline, OnStop::keep_waiting);
        // A TLS file that cannot be used is named as it is; the server's
        // refusals are connection failures like a refused TCP connect.
        if (!stream)
            return make_error(
                stream.error().kind,
                fmt::format("Redis at {}: {}{}", name,
                            stream.error().kind == ErrorKind::unavailable ? "cannot connect: " : "",
                            stream.error().message));
        wire->tls.emplace(std::move(*stream));
    } else {
        wire->plain = std::move(*fd);
    }
    RedisConnection connection(std::move(wire), name, timeout);
    connection.user_ = target.username;

    // AUTH, SELECT and the question whether it is a cluster node go in one
    // round trip, which counts as the caller's when it holds AUTH or SELECT.
    bool auth = !target.password.empty(), select = target.db != 0;
    std::string db = std::to_string(target.db);
    if (auth && target.username.empty())
        connection.append({"AUTH", target.password});
    else if (auth)
        connection.append({"AUTH", target.username, target.password});
    if (select)
        connection.append({"SELECT", db});
    if (cluster_node)
        connection.append({"INFO", "cluster"});
    if (connection.pending_ == 0)
        return connection;
    auto replies = connection.flush_unchecked();
    if (!replies)
        return replies.error();
    if (!auth && !select)
        connection.round_trips_ = 0;
    std::size_t next = 0;
    if (auth) {
        const redisReply* reply = (*replies)[next++].get();
        if (reply->type == REDIS_REPLY_ERROR)
            return make_error(
                ErrorKind::unavailable,
                fmt::format("Redis at {}: authentication failed: {}", name, reply_text(reply)));
    }
    if (select) {
        const redisReply* reply = (*replies)[next++].get();
        if (auto refused = connection.refusal(reply))
            return *refused;
        if (reply->type == REDIS_REPLY_ERROR)
            return make_error(
                ErrorKind::unavailable,
                fmt::format("Redis at {}: cannot select database {}: {}{}", name, db,
                            reply_text(reply),
                            reply_text(reply).find("cluster mode") != std::string::npos
                                ? " (a Redis Cluster has only database 0)"
                                : ""));
    }
    // A server that cannot say (an ACL user without INFO) is one server.
    if (cluster_node)
        *cluster_node = says_cluster_node((*replies)[next].get());
    return connection;
}

void RedisConnection::append(std::initializer_list<std::string_view> argv) {
    append_argv(argv.begin(), argv.size());
}

void RedisConnection::append(const std::vector<std::string_view>& argv) {
    append_argv(argv.data(), argv.size());
}

void RedisConnection::append_argv(const std::string_view* argv, std::size_t count) {
    if (cluster_)
        return append_to_cluster(argv, count);
    detail::format_command(wire_->queued, argv, count);
    if (route_)
        route_->pending.emplace_back(argv, argv + count);
    queued_one();
}

void RedisConnection::append_formatted(std::string_view command) {
    wire_->queued.append(command);
    queued_one();
}

void RedisConnection::queued_one() {
    ++pending_;
    if (!send_failed_ && wire_->queued.size() >= send_from)
        if (auto sent = send_queued(); !sent)
            send_failed_ = sent.error(); // the flush reports it
}

Result<void> RedisConnection::send_queued() {
    std::string& queued = wire_->queued;
    std::size_t sent = 0;
    while (sent < queued.size()) {
        auto written =
            wire_->write_some(queued.data() + sent, queued.size() - sent, Clock::now() + timeout_);
        if (!written) {
            queued.clear();
            return failure("lost the connection", wire_->lost(written.error().message));
        }
        sent += *written;
    }
    queued.clear();
    return {};
}

Result<RedisReplyPtr> RedisConnection::read_reply() {
    redisReader* reader = wire_->reader.get();
    const detail::Hiredis& h = detail::hiredis();
    for (;;) {
        void* raw = nullptr;
        if (h.reader_get_reply(reader, &raw) != REDIS_OK)
            return failure("lost the connection",
                           fmt::format("protocol error: {}", redisReaderGetError(reader)));
        if (raw)
            return RedisReplyPtr(static_cast<redisReply*>(raw));
        auto read = wire_->read_some(Clock::now() + timeout_);
        if (!read)
            return failure("lost the connection", wire_->lost(read.error().message));
        if (*read == 0)
            return failure("lost the connection", wire_->lost("Server closed the connection"));
        wire_->answered = true;
        if (h.reader_feed(reader, wire_->buffer, *read) != REDIS_OK)
            return failure("lost the connection", "out of memory");
    }
}

Result<std::vector<RedisReplyPtr>> RedisConnection::flush() {
    if (cluster_)
        return flush_cluster();
    return route_ ? flush_through_sentinels() : flush_once();
}

Result<std::size_t> RedisConnection::send_round_trip() {
    std::size_t expected = std::exchange(pending_, 0);
    if (expected == 0)
        return expected;
    ++round_trips_;
    if (send_failed_)
        return *std::exchange(send_failed_, std::nullopt);
    if (auto sent = send_queued(); !sent)
        return sent.error();
    return expected;
}

Result<std::vector<RedisReplyPtr>> RedisConnection::read_round_trip(std::size_t expected) {
    std::vector<RedisReplyPtr> replies;
    replies.reserve(expected);
    for (std::size_t i = 0; i < expected; ++i) {
        auto reply = read_reply();
        if (!reply)
            return reply.error();
        replies.push_back(std::move(*reply));
    }
    return replies;
}

Result<RedisReplyPtr> RedisConnection::raw_command(std::initializer_list<std::string_view> argv) {
    append_argv(argv.begin(), argv.size());
    auto expected = send_round_trip();
    if (!expected)
        return expected.error();
    auto replies = read_round_trip(*expected);
    if (!replies)
        return replies.error();
    return std::move(replies->front());
}

Result<std::vector<RedisReplyPtr>> RedisConnection::flush_unchecked() {
    auto expected = send_round_trip();
    if (!expected)
        return expected.error();
    return read_round_trip(*expected);
}

Result<std::vector<RedisReplyPtr>> RedisConnection::flush_once() {
    auto replies = flush_unchecked();
    if (!replies)
        return replies;
    return unless_refused(std::move(*replies));
}

Result<std::vector<RedisReplyPtr>>
RedisConnection::unless_refused(std::vector<RedisReplyPtr> replies) const {
    for (const RedisReplyPtr& reply : replies)
        if (auto refused = refusal(reply.get()))
            return *refused;
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
    timeout_ = timeout;
    if (route_)
        route_->timeout = timeout;
    if (cluster_)
        cluster_->timeout = timeout;
}

std::optional<Error> RedisConnection::refusal(const redisReply* reply) const {
    if (reply->type != REDIS_REPLY_ERROR)
        return std::nullopt;
    std::string_view text(reply->str, reply->len);
    if (!text.starts_with("NOPERM ") && !text.starts_with("NOAUTH "))
        return std::nullopt;
    return make_error(ErrorKind::unavailable, fmt::format("Redis at {}: {} (user {})", target_,
                                                          text, user_.empty() ? "default" : user_));
}

Error RedisConnection::failure(std::string_view what, std::string_view reason) const {
    return make_error(ErrorKind::unavailable,
                      fmt::format("Redis at {}: {}: {}", target_, what, reason));
}

} // namespace bb
