#include "bloodbank/config.hpp"

#include "bloodbank/dotenv.hpp"
#include "bloodbank/file_access.hpp"
#include "bloodbank/visible_text.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <cctype>
#include <charconv>
#include <cstdlib>
#include <limits>
#include <stdexcept>

namespace bb {
namespace {

using Item = ConfigItem;
using Type = SettingType;

// The Python system's names and defaults (DESIGN §3), plus REDIS_URL and our
// own TLS, password-file and spool settings. In ConfigItem order.
constexpr SettingDefinition definitions[] = {
    {Item::rabbit_url, "RABBIT_URL", "amqp://guest:guest@localhost:5672/", Type::amqp_urls,
     "RabbitMQ broker URL, amqp:// or amqps://; several may be listed, comma-separated"},
    {Item::rabbit_password_file, "RABBIT_PASSWORD_FILE", "", Type::path,
     "file whose first line is the RabbitMQ password; replaces the password of every RABBIT_URL"},
    {Item::rabbit_cacert, "RABBIT_CACERT", "", Type::path,
     "PEM file of the CA certificates amqps:// brokers are verified with, instead of the "
     "system's"},
    {Item::rabbit_cert, "RABBIT_CERT", "", Type::path,
     "PEM client certificate shown to amqps:// brokers"},
    {Item::rabbit_key, "RABBIT_KEY", "", Type::path,
     "PEM private key of RABBIT_CERT, when it is not in that file"},
    {Item::exchange_name, "EXCHANGE_NAME", "bloodbank.events.v1", Type::exchange,
     "topic exchange that events are published to"},
    {Item::redis_url, "REDIS_URL", "", Type::redis_url,
     "Redis URL redis://[[user:]password@]host[:port][/db], rediss:// over TLS, or "
     "redis-sentinel://[[user:]password@]host[:port][,host[:port]...][/db]#master; when set, "
     "it replaces REDIS_HOST, REDIS_PORT, REDIS_DB, REDIS_USERNAME, REDIS_PASSWORD and "
     "REDIS_TLS"},
    {Item::redis_host, "REDIS_HOST", "localhost", Type::host,
     "Redis host for correlation tracking"},
    {Item::redis_port, "REDIS_PORT", "6379", Type::port, "Redis port"},
    {Item::redis_db, "REDIS_DB", "0", Type::database, "Redis database number"},
    {Item::redis_password, "REDIS_PASSWORD", "", Type::secret, "Redis password (never printed)"},
    {Item::redis_password_file, "REDIS_PASSWORD_FILE", "", Type::path,
     "file whose first line is the Redis password; replaces REDIS_PASSWORD and a password in "
     "REDIS_URL"},
    // Redis over TLS and ACL users.
    {Item::redis_username, "REDIS_USERNAME", "", Type::text,
     "Redis ACL user (Redis 6 and later) that AUTH names with the password; \"\": the default "
     "user"},
    {Item::redis_tls, "REDIS_TLS", "", Type::boolean,
     "true: talk to REDIS_HOST over TLS, as rediss:// does (REDIS_URL's scheme decides for it)"},
    {Item::redis_cacert, "REDIS_CACERT", "", Type::path,
     "PEM file of the CA certificates a TLS Redis server is verified with, instead of the "
     "system's"},
    {Item::redis_cert, "REDIS_CERT", "", Type::path,
     "PEM client certificate shown to a TLS Redis server"},
    {Item::redis_key, "REDIS_KEY", "", Type::path,
     "PEM private key of REDIS_CERT, when it is not in that file"},
    // Sentinel without a URL: these replace REDIS_HOST and REDIS_PORT.
    {Item::redis_sentinels, "REDIS_SENTINELS", "", Type::sentinels,
     "Redis Sentinels host[:port],host[:port]... (port 26379 by default) to ask for the master "
     "named REDIS_SENTINEL_MASTER; when set, it replaces REDIS_HOST and REDIS_PORT"},
    {Item::redis_sentinel_master, "REDIS_SENTINEL_MASTER", "", Type::text,
     "name the sentinels of REDIS_SENTINELS know the Redis master by"},
    {Item::redis_cluster, "REDIS_CLUSTER", "", Type::boolean,
     "true: the Redis server named (REDIS_URL, or REDIS_HOST and REDIS_PORT) is a seed node of a "
     "Redis Cluster; a REDIS_URL listing several hosts, or a server that says it is a cluster "
     "node, is one without it"},
    {Item::correlation_ttl_days, "CORRELATION_TTL_DAYS", "30", Type::days,
     "days that correlation links and event records are kept"},
    {Item::service_name, "SERVICE_NAME", "bloodbank", Type::text,
     "name of this service, as the Python system reports it"},
    {Item::environment, "ENVIRONMENT", "development", Type::text,
     "deployment environment name (development, production...)"},
    // Not checked here: binding to it says what is wrong with it.
    {Item::http_host, "HTTP_HOST", "127.0.0.1", Type::text,
     "address the debug HTTP API listens on"},
    {Item::http_port, "HTTP_PORT", "8682", Type::bind_port,
     "port the debug HTTP API listens on; 0 for a free one"},
    {Item::spool_dir, "BB_SPOOL_DIR", "", Type::path,
     "directory where bb-publish keeps events it could not publish (--spool)"},
};

constexpr bool in_item_order() {
    for (std::size_t i = 0; i < std::size(definitions); ++i)
        if (static_cast<std::size_t>(definitions[i].item) != i)
            return false;
    return true;
}
static_assert(in_item_order() && std::size(definitions) == std::size_t(Item::spool_dir) + 1,
              "one definition per ConfigItem, in ConfigItem order");

bool is_url(SettingType type) {
    return type == Type::amqp_urls || type == Type::redis_url;
}

constexpr std::size_t max_dotenv_bytes = 1024 * 1024;

// The file's text; nullopt when it does not exist.
Result<std::optional<std::string>> read_dotenv_file(const std::string& path) {
    auto text = read_file_text(path, max_dotenv_bytes);
    if (!text && text.error().kind == ErrorKind::not_found)
        return std::optional<std::string>();
    if (!text)
        return text.error();
    if (text->size() > max_dotenv_bytes)
        return make_error(ErrorKind::usage,
                          fmt::format("{}: larger than 1 MiB, not a .env file", path));
    return std::optional<std::string>(std::move(*text));
}

// A whole number written as plain digits, surrounding whitespace allowed.
std::optional<long long> parse_whole_number(std::string_view text) {
    while (!text.empty() && std::isspace(static_cast<unsigned char>(text.front()))) {
        text.remove_prefix(1);
    }
    while (!text.empty() && std::isspace(static_cast<unsigned char>(text.back()))) {
        text.remove_suffix(1);
    }
    if (text.empty() || !std::isdigit(static_cast<unsigned char>(text.front()))) {
        return std::nullopt;
    }
    long long number = 0;
    auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), number);
    if (ec != std::errc{} || end != text.data() + text.size()) {
        return std::nullopt;
    }
    return number;
}

