// AMQP and Redis URLs, split the way Python's urlsplit (and so yarl, aio-pika
// and redis-py) splits them, and redaction that errs on the side of hiding.
#include "bloodbank/config.hpp"
#include "bloodbank/hex.hpp"

#include <fmt/format.h>

#include <cctype>
#include <charconv>
#include <optional>
#include <variant>

namespace bb {
namespace {

constexpr std::string_view amqp_form = "amqp://[user[:password]@]host[:port][/vhost]";
constexpr std::string_view redis_form = "redis[s]://[[user:]password@]host[:port][/db]";

std::string lowercase(std::string_view s) {
    std::string out(s);
    for (char& c : out) {
        c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    }
    return out;
}

std::string_view trim(std::string_view s) {
    while (!s.empty() && std::isspace(static_cast<unsigned char>(s.front()))) {
        s.remove_prefix(1);
    }
    while (!s.empty() && std::isspace(static_cast<unsigned char>(s.back()))) {
        s.remove_suffix(1);
    }
    return s;
}

bool is_scheme(std::string_view s) {
    if (s.empty() || !std::isalpha(static_cast<unsigned char>(s.front()))) {
        return false;
    }
    for (char c : s) {
        if (!std::isalnum(static_cast<unsigned char>(c)) && c != '+' && c != '-' && c != '.') {
            return false;
        }
    }
    return true;
}

// Keeps RFC 3986 unreserved and sub-delims characters, escapes the rest.
std::string percent_encode(std::string_view s) {
    constexpr std::string_view keep = "-._~!$&'()*+,;=";
    std::string out;
    for (char c : s) {
        auto u = static_cast<unsigned char>(c);
        if (std::isalnum(u) || keep.find(c) != std::string_view::npos) {
            out += c;
        } else {
            out += fmt::format("%{:02X}", u);
        }
    }
    return out;
}

std::string host_for_url(const std::string& host) {
    return host.find(':') != std::string::npos ? "[" + host + "]" : host;
}

// The parts of scheme://[userinfo@]host[:port][/path][?query][#fragment].
struct UrlParts {
    std::string scheme; // lowercase
    std::optional<std::string_view> userinfo;
    std::string_view host; // without IPv6 brackets
    std::optional<std::string_view> port;
    std::string_view path; // from the first '/', query and fragment excluded
    std::optional<std::string_view> query;
};

// What went wrong, without any part of the URL (which may hold a password).
using SplitResult = std::variant<UrlParts, std::string>;

// The text after "scheme://" cut into user info and the rest, the one cut
// that both parsing and redaction use. The user info ends at the last '@'
// before the first '/', '?' or '#'. A password holding one of those ends the
// host part early (urlsplit would read the rest as a path, query or
// fragment); an '@' after it gives that away, so the user info then runs to
// the last '@' (which redaction hides) and `stray` names the character (which
// parsing refuses: the URL does not mean what its writer meant).
struct Authority {
    std::optional<std::string_view> userinfo;
    std::string_view rest; // after the user info and its '@'
    char stray = 0;
};

Authority split_authority(std::string_view after_scheme) {
    Authority authority{std::nullopt, after_scheme};
    std::size_t netloc_end = after_scheme.find_first_of("/?#");
    std::size_t at = after_scheme.substr(0, netloc_end).rfind('@');
    if (at == std::string_view::npos && netloc_end != std::string_view::npos) {
        at = after_scheme.rfind('@');
        if (at != std::string_view::npos)
            authority.stray = after_scheme[netloc_end];
    }
    if (at != std::string_view::npos) {
        authority.userinfo = after_scheme.substr(0, at);
        authority.rest = after_scheme.substr(at + 1);
    }
    return authority;
}

std::string stray_problem(char stray) {
    return fmt::format("an '@' follows the '{0}' that ends the host part: a '{0}' in the user "
                       "name or password must be percent-encoded as %{1:02X} (and an '@' "
                       "anywhere else as %40)",
                       stray, static_cast<unsigned char>(stray));
}

SplitResult split_url(std::string_view url) {
    std::size_t sep = url.find("://");
    if (sep == std::string_view::npos || !is_scheme(url.substr(0, sep))) {
        return std::string("it does not start with scheme://");
    }
    UrlParts parts;
    parts.scheme = lowercase(url.substr(0, sep));
    Authority authority = split_authority(url.substr(sep + 3));
    if (authority.stray) {
        return stray_problem(authority.stray);
    }
    parts.userinfo = authority.userinfo;
    std::string_view rest = authority.rest;
    std::size_t netloc_end = rest.find_first_of("/?#");
    std::string_view netloc = rest.substr(0, netloc_end);
    std::string_view tail = netloc_end == std::string_view::npos ? "" : rest.substr(netloc_end);
    if (std::size_t hash = tail.find('#'); hash != std::string_view::npos) {
        tail = tail.substr(0, hash);
    }
    if (std::size_t q = tail.find('?'); q != std::string_view::npos) {
        parts.query = tail.substr(q + 1);
        tail = tail.substr(0, q);
    }
    parts.path = tail;

    if (netloc.starts_with('[')) {
        std::size_t close = netloc.find(']');
        if (close == std::string_view::npos) {
            return std::string("the IPv6 address has no closing ']'");
        }
        parts.host = netloc.substr(1, close - 1);
        std::string_view after = netloc.substr(close + 1);
        if (after.starts_with(':')) {
            parts.port = after.substr(1);
        } else if (!after.empty()) {
            return std::string("unexpected characters after the IPv6 address");
        }
    } else if (std::size_t colon = netloc.find(':'); colon != std::string_view::npos) {
        parts.host = netloc.substr(0, colon);
        parts.port = netloc.substr(colon + 1);
    } else {
        parts.host = netloc;
    }
    return parts;
}

// User info without a ':' is the password for redis-cli (and so here), the
// user name for every other scheme.
bool lone_userinfo_is_password(std::string_view scheme) {
    std::string lower = lowercase(scheme);
    return lower == "redis" || lower == "rediss" || lower == "redis-sentinel";
}

// An empty port (host:) means the default, as in urlsplit.
std::optional<int> parse_port(std::optional<std::string_view> text, int default_port) {
    if (!text || text->empty()) {
        return default_port;
    }
    int port = 0;
    auto [end, ec] = std::from_chars(text->data(), text->data() + text->size(), port);
    if (ec != std::errc{} || end != text->data() + text->size() || port < 1 || port > 65535) {
        return std::nullopt;
    }
    return port;
}

// For messages: the URL redacted, or nothing when it is not even a URL
// (then we cannot tell where a password would be).
std::string quoted_for_message(std::string_view url) {
    if (url.find("://") == std::string_view::npos) {
        return "the value";
    }
    return fmt::format("\"{}\"", redact_url(url));
}

// A syntax problem also shows the expected form; a refusal (unix://) does not.
Error url_error(std::string_view url, std::string_view kind, std::string_view problem,
                bool show_form = true) {
    std::string_view form = kind == "AMQP" ? amqp_form : redis_form;
    std::string message =
        fmt::format("{} is not a valid {} URL: {}", quoted_for_message(url), kind, problem);
    if (show_form) {
        message += fmt::format(" (expected {})", form);
    }
    return make_error(ErrorKind::usage, std::move(message));
}

// Redacts one scheme://... URL; see redact_url for the rules.
std::string redact_one(std::string_view url) {
    std::size_t sep = url.find("://");
    if (sep == std::string_view::npos) {
        return std::string(url);
    }
    Authority authority = split_authority(url.substr(sep + 3));
    if (!authority.userinfo || authority.userinfo->empty()) {
        return std::string(url);
    }
    std::string_view userinfo = *authority.userinfo;
    std::string_view head = url.substr(0, sep + 3);
    std::string_view tail = url.substr(url.size() - authority.rest.size() - 1); // from the '@'
    std::size_t colon = userinfo.find(':');
    if (colon == std::string_view::npos) {
        return lone_userinfo_is_password(url.substr(0, sep)) ? fmt::format("{}***{}", head, tail)
                                                             : std::string(url);
    }
    if (colon + 1 == userinfo.size()) {
        return std::string(url);
    }
    return fmt::format("{}{}***{}", head, userinfo.substr(0, colon + 1), tail);
}

} // namespace

std::vector<std::string_view> split_url_list(std::string_view list) {
    std::vector<std::string_view> items;
    std::size_t start = 0;
    std::size_t search = 0;
    while (true) {
        std::size_t comma = list.find(',', search);
        if (comma == std::string_view::npos) {
            items.push_back(list.substr(start));
            return items;
        }
        // A comma starts a new item only when a scheme:// follows: a password
        // may contain commas.
        std::string_view next = trim(list.substr(comma + 1));
        std::size_t sep = next.find("://");
        bool next_is_url = sep != std::string_view::npos && is_scheme(next.substr(0, sep));
        if (next_is_url || next.empty()) {
            items.push_back(list.substr(start, comma - start));
            start = comma + 1;
        }
        search = comma + 1;
    }
}

std::string redact_url(std::string_view url) {
    std::string out;
    std::size_t offset = 0;
    for (std::string_view item : split_url_list(url)) {
        std::size_t begin = static_cast<std::size_t>(item.data() - url.data());
        out.append(url.substr(offset, begin - offset)); // the comma between items
        out += redact_one(item);
        offset = begin + item.size();
    }
    return out;
}

Result<AmqpUrl> parse_amqp_url(std::string_view url) {
    url = trim(url);
    SplitResult split = split_url(url);
    if (auto* problem = std::get_if<std::string>(&split)) {
        return url_error(url, "AMQP", *problem);
    }
    const UrlParts& parts = std::get<UrlParts>(split);
    AmqpUrl result;
    if (parts.scheme == "amqps") {
        result.tls = true;
    } else if (parts.scheme != "amqp") {
        return url_error(url, "AMQP",
                         fmt::format("the scheme must be amqp or amqps, not {}", parts.scheme));
    }
    if (parts.host.empty()) {
        return url_error(url, "AMQP", "the host is empty");
    }
    std::optional<int> port = parse_port(parts.port, result.tls ? 5671 : 5672);
    if (!port) {
        return url_error(url, "AMQP", "the port must be a number from 1 to 65535");
    }
    result.port = *port;
    result.host = percent_decode(parts.host);
    if (parts.userinfo) {
        // aiormq sends "guest" for an empty user or password.
        std::string_view info = *parts.userinfo;
        std::size_t colon = info.find(':');
        std::string user = percent_decode(info.substr(0, colon));
        std::string password =
            colon == std::string_view::npos ? "" : percent_decode(info.substr(colon + 1));
        result.user = user.empty() ? "guest" : user;
        result.password = password.empty() ? "guest" : password;
    }
    // aiormq: path "" or "/" is vhost "/" (the default); otherwise the path
    // without its first "/", decoded ("%2f" included).
    if (!parts.path.empty() && parts.path != "/") {
        result.vhost = percent_decode(parts.path.substr(1));
    }
    return result;
}

namespace {

// Whether the URL's host part (after any user info) is a comma-separated
// list: a Redis Cluster's seed nodes.
bool lists_several_hosts(std::string_view url) {
    std::size_t sep = url.find("://");
    if (sep == std::string_view::npos)
        return false;
    std::string_view rest = url.substr(sep + 3);
    std::string_view hosts = rest.substr(0, rest.find_first_of("/?#"));
    std::size_t at = hosts.rfind('@');
    if (at != std::string_view::npos)
        hosts.remove_prefix(at + 1);
    return hosts.find(',') != std::string_view::npos;
}

} // namespace

Result<RedisTarget> parse_redis_url(std::string_view url) {
    url = trim(url);
    if (lowercase(url.substr(0, url.find("://"))) == "redis-sentinel")
        return parse_redis_sentinel_url(url);
    if (lists_several_hosts(url))
        return parse_redis_cluster_url(url);
    SplitResult split = split_url(url);
    if (auto* problem = std::get_if<std::string>(&split)) {
        return url_error(url, "Redis", *problem);
    }
    const UrlParts& parts = std::get<UrlParts>(split);
    if (parts.scheme == "unix") {
        return url_error(url, "Redis", "unix sockets are not supported", false);
    }
    if (parts.scheme != "redis" && parts.scheme != "rediss") {
        return url_error(url, "Redis",
                         fmt::format("the scheme must be redis or rediss, not {}", parts.scheme));
    }
    if (parts.query) {
        return url_error(url, "Redis", "query parameters are not supported");
    }
    if (parts.host.empty()) {
        return url_error(url, "Redis", "the host is empty");
    }
    RedisTarget result;
    result.tls = parts.scheme == "rediss";
    std::optional<int> port = parse_port(parts.port, 6379);
    if (!port) {
        return url_error(url, "Redis", "the port must be a number from 1 to 65535");
    }
    result.port = *port;
    result.host = percent_decode(parts.host);
    if (parts.userinfo) {
        // As redis-cli reads it: "user:password", or a lone password.
        std::string_view info = *parts.userinfo;
        std::size_t colon = info.find(':');
        if (colon == std::string_view::npos) {
            result.password = percent_decode(info);
        } else {
            result.username = percent_decode(info.substr(0, colon));
            result.password = percent_decode(info.substr(colon + 1));
        }
    }
    std::string_view db = parts.path.empty() ? "" : parts.path.substr(1);
    if (!db.empty()) {
        int number = -1;
        auto [end, ec] = std::from_chars(db.data(), db.data() + db.size(), number);
        if (ec != std::errc{} || end != db.data() + db.size() || number < 0) {
            return url_error(url, "Redis", "the database (the path) must be a number from 0 up");
        }
        result.db = number;
    }
    return result;
}

std::string AmqpUrl::redacted() const {
    std::string vhost_part = vhost == "/" ? "" : percent_encode(vhost);
    return fmt::format("{}://{}@{}:{}/{}", tls ? "amqps" : "amqp", percent_encode(user),
                       host_for_url(host), port, vhost_part);
}

std::string RedisTarget::redacted() const {
    if (cluster()) {
        std::string hosts;
        for (const RedisNodeAddress& seed : cluster_seeds)
            hosts += fmt::format("{}{}:{}", hosts.empty() ? "" : ",", host_for_url(seed.host),
                                 seed.port);
        return fmt::format("{}://{}/{}", tls ? "rediss" : "redis", hosts, db);
    }
    if (through_sentinels()) {
        std::string hosts;
        for (const SentinelAddress& sentinel : sentinels)
            hosts += fmt::format("{}{}:{}", hosts.empty() ? "" : ",", host_for_url(sentinel.host),
                                 sentinel.port);
        return fmt::format("redis-sentinel://{}/{}#{}", hosts, db, percent_encode(master_name));
    }
    return fmt::format("{}://{}:{}/{}", tls ? "rediss" : "redis", host_for_url(host), port, db);
}

} // namespace bb
