#include "redis/sentinel.hpp"

#include "bloodbank/redis.hpp"
#include "bloodbank/timeval.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <charconv>
#include <optional>
#include <thread>

namespace bb {
namespace detail {
namespace {

using namespace std::chrono_literals;

std::string_view reply_text(const redisReply* reply) {
    return reply && reply->str ? std::string_view(reply->str, reply->len) : std::string_view();
}

std::chrono::milliseconds time_left(SentinelClock::time_point deadline) {
    auto left =
        std::chrono::duration_cast<std::chrono::milliseconds>(deadline - SentinelClock::now());
    return std::max(left, 1ms);
}

std::string address_text(std::string_view host, int port) {
    return host.find(':') != std::string_view::npos ? fmt::format("[{}]:{}", host, port)
                                                    : fmt::format("{}:{}", host, port);
}

// The master's address as one sentinel gives it; nullopt when that sentinel
// does not know the name.
Result<std::optional<SentinelAddress>> ask_sentinel(const RedisTarget& target,
                                                    const SentinelAddress& sentinel,
                                                    std::chrono::milliseconds timeout) {
    RedisTarget plain;
    plain.host = sentinel.host;
    plain.port = sentinel.port;
    auto connection = RedisConnection::connect_server(plain, timeout);
    if (!connection)
        return connection.error();
    auto ask = [&] {
        return connection->command({"SENTINEL", "get-master-addr-by-name", target.master_name});
    };
    auto reply = ask();
    // Sentinels that require a password are given the master's credentials.
    if (reply && (*reply)->type == REDIS_REPLY_ERROR &&
        reply_text(reply->get()).starts_with("NOAUTH") && !target.password.empty()) {
        auto auth = target.username.empty()
                        ? connection->command({"AUTH", target.password})
                        : connection->command({"AUTH", target.username, target.password});
        if (!auth)
            return auth.error();
        reply = ask();
    }
    if (!reply)
        return reply.error();
    std::string where = address_text(sentinel.host, sentinel.port);
    const redisReply* r = reply->get();
    if (r->type == REDIS_REPLY_NIL)
        return std::optional<SentinelAddress>();
    if (r->type == REDIS_REPLY_ERROR)
        return make_error(ErrorKind::unavailable,
                          fmt::format("sentinel {}: {}", where, reply_text(r)));
    int port = 0;
    if (r->type == REDIS_REPLY_ARRAY && r->elements == 2) {
        std::string_view port_text = reply_text(r->element[1]);
        std::from_chars(port_text.data(), port_text.data() + port_text.size(), port);
    }
    if (port < 1 || port > 65535)
        return make_error(ErrorKind::unavailable,
                          fmt::format("sentinel {}: not an address in its answer", where));
    return std::optional<SentinelAddress>(
        SentinelAddress{std::string(reply_text(r->element[0])), port});
}

std::string sentinel_list(const RedisTarget& target) {
    std::string list;
    for (const SentinelAddress& sentinel : target.sentinels)
        list += (list.empty() ? "" : ", ") + address_text(sentinel.host, sentinel.port);
    return list;
}

// "master", "slave" or "sentinel", as ROLE says; empty when it does not.
std::string role_of(const redisReply* reply) {
    if (reply->type != REDIS_REPLY_ARRAY || reply->elements == 0)
        return {};
    return std::string(reply_text(reply->element[0]));
}

} // namespace

Result<SentinelAddress> resolve_master(const RedisTarget& target,
                                       SentinelClock::time_point deadline) {
    std::vector<std::string> failures;
    std::size_t unknown = 0;
    std::size_t count = target.sentinels.size();
    for (std::size_t i = 0; i < count; ++i) {
        // A sentinel that does not answer may take only its share of the
        // time, so that the others are asked too.
        auto share = std::max(time_left(deadline) / static_cast<long>(count - i),
                              std::chrono::milliseconds(1));
        auto answer = ask_sentinel(target, target.sentinels[i], share);
        if (answer && *answer)
            return **answer;
        if (answer)
            ++unknown;
        else
            failures.push_back(answer.error().message);
    }
    if (unknown > 0)
        return make_error(
            ErrorKind::unavailable,
            fmt::format("Redis Sentinel: {} of the sentinels ({}) know no master named \"{}\"{}{}",
                        unknown, sentinel_list(target), target.master_name,
                        failures.empty() ? "" : "; ", fmt::join(failures, "; ")));
    return make_error(ErrorKind::unavailable,
                      fmt::format("Redis Sentinel: no sentinel answered for master \"{}\": {}",
                                  target.master_name, fmt::join(failures, "; ")));
}

// The replicas in a SENTINEL REPLICAS answer that are not down.
std::size_t replicas_up(const redisReply* reply) {
    std::size_t up = 0;
    for (std::size_t i = 0; reply->type == REDIS_REPLY_ARRAY && i < reply->elements; ++i) {
        const redisReply* fields = reply->element[i];
        for (std::size_t k = 0; fields->type == REDIS_REPLY_ARRAY && k + 1 < fields->elements;
             k += 2) {
            if (reply_text(fields->element[k]) != "flags")
                continue;
            std::string_view flags = reply_text(fields->element[k + 1]);
            bool down = flags.find("s_down") != std::string_view::npos ||
                        flags.find("o_down") != std::string_view::npos ||
                        flags.find("disconnected") != std::string_view::npos;
            up += down ? 0 : 1;
        }
    }
    return up;
}

bool is_failover_reply(const redisReply* reply) {
    if (!reply || reply->type != REDIS_REPLY_ERROR)
        return false;
    std::string_view text = reply_text(reply);
    return text.starts_with("READONLY") || text.starts_with("LOADING");
}

} // namespace detail

Result<std::size_t> sentinel_replicas_up(const RedisTarget& target,
                                         std::chrono::milliseconds timeout) {
    if (!target.through_sentinels())
        return std::size_t{0};
    auto deadline = detail::SentinelClock::now() + timeout;
    std::vector<std::string> failures;
    for (const SentinelAddress& sentinel : target.sentinels) {
        RedisTarget plain;
        plain.host = sentinel.host;
        plain.port = sentinel.port;
        auto connection = RedisConnection::connect_server(plain, detail::time_left(deadline));
        if (!connection) {
            failures.push_back(connection.error().message);
            continue;
        }
        auto reply = connection->command({"SENTINEL", "REPLICAS", target.master_name});
        if (reply && (*reply)->type == REDIS_REPLY_ARRAY)
            return detail::replicas_up(reply->get());
        failures.push_back(reply ? fmt::format("sentinel {}: {}",
                                               detail::address_text(sentinel.host, sentinel.port),
                                               detail::reply_text(reply->get()))
                                 : reply.error().message);
    }
    return make_error(ErrorKind::unavailable,
                      fmt::format("Redis Sentinel: no sentinel listed the replicas of \"{}\": {}",
                                  target.master_name, fmt::join(failures, "; ")));
}

Result<RedisConnection>
RedisConnection::connect_through_sentinels(const RedisTarget& target,
                                           std::chrono::milliseconds timeout) {
    auto deadline = detail::SentinelClock::now() + timeout;
    auto master = detail::resolve_master(target, deadline);
    if (!master)
        return master.error();
    RedisTarget plain = target;
    plain.sentinels.clear();
    plain.host = master->host;
    plain.port = master->port;
    std::string where = fmt::format("{} (master {})", target.redacted(),
                                    detail::address_text(plain.host, plain.port));
    auto connection = connect_server(plain, detail::time_left(deadline));
    if (!connection)
        return make_error(ErrorKind::unavailable,
                          fmt::format("Redis at {}: {}", where, connection.error().message));
    connection->target_ = where;
    auto role = connection->command({"ROLE"});
    if (!role)
        return role.error();
    std::string said = detail::role_of(role->get());
    if (said != "master")
        return make_error(ErrorKind::unavailable,
                          fmt::format("Redis at {}: the sentinels name it as the master, but it "
                                      "says it is a {}; not writing to it",
                                      where, said.empty() ? "server of no known role" : said));
    connection->set_timeout(timeout);
    connection->route_ =
        std::make_shared<detail::SentinelRoute>(detail::SentinelRoute{target, timeout, {}});
    return connection;
}

Result<std::vector<RedisReplyPtr>> RedisConnection::flush_through_sentinels() {
    auto deadline = detail::SentinelClock::now() + route_->timeout;
    std::vector<std::vector<std::string>> commands = std::exchange(route_->pending, {});
    // A refusal of the user's rights is the same on any master: only a lost
    // connection or a failover's answer is worth finding the master again.
    auto replies = flush_unchecked();
    while (true) {
        std::optional<Error> why;
        if (!replies) {
            why = replies.error();
        } else {
            auto failover = std::find_if(replies->begin(), replies->end(), [](const auto& reply) {
                return detail::is_failover_reply(reply.get());
            });
            if (failover == replies->end())
                return unless_refused(std::move(*replies));
            why = make_error(
                ErrorKind::unavailable,
                fmt::format("Redis at {}: {}", target_, detail::reply_text(failover->get())));
        }
        // Find the master again, as often as the call's time allows: after a
        // failover the sentinels name the old master until they agree.
        std::optional<RedisConnection> fresh;
        std::optional<Error> not_found;
        while (!fresh) {
            if (detail::SentinelClock::now() >= deadline)
                return not_found ? make_error(ErrorKind::unavailable,
                                              fmt::format("{}; finding the master again: {}",
                                                          why->message, not_found->message))
                                 : *why;
            auto again = connect_through_sentinels(route_->target, detail::time_left(deadline));
            if (again) {
                fresh.emplace(std::move(*again));
                break;
            }
            not_found = again.error();
            std::this_thread::sleep_for(
                std::min(detail::time_left(deadline), std::chrono::milliseconds(100)));
        }
        wire_ = std::move(fresh->wire_);
        send_failed_.reset();
        target_ = std::move(fresh->target_);
        user_ = std::move(fresh->user_);
        pending_ = 0;
        for (const std::vector<std::string>& command : commands) {
            std::vector<std::string_view> argv(command.begin(), command.end());
            append_argv(argv.data(), argv.size());
        }
        route_->pending.clear();
        timeout_ = detail::time_left(deadline);
        replies = flush_unchecked();
        timeout_ = route_->timeout;
    }
}

} // namespace bb