// "REDIS_PORT=abc (environment): <problem>", the value printable.
Error setting_error(const Setting& setting, std::string_view problem) {
    return make_error(ErrorKind::usage,
                      fmt::format("{}={} ({}): {}", setting.name, printable_value(setting),
                                  to_string(setting.origin), problem));
}

// "RABBIT_URL (environment): <the URL parser's message>", already redacted.
Error url_setting_error(const Setting& setting, std::string_view message) {
    return make_error(ErrorKind::usage,
                      fmt::format("{} ({}): {}", setting.name, to_string(setting.origin), message));
}

// One parser per SettingType that needs one: check_setting() and the typed
// views both read values through these.

// `lowest` is 1, or 0 where 0 lets the system pick a free port.
Result<int> parse_port_from(const Setting& setting, int lowest) {
    std::optional<long long> port = parse_whole_number(setting.value);
    if (!port || *port < lowest || *port > 65535) {
        return setting_error(setting, fmt::format("not a port number ({} to 65535)", lowest));
    }
    return static_cast<int>(*port);
}

Result<int> parse_port(const Setting& setting) {
    return parse_port_from(setting, 1);
}

Result<int> parse_bind_port(const Setting& setting) {
    return parse_port_from(setting, 0);
}

Result<int> parse_database(const Setting& setting) {
    std::optional<long long> number = parse_whole_number(setting.value);
    if (!number || *number > std::numeric_limits<int>::max()) {
        return setting_error(setting, "not a database number (0 or more)");
    }
    return static_cast<int>(*number);
}

