// A connection through a Redis Cluster: the slot map, one connection per
// master, and each flush sent to every master before any is read.
#include "redis/cluster.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <numeric>
#include <thread>

namespace bb {
namespace detail {
namespace {

using Clock = std::chrono::steady_clock;
using namespace std::chrono_literals;

// A round trip redirected more often than this is a cluster in turmoil:
// the error says so rather than following it further.
constexpr int max_rounds = 16;

std::chrono::milliseconds time_left(Clock::time_point deadline) {
    return std::max(std::chrono::duration_cast<std::chrono::milliseconds>(deadline - Clock::now()),
                    1ms);
}

std::string_view text_of(const redisReply* reply) {
    return reply && reply->str ? std::string_view(reply->str, reply->len) : std::string_view();
}

std::string address_text(const RedisNodeAddress& address) {
    return address.host.find(':') != std::string::npos
               ? fmt::format("[{}]:{}", address.host, address.port)
               : fmt::format("{}:{}", address.host, address.port);
}

// A reply that means: the same command, a moment later (a slot being
// migrated whose keys are split, or a cluster that has not yet agreed).
bool says_try_again(const redisReply* reply) {
    std::string_view text = text_of(reply);
    return reply->type == REDIS_REPLY_ERROR &&
           (text.starts_with("TRYAGAIN") || text.starts_with("CLUSTERDOWN"));
}

} // namespace

bool command_is(std::string_view name, std::string_view upper) {
    return name.size() == upper.size() &&
           std::equal(name.begin(), name.end(), upper.begin(), [](char c, char u) {
               return (c >= 'a' && c <= 'z' ? static_cast<char>(c - 'a' + 'A') : c) == u;
           });
}

int ClusterRoute::node_of(const RedisNodeAddress& address) {
    for (std::size_t i = 0; i < nodes.size(); ++i)
        if (nodes[i].address == address)
            return static_cast<int>(i);
    nodes.push_back({address, std::nullopt, {}});
    return static_cast<int>(nodes.size() - 1);
}

int ClusterRoute::node_for(int slot) const {
    if (slot >= 0)
        return slot_node[static_cast<std::size_t>(slot)];
    auto served = std::find_if(slot_node.begin(), slot_node.end(), [](int n) { return n >= 0; });
    return served == slot_node.end() ? -1 : *served;
}

RedisTarget ClusterRoute::node_target(int node) const {
    RedisTarget one = target;
    one.cluster_seeds.clear();
    one.host = nodes[static_cast<std::size_t>(node)].address.host;
    one.port = nodes[static_cast<std::size_t>(node)].address.port;
    return one;
}

void ClusterRoute::hand_out() {
    for (; handed_out < commands.size(); ++handed_out) {
        Command& command = commands[handed_out];
        int node = node_for(command.slot);
        if (node < 0 || !nodes[static_cast<std::size_t>(node)].connection)
            continue;
        nodes[static_cast<std::size_t>(node)].connection->append_formatted(
            std::string_view(queued).substr(command.begin, command.end - command.begin));
        command.queued_on = node;
    }
}

std::vector<int> ClusterRoute::masters() const {
    std::vector<int> found;
    for (int node : slot_node)
        if (node >= 0 && std::find(found.begin(), found.end(), node) == found.end())
            found.push_back(node);
    return found;
}

void ClusterRoute::drop_queued() {
    for (ClusterNode& node : nodes)
        if (node.connection && node.connection->pending() > 0)
            node.connection.reset();
}

void ClusterRoute::take(const std::vector<ClusterSlotRange>& ranges) {
    std::fill(slot_node.begin(), slot_node.end(), -1);
    for (const ClusterSlotRange& range : ranges) {
        int node = node_of(range.master);
        std::fill(slot_node.begin() + range.first, slot_node.begin() + range.last + 1, node);
    }
}

Result<void> ClusterRoute::refresh(Clock::time_point deadline) {
    std::vector<std::string> failures;
    auto ask = [&](RedisConnection& connection,
                   const RedisNodeAddress& address) -> Result<std::vector<ClusterSlotRange>> {
        connection.set_timeout(time_left(deadline));
        auto reply = connection.raw_command({"CLUSTER", "SLOTS"});
        connection.set_timeout(timeout);
        if (!reply)
            return reply.error();
        return parse_cluster_slots(reply->get(), address);
    };
    for (ClusterNode& node : nodes) {
        if (!node.connection)
            continue;
        auto ranges = ask(*node.connection, node.address);
        if (ranges) {
            take(*ranges);
            return {};
        }
        failures.push_back(ranges.error().message);
        node.connection.reset();
    }
    for (const RedisNodeAddress& seed : target.cluster_seeds) {
        if (Clock::now() >= deadline)
            break;
        int index = node_of(seed);
        auto connection = RedisConnection::connect_server(node_target(index), time_left(deadline));
        if (!connection) {
            failures.push_back(connection.error().message);
            continue;
        }
        auto ranges = ask(*connection, seed);
        if (!ranges) {
            failures.push_back(ranges.error().message);
            continue;
        }
        nodes[static_cast<std::size_t>(index)].connection.emplace(std::move(*connection));
        take(*ranges);
        return {};
    }
    return make_error(ErrorKind::unavailable,
                      fmt::format("Redis Cluster at {}: no node gave the slot map: {}",
                                  target.redacted(), fmt::join(failures, "; ")));
}

} // namespace detail

Result<RedisConnection> RedisConnection::connect_cluster(const RedisTarget& target,
                                                         std::chrono::milliseconds timeout,
                                                         std::optional<RedisConnection> seed) {
    auto deadline = detail::Clock::now() + timeout;
    auto route = std::make_shared<detail::ClusterRoute>();
    route->target = target;
    route->timeout = timeout;
    std::string name = target.redacted();
    if (seed) {
        // The seed already connected, which said it is a cluster node.
        auto reply = seed->raw_command({"CLUSTER", "SLOTS"});
        if (!reply)
            return reply.error();
        auto ranges = parse_cluster_slots(reply->get(), target.cluster_seeds.front());
        if (!ranges)
            return make_error(ErrorKind::unavailable,
                              fmt::format("Redis at {}: {}", name, ranges.error().message));
        route->take(*ranges);
        route->nodes[static_cast<std::size_t>(route->node_of(target.cluster_seeds.front()))]
            .connection.emplace(std::move(*seed));
    } else {
        for (const RedisNodeAddress& address : target.cluster_seeds) {
            // A seed with cluster support disabled is one server, not a
            // cluster: the user named the wrong kind of deployment.
            RedisTarget one = target;
            one.cluster_seeds.clear();
            one.host = address.host;
            one.port = address.port;
            auto connection = connect_server(one, detail::time_left(deadline));
            if (!connection)
                continue;
            auto reply = connection->raw_command({"CLUSTER", "SLOTS"});
            if (reply && (*reply)->type == REDIS_REPLY_ERROR &&
                detail::text_of(reply->get()).find("cluster support disabled") !=
                    std::string_view::npos)
                return make_error(ErrorKind::unavailable,
                                  fmt::format("Redis at {}: {} is not a Redis Cluster node (its "
                                              "cluster support is disabled): name it alone, "
                                              "without --redis-cluster",
                                              name, detail::address_text(address)));
            break;
        }
        if (auto mapped = route->refresh(deadline); !mapped)
            return mapped.error();
    }
    RedisConnection connection(nullptr, name, timeout);
    connection.user_ = target.username;
    connection.cluster_ = std::move(route);
    return connection;
}

std::size_t RedisConnection::masters() const {
    return cluster_ ? cluster_->masters().size() : 1;
}

Result<RedisReplyPtr>
RedisConnection::command_on_master(std::size_t master,
                                   std::initializer_list<std::string_view> argv) {
    if (!cluster_)
        return command(argv);
    // Its reply would be read after theirs.
    if (pending_ > 0)
        return make_error(ErrorKind::internal,
                          fmt::format("Redis at {}: a command for one master with {} commands "
                                      "queued for the cluster",
                                      target_, pending_));
    detail::ClusterRoute& route = *cluster_;
    std::vector<int> masters = route.masters();
    if (master >= masters.size())
        return make_error(ErrorKind::internal,
                          fmt::format("Redis at {}: no master {} (the cluster has {})", target_,
                                      master, masters.size()));
    detail::ClusterNode& node = route.nodes[static_cast<std::size_t>(masters[master])];
    auto lost = [&](const Error& error) {
        node.connection.reset();
        return make_error(ErrorKind::unavailable,
                          fmt::format("Redis at {} (node {}): {}", target_,
                                      detail::address_text(node.address), error.message));
    };
    if (!node.connection) {
        auto made = connect_server(route.node_target(masters[master]), route.timeout);
        if (!made)
            return lost(made.error());
        node.connection.emplace(std::move(*made));
    }
    ++round_trips_;
    auto reply = node.connection->command(argv);
    if (!reply)
        return lost(reply.error());
    return reply;
}

void RedisConnection::append_to_cluster(const std::string_view* argv, std::size_t count) {
    detail::ClusterRoute& route = *cluster_;
    std::size_t begin = route.queued.size();
    detail::format_command(route.queued, argv, count);
    auto key = command_key(argv, count);
    route.commands.push_back({begin, route.queued.size(), key ? cluster_key_slot(*key) : -1});
    ++pending_;
    // A transaction goes whole to the master of its keys.
    if (count > 0 && detail::command_is(argv[0], "MULTI")) {
        route.open_transaction = route.commands.size() - 1;
    } else if (count > 0 && route.open_transaction &&
               (detail::command_is(argv[0], "EXEC") || detail::command_is(argv[0], "DISCARD"))) {
        auto first = route.commands.begin() + static_cast<std::ptrdiff_t>(*route.open_transaction);
        auto keyed = std::find_if(first, route.commands.end(),
                                  [](const auto& command) { return command.slot >= 0; });
        if (keyed != route.commands.end()) {
            // Split over its slots' masters it would no longer be one
            // transaction: the flush refuses it, as a cluster node does.
            auto other = std::find_if(keyed, route.commands.end(), [&](const auto& command) {
                return command.slot >= 0 && command.slot != keyed->slot;
            });
            if (other != route.commands.end() && !route.cross_slot)
                route.cross_slot = std::make_pair(keyed->slot, other->slot);
            for (auto it = first; it != route.commands.end(); ++it)
                it->slot = keyed->slot;
        }
        route.open_transaction.reset();
    }
    if (!route.open_transaction)
        route.hand_out();
}

Result<std::vector<RedisReplyPtr>> RedisConnection::flush_cluster() {
    detail::ClusterRoute& route = *cluster_;
    auto deadline = detail::Clock::now() + route.timeout;
    const std::string queued = std::exchange(route.queued, {});
    auto commands = std::exchange(route.commands, {});
    route.open_transaction.reset();
    route.handed_out = 0;
    pending_ = 0;
    if (auto slots = std::exchange(route.cross_slot, std::nullopt)) {
        // Nothing of this flush is sent: what was already queued on a
        // master goes with its connection.
        route.drop_queued();
        return make_error(ErrorKind::internal,
                          fmt::format("Redis at {}: a transaction names keys in slots {} and {}, "
                                      "which a Redis Cluster cannot run as one (CROSSSLOT)",
                                      target_, slots->first, slots->second));
    }
    std::vector<RedisReplyPtr> replies(commands.size());
    if (commands.empty())
        return replies;
    ++round_trips_;
    std::vector<std::size_t> todo(commands.size());
    std::iota(todo.begin(), todo.end(), std::size_t{0});
    std::vector<int> asked(commands.size(), -1); // the node of an ASK, for one command
    std::optional<Error> failed;
    for (int round = 0; !todo.empty(); ++round) {
        if (round >= detail::max_rounds || (round > 0 && detail::Clock::now() >= deadline))
            return failed ? *failed
                          : make_error(ErrorKind::unavailable,
                                       fmt::format("Redis at {}: the cluster kept redirecting "
                                                   "the commands (MOVED, ASK, TRYAGAIN)",
                                                   target_));
        for (detail::ClusterNode& node : route.nodes)
            node.batch.clear();
        for (std::size_t i : todo) {
            int node = asked[i] >= 0                ? asked[i]
                       : commands[i].queued_on >= 0 ? commands[i].queued_on
                                                    : route.node_for(commands[i].slot);
            if (node < 0) {
                route.drop_queued();
                return make_error(ErrorKind::unavailable,
                                  fmt::format("Redis at {}: no master serves slot {}", target_,
                                              commands[i].slot));
            }
            route.nodes[static_cast<std::size_t>(node)].batch.push_back(i);
        }

        // Every master is sent its commands before any is read.
        std::vector<std::size_t> expected(route.nodes.size(), 0);
        std::vector<bool> lost(route.nodes.size(), false);
        auto lose = [&](std::size_t n, const Error& error) {
            lost[n] = true;
            route.nodes[n].connection.reset();
            failed = make_error(ErrorKind::unavailable,
                                fmt::format("Redis at {} (node {}): {}", target_,
                                            detail::address_text(route.nodes[n].address),
                                            error.message));
        };
        for (std::size_t n = 0; n < route.nodes.size(); ++n) {
            detail::ClusterNode& node = route.nodes[n];
            if (node.batch.empty())
                continue;
            if (!node.connection) {
                auto made = connect_server(route.node_target(static_cast<int>(n)),
                                           detail::time_left(deadline));
                if (!made) {
                    lose(n, made.error());
                    continue;
                }
                node.connection.emplace(std::move(*made));
            }
            node.connection->set_timeout(detail::time_left(deadline));
            for (std::size_t i : node.batch) {
                if (commands[i].queued_on >= 0)
                    continue; // queued when it was appended
                if (asked[i] >= 0)
                    node.connection->append({"ASKING"});
                node.connection->append_formatted(std::string_view(queued).substr(
                    commands[i].begin, commands[i].end - commands[i].begin));
            }
            auto sent = node.connection->send_round_trip();
            if (!sent)
                lose(n, sent.error());
            else
                expected[n] = *sent;
        }
        std::vector<std::size_t> answered;
        for (std::size_t n = 0; n < route.nodes.size(); ++n) {
            detail::ClusterNode& node = route.nodes[n];
            if (node.batch.empty() || lost[n])
                continue;
            auto got = node.connection->read_round_trip(expected[n]);
            if (!got) {
                lose(n, got.error());
                continue;
            }
            node.connection->set_timeout(route.timeout);
            std::size_t r = 0;
            for (std::size_t i : node.batch) {
                r += asked[i] >= 0 ? 1 : 0; // ASKING's OK
                replies[i] = std::move((*got)[r++]);
                answered.push_back(i);
            }
        }

        // What was redirected, or not answered, goes round again.
        std::vector<std::size_t> again;
        bool remap = false;
        bool wait = false;
        for (std::size_t n = 0; n < route.nodes.size(); ++n)
            if (lost[n]) {
                again.insert(again.end(), route.nodes[n].batch.begin(), route.nodes[n].batch.end());
                remap = wait = true;
            }
        for (std::size_t i : answered) {
            asked[i] = -1;
            const redisReply* reply = replies[i].get();
            if (reply->type != REDIS_REPLY_ERROR)
                continue;
            if (auto redirect = parse_cluster_redirect(detail::text_of(reply))) {
                int to = route.node_of(redirect->to);
                if (redirect->ask) {
                    asked[i] = to;
                } else {
                    route.slot_node[static_cast<std::size_t>(redirect->slot)] = to;
                    remap = true;
                }
            } else if (detail::says_try_again(reply)) {
                wait = true;
            } else {
                continue;
            }
            replies[i].reset();
            again.push_back(i);
        }
        // The map is read again after a MOVED (other slots may have moved
        // with it) or a lost master (its successor is named there); the
        // slot just learnt stays when no node answers.
        if (remap)
            if (auto mapped = route.refresh(deadline); !mapped && !failed)
                failed = mapped.error();
        if (wait && !again.empty())
            std::this_thread::sleep_for(
                std::min(detail::time_left(deadline), std::chrono::milliseconds(50)));
        for (auto& command : commands)
            command.queued_on = -1; // from now on each round queues its own
        todo = std::move(again);
    }
    return unless_refused(std::move(replies));
}

} // namespace bb
