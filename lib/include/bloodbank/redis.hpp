// A synchronous Redis connection with a deadline on every call and
// pipelining as the normal way to talk: append many commands, then read all
// their replies in one round trip. Used by correlation tracking and tracing.
// RESP travels over our own socket, plain or TLS (rediss://, bloodbank/tls.hpp):
// Debian's hiredis 0.14 has no TLS, so only its command formatter and reply
// reader are used, which work over any transport.
#pragma once

#include "bloodbank/config.hpp"
#include "bloodbank/error.hpp"

#include <hiredis/hiredis.h>

#include <chrono>
#include <initializer_list>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace bb {

namespace detail {
struct SentinelRoute;
struct ClusterRoute;
} // namespace detail

// Frees through the libhiredis that made the reply (loaded at first use).
struct ReplyDeleter {
    void operator()(redisReply* r) const;
};
using RedisReplyPtr = std::unique_ptr<redisReply, ReplyDeleter>;

class RedisConnection {
public:
    // Connects within `timeout` (TCP, and the TLS handshake for rediss://),
    // then AUTH (when a password is set; AUTH user password for an ACL user)
    // and SELECT (when db != 0). Errors name the redacted target:
    // "Redis at redis://127.0.0.1:6379/0: cannot connect: Connection refused";
    // they are ErrorKind::unavailable, except a TLS file that cannot be used
    // (not_found, io or usage, as for amqps://).
    //
    // A target through sentinels is connected to the master they name, once
    // ROLE confirms it is one. Such a connection finds the master again when
    // a round trip fails or is answered READONLY or LOADING, and sends that
    // round trip's commands again, all within the one call's timeout.
    //
    // A Redis Cluster (target.cluster(), or a server that answers INFO
    // cluster with cluster_enabled:1) is connected to through its seeds:
    // the first that answers CLUSTER SLOTS gives the slot map, and each
    // master is connected to at its first command. Such a connection sends
    // each command to the master that serves its key's slot (a command
    // without a key to any master; a MULTI ... EXEC to its keys' master):
    // a flush sends every master its share first, then reads their
    // replies, so that one flush costs one round trip on all masters at
    // once. A MOVED reply updates the slot map (and reads it again from the
    // cluster) and an ASK one is followed with ASKING, the command sent
    // again either way; so is every command of a master lost, once the
    // slot map names its successor, all within the one call's timeout.
    static Result<RedisConnection> connect(const RedisTarget& target,
                                           std::chrono::milliseconds timeout);

    // Connects to exactly the one server `target` names (not through
    // sentinels or a cluster), without asking whether it is a cluster node:
    // how sentinels and a cluster's nodes are talked to.
    static Result<RedisConnection> connect_server(const RedisTarget& target,
                                                  std::chrono::milliseconds timeout);

    // Queues one command (binary-safe arguments) without any I/O.
    void append(std::initializer_list<std::string_view> argv);
    void append(const std::vector<std::string_view>& argv);
    std::size_t pending() const { return pending_; }

    // Sends everything queued in one write and reads one reply per queued
    // command, in order, from reads of as much as has arrived.
    // A Redis error reply (REDIS_REPLY_ERROR) is returned as a reply, not an
    // Error; an Error means the connection failed or timed out, after which the
    // connection is unusable. Except a refusal of the user's rights (NOPERM,
    // NOAUTH), which no caller can do without: after all replies are read it
    // is an Error (unavailable) naming the target and the user,
    // "Redis at rediss://h:6380/0: NOPERM this user has no permissions to
    // access one of the keys used as arguments (user app)".
    Result<std::vector<RedisReplyPtr>> flush();

    // One command, one round trip.
    Result<RedisReplyPtr> command(std::initializer_list<std::string_view> argv);

    // How many masters hold the data: 1, or a cluster's masters. A command
    // that reads the whole keyspace (SCAN, DBSIZE) is sent to each of them
    // with command_on_master(0 .. masters() - 1), nothing else queued; on
    // one server it is command().
    std::size_t masters() const;
    Result<RedisReplyPtr> command_on_master(std::size_t master,
                                            std::initializer_list<std::string_view> argv);