Result<long> parse_days_as_seconds(const Setting& setting) {
    // The cap keeps the seconds (and Redis's milliseconds) far from overflow.
    constexpr long long max_days = 1'000'000;
    std::optional<long long> days = parse_whole_number(setting.value);
    if (!days || *days < 1 || *days > max_days) {
        return setting_error(setting,
                             fmt::format("not a whole number of days from 1 to {}", max_days));
    }
    return static_cast<long>(*days * 86400);
}

// The default exchange "" delivers by queue name and ignores topic routing,
// so publishing there would lose every event that no queue is named after.
Result<std::string> parse_exchange(const Setting& setting) {
    if (setting.value.empty()) {
        return setting_error(setting, "empty: the default exchange \"\" routes by queue name, "
                                      "not by topic; name a topic exchange (default "
                                      "bloodbank.events.v1)");
    }
    return setting.value;
}

// [::1] is written with brackets, as in a URL, and used without.
Result<bool> parse_boolean(const Setting& setting) {
    std::string word;
    for (char c : setting.value)
        word += static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    if (word.empty() || word == "false" || word == "no" || word == "off" || word == "0")
        return false;
    if (word == "true" || word == "yes" || word == "on" || word == "1")
        return true;
    return setting_error(setting, "not true or false (yes/no, on/off, 1/0)");
}

Result<std::string> parse_host(const Setting& setting) {
    std::string host = setting.value;
    if (host.size() > 2 && host.front() == '[' && host.back() == ']') {
        host = host.substr(1, host.size() - 2);
    }
    if (host.empty()) {
        return setting_error(setting, "the host is empty");
    }
    return host;
}

// Without the passwords of RABBIT_PASSWORD_FILE, which Config adds.
Result<std::vector<AmqpUrl>> parse_amqp_urls(const Setting& setting) {
    if (setting.value.find_first_not_of(" \t") == std::string::npos) {
        return url_setting_error(setting, "is empty");
    }
    std::vector<AmqpUrl> urls;
    for (std::string_view item : split_url_list(setting.value)) {
        if (item.find_first_not_of(" \t") == std::string_view::npos) {
            return url_setting_error(setting, "the list has an empty entry");
        }
        auto url = parse_amqp_url(item);
        if (!url) {
            return url_setting_error(setting, url.error().message);
        }
        urls.push_back(std::move(*url));
    }
    return urls;
}

// nullopt for "", which leaves REDIS_HOST and the others in charge.
Result<std::optional<RedisTarget>> parse_redis_setting(const Setting& setting) {
    if (setting.value.empty()) {
        return std::optional<RedisTarget>();
    }
    auto target = parse_redis_url(setting.value);
    if (!target) {
        return url_setting_error(setting, target.error().message);
    }
    return std::optional<RedisTarget>(std::move(*target));
}

// An empty list is no Sentinel.
Result<std::vector<SentinelAddress>> parse_sentinels(const Setting& setting) {
    if (setting.value.empty())
        return std::vector<SentinelAddress>();
    auto list = parse_sentinel_list(setting.value);
    if (!list)
        return setting_error(setting, list.error().message);
    return list;
}

// The Result's error, or success: for check_setting().
template <class T> Result<void> checked(const Result<T>& parsed) {
    if (!parsed) {
        return parsed.error();
    }
    return {};
}

} // namespace

