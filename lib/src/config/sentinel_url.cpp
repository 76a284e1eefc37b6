// redis-sentinel:// URLs as Lettuce writes them, and REDIS_SENTINELS lists:
// several host[:port] items where other URLs have one, and the master's name
// in the fragment.
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
constexpr int default_sentinel_port = 26379;

std::string_view trim(std::string_view s) {
    while (!s.empty() && std::isspace(static_cast<unsigned char>(s.front())))
        s.remove_prefix(1);
    while (!s.empty() && std::isspace(static_cast<unsigned char>(s.back())))
        s.remove_suffix(1);
    return s;
}

Error sentinel_url_error(std::string_view url, std::string_view problem) {
    return make_error(ErrorKind::usage,
                      fmt::format("\"{}\" is not a valid Redis Sentinel URL: {} (expected {})",
                                  redact_url(url), problem, sentinel_form));
}

// One "host[:port]" of a list; the problem in words when it is not one.
std::variant<SentinelAddress, std::string> parse_address(std::string_view item) {
    item = trim(item);
    SentinelAddress address;
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
            return fmt::format("the port of sentinel \"{}\" must be a number from 1 to 65535",
                               item);
        address.port = number;
    }
    return address;
}

std::variant<std::vector<SentinelAddress>, std::string> parse_addresses(std::string_view list) {
    if (trim(list).empty())
        return std::string("the host list is empty");
    std::vector<SentinelAddress> addresses;
    while (true) {
        std::size_t comma = list.find(',');
        auto address = parse_address(list.substr(0, comma));
        if (auto* problem = std::get_if<std::string>(&address))
            return *problem;
        addresses.push_back(std::get<SentinelAddress>(std::move(address)));
        if (comma == std::string_view::npos)
            return addresses;
        list = list.substr(comma + 1);
    }
}

} // namespace

Result<std::vector<SentinelAddress>> parse_sentinel_list(std::string_view list) {
    auto addresses = parse_addresses(list);
    if (auto* problem = std::get_if<std::string>(&addresses))
        return make_error(ErrorKind::usage, *problem);
    return std::get<std::vector<SentinelAddress>>(std::move(addresses));
}

Result<RedisTarget> parse_redis_sentinel_url(std::string_view url) {
    url = trim(url);
    std::size_t sep = url.find("://");
    std::string scheme(url.substr(0, sep));
    for (char& c : scheme)
        c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    if (sep == std::string_view::npos || scheme != "redis-sentinel")
        return sentinel_url_error(url, "it does not start with redis-sentinel://");
    std::string_view rest = url.substr(sep + 3);

    // The user info ends at the last '@' before the host list ends, as in
    // the other URLs; an '@' further on means a password that needed
    // percent-encoding.
    std::size_t hosts_end = rest.find_first_of("/?#");
    std::size_t at = rest.substr(0, hosts_end).rfind('@');
    if (hosts_end != std::string_view::npos && rest.find('@', hosts_end) != std::string_view::npos)
        return sentinel_url_error(url, "an '@' follows the end of the host list: a '/', '?' or "
                                       "'#' in the user name or password must be "
                                       "percent-encoded (and an '@' anywhere else as %40)");
    RedisTarget target;
    if (at != std::string_view::npos) {
        // As redis-cli reads it: "user:password", or a lone password.
        std::string_view info = rest.substr(0, at);
        std::size_t colon = info.find(':');
        if (colon == std::string_view::npos) {
            target.password = percent_decode(info);
        } else {
            target.username = percent_decode(info.substr(0, colon));
            target.password = percent_decode(info.substr(colon + 1));
        }
        rest = rest.substr(at + 1);
        hosts_end = rest.find_first_of("/?#");
    }

    std::string_view tail = hosts_end == std::string_view::npos ? "" : rest.substr(hosts_end);
    std::size_t hash = tail.find('#');
    std::string_view master = hash == std::string_view::npos ? "" : tail.substr(hash + 1);
    tail = tail.substr(0, hash);
    if (tail.find('?') != std::string_view::npos)
        return sentinel_url_error(url, "query parameters are not supported");
    auto addresses = parse_addresses(rest.substr(0, hosts_end));
    if (auto* problem = std::get_if<std::string>(&addresses))
        return sentinel_url_error(url, *problem);
    target.sentinels = std::get<std::vector<SentinelAddress>>(std::move(addresses));

    std::string_view db = tail.empty() ? "" : tail.substr(1);
    if (!db.empty()) {
        int number = -1;
        auto [end, ec] = std::from_chars(db.data(), db.data() + db.size(), number);
        if (ec != std::errc{} || end != db.data() + db.size() || number < 0)
            return sentinel_url_error(url, "the database (the path) must be a number from 0 up");
        target.db = number;
    }
    target.master_name = percent_decode(master);
    if (target.master_name.empty())
        return sentinel_url_error(url, "the master name is missing: end the URL with #name, the "
                                       "name the sentinels know the master by");
    return target;
}

} // namespace bb