    // The deadline for each socket read or write from now on (each wait for
    // the socket, TLS included).
    void set_timeout(std::chrono::milliseconds timeout);

    // How many round trips (flush/command calls) this connection has made.
    std::size_t round_trips() const { return round_trips_; }
    const std::string& target() const { return target_; }
    // Whether this connection routes its commands through a Redis Cluster.
    bool cluster() const { return cluster_ != nullptr; }

private:
    struct Wire; // the socket (and TLS session), the queued bytes, the reply reader
    struct WireDeleter {
        void operator()(Wire* wire) const;
    };
    RedisConnection(std::unique_ptr<Wire, WireDeleter> wire, std::string target,
                    std::chrono::milliseconds timeout);
    Error failure(std::string_view what, std::string_view reason) const;
    std::optional<Error> refusal(const redisReply* reply) const;
    // The replies, or the Error of the first refusal among them.
    Result<std::vector<RedisReplyPtr>> unless_refused(std::vector<RedisReplyPtr> replies) const;
    void append_argv(const std::string_view* argv, std::size_t count);
    Result<void> send_queued();
    Result<RedisReplyPtr> read_reply();
    Result<std::vector<RedisReplyPtr>> flush_once(); // a refusal made an Error
    Result<std::vector<RedisReplyPtr>> flush_unchecked();
    // connect_server(), and when `cluster_node` is given, whether the server
    // says it is a Redis Cluster node (asked in the same round trip as AUTH
    // and SELECT).
    static Result<RedisConnection>
    open_server(const RedisTarget& target, std::chrono::milliseconds timeout, bool* cluster_node);
    // A flush in two halves, as the cluster's masters are sent theirs all
    // before any is read: the number of replies to read, then the replies,
    // a refusal among them not made an Error.
    Result<std::size_t> send_round_trip();
    Result<std::vector<RedisReplyPtr>> read_round_trip(std::size_t expected);
    Result<RedisReplyPtr> raw_command(std::initializer_list<std::string_view> argv);
    void append_formatted(std::string_view command);
    void queued_one(); // counts a command queued, and sends what is queued past send_from

    // Through a Redis Cluster (cluster.cpp).
    static Result<RedisConnection> connect_cluster(const RedisTarget& target,
                                                   std::chrono::milliseconds timeout,
                                                   std::optional<RedisConnection> seed);
    void append_to_cluster(const std::string_view* argv, std::size_t count);
    Result<std::vector<RedisReplyPtr>> flush_cluster();
    std::shared_ptr<detail::ClusterRoute> cluster_; // set when made through a cluster
    friend struct detail::ClusterRoute;

    // Through sentinels (sentinel.cpp).
    static Result<RedisConnection> connect_through_sentinels(const RedisTarget& target,
                                                             std::chrono::milliseconds timeout);
    Result<std::vector<RedisReplyPtr>> flush_through_sentinels();
    std::shared_ptr<detail::SentinelRoute> route_; // set when made through sentinels

    std::unique_ptr<Wire, WireDeleter> wire_;
    std::string target_; // redacted, for messages
    std::string user_;   // the ACL user, "" for the default one
    std::chrono::milliseconds timeout_;
    std::size_t pending_ = 0;
    std::size_t round_trips_ = 0;
    std::optional<Error> send_failed_; // while appending: the flush reports it
};

// Through Sentinel: how many replicas of the master the first sentinel that
// answers considers up (not down, not disconnected); 0 for a target not
// through sentinels. A replica being promoted still counts, so that a writer
// that waits for one replica (WAIT) during a failover waits in vain rather
// than writing to a master about to be demoted.
Result<std::size_t> sentinel_replicas_up(const RedisTarget& target,
                                         std::chrono::milliseconds timeout);

} // namespace bb