std::string_view to_string(Origin origin) {
    switch (origin) {
    case Origin::default_value:
        return "default";
    case Origin::dotenv:
        return ".env";
    case Origin::environment:
        return "environment";
    case Origin::flag:
        return "flag";
    }
    return "default";
}

std::span<const SettingDefinition> setting_definitions() {
    return definitions;
}

const SettingDefinition& definition(ConfigItem item) {
    return definitions[static_cast<std::size_t>(item)];
}

std::optional<ConfigItem> find_config_item(std::string_view name) {
    for (const SettingDefinition& definition : definitions) {
        if (definition.name == name) {
            return definition.item;
        }
    }
    return std::nullopt;
}

std::string printable_value(const Setting& setting) {
    if (setting.secret) {
        return setting.value.empty() ? "" : "***";
    }
    if (is_url(definition(setting.item).type)) {
        return redact_url(setting.value);
    }
    return setting.value;
}

Result<void> check_setting(const Setting& setting) {
    switch (definition(setting.item).type) {
    case Type::text:
    case Type::secret:
    case Type::path:
        return {};
    case Type::amqp_urls:
        return checked(parse_amqp_urls(setting));
    case Type::redis_url:
        return checked(parse_redis_setting(setting));
    case Type::exchange:
        return checked(parse_exchange(setting));
    case Type::host:
        return checked(parse_host(setting));
    case Type::port:
        return checked(parse_port(setting));
    case Type::bind_port:
        return checked(parse_bind_port(setting));
    case Type::database:
        return checked(parse_database(setting));
    case Type::days:
        return checked(parse_days_as_seconds(setting));
    case Type::boolean:
        return checked(parse_boolean(setting));
    case Type::sentinels:
        return checked(parse_sentinels(setting));
    }
    return {};
}

Result<Config> Config::load(const ConfigSources& sources) {
    EnvLookup getenv = sources.getenv;
    if (!getenv) {
        getenv = [](const std::string& name) -> std::optional<std::string> {
            const char* value = std::getenv(name.c_str());
            return value ? std::optional<std::string>(value) : std::nullopt;
        };
    }

    Config config;
    for (const SettingDefinition& definition : definitions) {
        config.settings_.push_back(Setting{
            definition.item, std::string(definition.name), std::string(definition.default_value),
            Origin::default_value, definition.type == Type::secret, std::string(definition.help)});
    }

    if (!sources.dotenv_path.empty()) {
        auto text = read_dotenv_file(sources.dotenv_path);
        if (!text) {
            return text.error();
        }
        if (!*text && sources.dotenv_required) {
            return make_error(ErrorKind::not_found,
                              fmt::format("{}: no such file", sources.dotenv_path));
        }
        if (*text) {
            auto entries = parse_dotenv(**text, sources.dotenv_path, getenv);
            if (!entries) {
                return entries.error();
            }
            for (DotenvEntry& entry : *entries) {
                if (auto item = find_config_item(entry.key)) {
                    Setting& setting = config.settings_[static_cast<std::size_t>(*item)];
                    setting.value = std::move(entry.value);
                    setting.origin = Origin::dotenv;
                }
            }
        }
    }

    for (Setting& setting : config.settings_) {
        if (auto value = getenv(setting.name)) {
            setting.value = std::move(*value);
            setting.origin = Origin::environment;
        }
    }
    return config;
}

void Config::set_flag(ConfigItem item, std::string value) {
    Setting& setting = settings_[static_cast<std::size_t>(item)];
    setting.value = std::move(value);
    setting.origin = Origin::flag;
}

ConfigItem Config::item_named(std::string_view name) {
    if (auto item = find_config_item(name)) {
        return *item;
    }
    throw std::out_of_range(fmt::format("unknown setting {}", name));
}

void Config::set_flag(std::string_view name, std::string value) {
    set_flag(item_named(name), std::move(value));
}

const Setting& Config::get(std::string_view name) const {
    return get(item_named(name));
}

std::vector<std::string_view> Config::names() {
    std::vector<std::string_view> names;
    for (const SettingDefinition& definition : definitions) {
        names.push_back(definition.name);
    }
    return names;
}

