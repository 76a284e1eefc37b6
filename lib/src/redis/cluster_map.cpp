// Reading the cluster's answers about itself: CLUSTER SLOTS and the MOVED
// and ASK redirections.
#include "bloodbank/redis_cluster.hpp"

#include <fmt/format.h>

#include <charconv>

namespace bb {
namespace {

std::string_view text_of(const redisReply* reply) {
    return reply && reply->str ? std::string_view(reply->str, reply->len) : std::string_view();
}

Error slots_error(std::size_t entry, std::string_view problem) {
    return make_error(
        ErrorKind::unavailable,
        fmt::format("Redis Cluster: CLUSTER SLOTS answered an entry {} {}", entry + 1, problem));
}

std::optional<int> number_in(std::string_view text) {
    int value = 0;
    auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), value);
    if (ec != std::errc{} || end != text.data() + text.size())
        return std::nullopt;
    return value;
}

} // namespace

Result<std::vector<ClusterSlotRange>> parse_cluster_slots(const redisReply* reply,
                                                          const RedisNodeAddress& asked) {
    if (!reply || reply->type != REDIS_REPLY_ARRAY)
        return make_error(ErrorKind::unavailable,
                          fmt::format("Redis Cluster: CLUSTER SLOTS did not answer a list{}{}",
                                      reply && reply->type == REDIS_REPLY_ERROR ? ": " : "",
                                      text_of(reply)));
    std::vector<ClusterSlotRange> ranges;
    for (std::size_t i = 0; i < reply->elements; ++i) {
        const redisReply* entry = reply->element[i];
        if (entry->type != REDIS_REPLY_ARRAY || entry->elements < 3 ||
            entry->element[0]->type != REDIS_REPLY_INTEGER ||
            entry->element[1]->type != REDIS_REPLY_INTEGER)
            return slots_error(i, "that is not a slot range and its master");
        ClusterSlotRange range;
        range.first = static_cast<int>(entry->element[0]->integer);
        range.last = static_cast<int>(entry->element[1]->integer);
        if (range.first < 0 || range.last >= cluster_slot_count || range.first > range.last)
            return slots_error(i, fmt::format("with slots {}-{}, outside 0-{}", range.first,
                                              range.last, cluster_slot_count - 1));
        const redisReply* master = entry->element[2];
        if (master->type != REDIS_REPLY_ARRAY || master->elements < 2 ||
            master->element[0]->type != REDIS_REPLY_STRING ||
            master->element[1]->type != REDIS_REPLY_INTEGER)
            return slots_error(i, "whose master is not a host and a port");
        range.master.host = std::string(text_of(master->element[0]));
        range.master.port = static_cast<int>(master->element[1]->integer);
        if (range.master.host.empty() || range.master.host == "?")
            range.master.host = asked.host;
        if (range.master.port < 1 || range.master.port > 65535)
            return slots_error(
                i, fmt::format("whose master's port {} is not a port", range.master.port));
        ranges.push_back(std::move(range));
    }
    return ranges;
}

std::optional<ClusterRedirect> parse_cluster_redirect(std::string_view error) {
    ClusterRedirect redirect;
    if (error.starts_with("MOVED "))
        error.remove_prefix(6);
    else if (error.starts_with("ASK ")) {
        error.remove_prefix(4);
        redirect.ask = true;
    } else
        return std::nullopt;
    std::size_t space = error.find(' ');
    std::size_t colon = error.rfind(':');
    if (space == std::string_view::npos || colon == std::string_view::npos || colon < space)
        return std::nullopt;
    auto slot = number_in(error.substr(0, space));
    auto port = number_in(error.substr(colon + 1));
    if (!slot || *slot < 0 || *slot >= cluster_slot_count || !port || *port < 1 || *port > 65535)
        return std::nullopt;
    redirect.slot = *slot;
    redirect.to.host = std::string(error.substr(space + 1, colon - space - 1));
    redirect.to.port = *port;
    // An IPv6 host may come in brackets.
    if (redirect.to.host.size() > 2 && redirect.to.host.front() == '[' &&
        redirect.to.host.back() == ']')
        redirect.to.host = redirect.to.host.substr(1, redirect.to.host.size() - 2);
    if (redirect.to.host.empty())
        return std::nullopt;
    return redirect;
}

} // namespace bb
