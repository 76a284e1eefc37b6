// URLs with several host[:port] items where other URLs have one:
// redis-sentinel:// URLs as Lettuce writes them (the master's name in the
// fragment) and REDIS_SENTINELS lists, and a Redis Cluster's seed nodes,
// redis://h1:p1,h2:p2/0 as Lettuce and redis-py write them.
#include "bloodbank/config.hpp"
#include "bloodbank/hex.hpp"

#include <fmt/format.h>

#include <cctype>
#include <charconv>
#include <variant>

namespace bb {
namespace {

constexpr std::string_view sentinel_form =
    "redis-sentinel://[[user:]password@]host[:port][,host[:port]...][/db]#master";
constexpr std::string_view cluster_form =
    "redis://[[user:]password@]host[:port][,host[:port]...][/0], rediss:// over TLS";
constexpr int default_sentinel_port = 26379;
constexpr int default_redis_port = 6379;

std::string_view trim(std::string_view s) {
    while (!s.empty() && std::isspace(static_cast<unsigned char>(s.front())))
        s.remove_prefix(1);
    while (!s.empty() && std::isspace(static_cast<unsigned char>(s.back())))
        s.remove_suffix(1);
    return s;
}

std::string lowercase(std::string_view s) {
    std::string out(s);
    for (char& c : out)
        c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    return out;
}

// One "host[:port]" of a list; the problem in words when it is not one.
// `what` names an item in those words ("sentinel", "node").
std::variant<RedisNodeAddress, std::string> parse_address(std::string_view item, int default_port,
                                                          std::string_view what) {
    item = trim(item);
    RedisNodeAddress address{{}, default_port};
    std::string_view port;
    if (item.starts_with('[')) {
        std::size_t close = item.find(']');
        if (close == std::string_view::npos)
            return fmt::format("the IPv6 address \"{}\" has no closing ']'", item);
        address.host = percent_decode(item.substr(1, close - 1));
        std::string_view after = item.substr(close + 1);
        if (!after.empty() && !after.starts_with(':'))
            return fmt::format("unexpected characters after the IPv6 address in \"{}\"", item);
        port = after.empty() ? after : after.substr(1);
    } else {
        std::size_t colon = item.find(':');
        address.host = percent_decode(item.substr(0, colon));
        port = colon == std::string_view::npos ? std::string_view() : item.substr(colon + 1);
    }
    if (address.host.empty())
        return std::string("the host list has an empty host");
    if (!port.empty()) {
        int number = 0;
        auto [end, ec] = std::from_chars(port.data(), port.data() + port.size(), number);
        if (ec != std::errc{} || end != port.data() + port.size() || number < 1 || number > 65535)
            return fmt::format("the port of {} \"{}\" must be a number from 1 to 65535", what,
                               item);
        address.port = number;
    }
    return address;
}

std::variant<std::vector<RedisNodeAddress>, std::string>
parse_addresses(std::string_view list, int default_port, std::string_view what) {
    if (trim(list).empty())
        return std::string("the host list is empty");
    std::vector<RedisNodeAddress> addresses;
    while (true) {
        std::size_t comma = list.find(',');
        auto address = parse_address(list.substr(0, comma), default_port, what);
        if (auto* problem = std::get_if<std::string>(&address))
            return *problem;
        addresses.push_back(std::get<RedisNodeAddress>(std::move(address)));
        if (comma == std::string_view::npos)
            return addresses;
        list = list.substr(comma + 1);
    }
}

// The parts of scheme://[[user:]password@]host[:port][,host[:port]...][/db][#fragment].
struct HostListUrl {
    std::string scheme; // lower case
    std::string username;
    std::string password;
    std::vector<RedisNodeAddress> hosts;
    int db = 0;
    std::string fragment;
};

std::variant<HostListUrl, std::string> split_host_list_url(std::string_view url, int default_port,
                                                           std::string_view what) {
    std::size_t sep = url.find("://");
    if (sep == std::string_view::npos)
        return std::string("it has no scheme://");
    HostListUrl parts;
    parts.scheme = lowercase(url.substr(0, sep));
    std::string_view rest = url.substr(sep + 3);

    // The user info ends at the last '@' before the host list ends, as in
    // the other URLs; an '@' further on means a password that needed
    // percent-encoding.
    std::size_t hosts_end = rest.find_first_of("/?#");
    std::size_t at = rest.substr(0, hosts_end).rfind('@');
    if (hosts_end != std::string_view::npos && rest.find('@', hosts_end) != std::string_view::npos)
        return std::string("an '@' follows the end of the host list: a '/', '?' or '#' in the "
                           "user name or password must be percent-encoded (and an '@' anywhere "
                           "else as %40)");
    if (at != std::string_view::npos) {
        // As redis-cli reads it: "user:password", or a lone password.
        std::string_view info = rest.substr(0, at);
        std::size_t colon = info.find(':');
        if (colon == std::string_view::npos) {
            parts.password = percent_decode(info);
        } else {
            parts.username = percent_decode(info.substr(0, colon));
            parts.password = percent_decode(info.substr(colon + 1));
        }
        rest = rest.substr(at + 1);
        hosts_end = rest.find_first_of("/?#");
    }

    std::string_view tail = hosts_end == std::string_view::npos ? "" : rest.substr(hosts_end);
    std::size_t hash = tail.find('#');
    parts.fragment = percent_decode(hash == std::string_view::npos ? "" : tail.substr(hash + 1));
    tail = tail.substr(0, hash);
    if (tail.find('?') != std::string_view::npos)
        return std::string("query parameters are not supported");
    auto addresses = parse_addresses(rest.substr(0, hosts_end), default_port, what);
    if (auto* problem = std::get_if<std::string>(&addresses))
        return *problem;
    parts.hosts = std::get<std::vector<RedisNodeAddress>>(std::move(addresses));

    std::string_view db = tail.empty() ? "" : tail.substr(1);
    if (!db.empty()) {
        int number = -1;
        auto [end, ec] = std::from_chars(db.data(), db.data() + db.size(), number);
        if (ec != std::errc{} || end != db.data() + db.size() || number < 0)
            return std::string("the database (the path) must be a number from 0 up");
        parts.db = number;
    }
    return parts;
}

std::vector<SentinelAddress> as_sentinels(const std::vector<RedisNodeAddress>& hosts) {
    std::vector<SentinelAddress> sentinels;
    for (const RedisNodeAddress& host : hosts)
        sentinels.push_back({host.host, host.port});
    return sentinels;
}

Error url_error(std::string_view url, std::string_view kind, std::string_view problem,
                std::string_view form) {
    return make_error(ErrorKind::usage,
                      fmt::format("\"{}\" is not a valid {} URL: {} (expected {})", redact_url(url),
                                  kind, problem, form));
}

} // namespace

Result<std::vector<SentinelAddress>> parse_sentinel_list(std::string_view list) {
    auto addresses = parse_addresses(list, default_sentinel_port, "sentinel");
    if (auto* problem = std::get_if<std::string>(&addresses))
        return make_error(ErrorKind::usage, *problem);
    return as_sentinels(std::get<std::vector<RedisNodeAddress>>(addresses));
}

Result<RedisTarget> parse_redis_sentinel_url(std::string_view url) {
    url = trim(url);
    auto error = [url](std::string_view problem) {
        return url_error(url, "Redis Sentinel", problem, sentinel_form);
    };
    if (lowercase(url.substr(0, url.find("://"))) != "redis-sentinel")
        return error("it does not start with redis-sentinel://");
    auto split = split_host_list_url(url, default_sentinel_port, "sentinel");
    if (auto* problem = std::get_if<std::string>(&split))
        return error(*problem);
    HostListUrl& parts = std::get<HostListUrl>(split);
    RedisTarget target;
    target.username = std::move(parts.username);
    target.password = std::move(parts.password);
    target.sentinels = as_sentinels(parts.hosts);
    target.db = parts.db;
    target.master_name = std::move(parts.fragment);
    if (target.master_name.empty())
        return error("the master name is missing: end the URL with #name, the name the "
                     "sentinels know the master by");
    return target;
}

Result<RedisTarget> parse_redis_cluster_url(std::string_view url) {
    url = trim(url);
    auto error = [url](std::string_view problem) {
        return url_error(url, "Redis Cluster", problem, cluster_form);
    };
    auto split = split_host_list_url(url, default_redis_port, "node");
    if (auto* problem = std::get_if<std::string>(&split))
        return error(*problem);
    HostListUrl& parts = std::get<HostListUrl>(split);
    if (parts.scheme != "redis" && parts.scheme != "rediss")
        return error(fmt::format("the scheme must be redis or rediss, not {}", parts.scheme));
    if (!parts.fragment.empty())
        return error("a fragment (#...) has no meaning here; redis-sentinel:// names a master");
    if (parts.db != 0)
        return error(fmt::format("a Redis Cluster has only database 0, not {}", parts.db));
    RedisTarget target;
    target.tls = parts.scheme == "rediss";
    target.username = std::move(parts.username);
    target.password = std::move(parts.password);
    target.cluster_seeds = std::move(parts.hosts);
    target.host = target.cluster_seeds.front().host;
    target.port = target.cluster_seeds.front().port;
    return target;
}

} // namespace bb