namespace {

// The password a *_PASSWORD_FILE setting names; nullopt when it names none.
// Errors name the setting and its origin, then the file.
Result<std::optional<std::string>> password_from_file(const Setting& setting) {
    if (setting.value.empty()) {
        return std::optional<std::string>();
    }
    auto password = read_password_file(setting.value);
    if (!password) {
        return make_error(password.error().kind,
                          fmt::format("{} ({}): {}", setting.name, to_string(setting.origin),
                                      password.error().message));
    }
    return std::optional<std::string>(std::move(*password));
}

// REDIS_SENTINEL_MASTER, which REDIS_SENTINELS cannot do without.
Result<std::string> sentinel_master(const Config& config) {
    const Setting& master = config.get(ConfigItem::redis_sentinel_master);
    if (master.value.empty()) {
        const Setting& sentinels = config.get(ConfigItem::redis_sentinels);
        return make_error(ErrorKind::usage,
                          fmt::format("REDIS_SENTINELS ({}) is set but REDIS_SENTINEL_MASTER is "
                                      "empty: name the master the sentinels watch",
                                      to_string(sentinels.origin)));
    }
    return master.value;
}

// REDIS_CLUSTER makes the one server named a cluster's seed node; a
// cluster, however named, has only database 0.
Result<void> cluster_seeds(const Config& config, RedisTarget& target) {
    const Setting& cluster = config.get(ConfigItem::redis_cluster);
    auto said = parse_boolean(cluster);
    if (!said) {
        return said.error();
    }
    if (*said && !target.cluster()) {
        if (target.through_sentinels()) {
            return make_error(ErrorKind::usage,
                              fmt::format("REDIS_CLUSTER ({}) asks for a Redis Cluster, but the "
                                          "Redis named is through Sentinel: name the cluster's "
                                          "nodes instead (redis://h1:p1,h2:p2/0)",
                                          to_string(cluster.origin)));
        }
        target.cluster_seeds = {{target.host, target.port}};
    }
    if (target.cluster() && target.db != 0) {
        const Setting& db = config.value(ConfigItem::redis_url).empty()
                                ? config.get(ConfigItem::redis_db)
                                : config.get(ConfigItem::redis_url);
        return make_error(ErrorKind::usage,
                          fmt::format("a Redis Cluster has only database 0, but {} ({}) asks for "
                                      "database {}",
                                      db.name, to_string(db.origin), target.db));
    }
    return {};
}

} // namespace

Result<std::vector<AmqpUrl>> Config::rabbit_urls() const {
    auto urls = parse_amqp_urls(get(Item::rabbit_url));
    if (!urls) {
        return urls;
    }
    auto password = password_from_file(get(Item::rabbit_password_file));
    if (!password) {
        return password.error();
    }
    if (*password) {
        for (AmqpUrl& url : *urls) {
            url.password = **password;
        }
    }
    return urls;
}

Result<RedisTarget> Config::redis() const {
    auto from_url = parse_redis_setting(get(Item::redis_url));
    if (!from_url) {
        return from_url.error();
    }
    RedisTarget target;
    if (*from_url) {
        target = std::move(**from_url);
    } else {
        auto sentinels = parse_sentinels(get(Item::redis_sentinels));
        if (!sentinels) {
            return sentinels.error();
        }
        if (!sentinels->empty()) {
            auto master = sentinel_master(*this);
            if (!master) {
                return master.error();
            }
            target.sentinels = std::move(*sentinels);
            target.master_name = std::move(*master);
        } else {
            auto host = parse_host(get(Item::redis_host));
            if (!host) {
                return host.error();
            }
            target.host = std::move(*host);
            auto port = parse_port(get(Item::redis_port));
            if (!port) {
                return port.error();
            }
            target.port = *port;
        }
        auto db = parse_database(get(Item::redis_db));
        if (!db) {
            return db.error();
        }
        target.db = *db;
        target.username = value(Item::redis_username);
        target.password = value(Item::redis_password);
        auto tls = parse_boolean(get(Item::redis_tls));
        if (!tls) {
            return tls.error();
        }
        target.tls = *tls;
    }
    auto password = password_from_file(get(Item::redis_password_file));
    if (!password) {
        return password.error();
    }
    if (*password) {
        target.password = std::move(**password);
    }
    if (auto cluster = cluster_seeds(*this, target); !cluster) {
        return cluster.error();
    }
    if (auto tls = redis_tls_files(target.tls); !tls) {
        return tls.error();
    } else {
        target.tls_options = std::move(*tls);
    }
    return target;
}

Result<TlsOptions> Config::redis_tls_files(bool tls) const {
    TlsOptions options;
    options.ca_file = value(Item::redis_cacert);
    options.cert_file = value(Item::redis_cert);
    options.key_file = value(Item::redis_key);
    if (!tls) {
        for (Item item : {Item::redis_cacert, Item::redis_cert, Item::redis_key}) {
            if (!value(item).empty()) {
                return setting_error(get(item), "set, but the Redis connection is not TLS: use a "
                                                "rediss:// URL (or REDIS_TLS=true)");
            }
        }
    }
    return options;
}

std::string Config::redis_form() const {
    auto from = [this](ConfigItem item) {
        return fmt::format("{} ({})", get(item).name, to_string(get(item).origin));
    };
    std::string password =
        is_set(Item::redis_password_file) ? from(Item::redis_password_file) : std::string();
    std::string line;
    const Setting& url = get(Item::redis_url);
    bool sentinel_url = url.value.find("redis-sentinel://") != std::string::npos;
    auto target = parse_redis_url(url.value);
    bool cluster_url = !sentinel_url && target && target->cluster();
    auto cluster_flag = parse_boolean(get(Item::redis_cluster));
    bool seed = !cluster_url && cluster_flag && *cluster_flag;
    std::string_view one = seed ? "Redis Cluster through one seed node" : "one server";
    if (!url.value.empty()) {
        line = fmt::format("# Redis: {}, all from {}",
                           sentinel_url  ? "through Sentinel (sentinels, database, master name)"
                           : cluster_url ? "Redis Cluster (seed nodes, database 0)"
                                         : one,
                           from(Item::redis_url));
    } else if (!value(Item::redis_sentinels).empty()) {
        line = fmt::format("# Redis: through Sentinel, sentinels from {}, master name from {}, "
                           "database from {}",
                           from(Item::redis_sentinels), from(Item::redis_sentinel_master),
                           from(Item::redis_db));
        if (password.empty() && is_set(Item::redis_password))
            password = from(Item::redis_password);
    } else {
        line = fmt::format("# Redis: {}, host from {}, port from {}, database from {}", one,
                           from(Item::redis_host), from(Item::redis_port), from(Item::redis_db));
        if (password.empty() && is_set(Item::redis_password))
            password = from(Item::redis_password);
    }
    if (seed)
        line += fmt::format(", cluster from {}", from(Item::redis_cluster));
    if (!password.empty())
        line += fmt::format(", password from {}", password);
    return line + "\n";
}

Result<long> Config::correlation_ttl_seconds() const {
    return parse_days_as_seconds(get(Item::correlation_ttl_days));
}

Result<std::string> Config::exchange_name() const {
    return parse_exchange(get(Item::exchange_name));
}

Result<int> Config::http_port() const {
    return parse_bind_port(get(Item::http_port));
}

std::string Config::show() const {
    std::vector<std::string> assignments;
    std::size_t width = 0;
    for (const Setting& setting : settings_) {
        // A value with a line break or other control would break the columns
        // (or a reader's terminal): it is shown escaped.
        assignments.push_back(
            fmt::format("{}={}", setting.name, visible_text(printable_value(setting))));
        width = std::max(width, assignments.back().size());
    }
    std::string out;
    for (std::size_t i = 0; i < settings_.size(); ++i) {
        out += fmt::format("{:<{}}  ({})\n", assignments[i], width, to_string(settings_[i].origin));
    }
    return out;
}

} // namespace bb
