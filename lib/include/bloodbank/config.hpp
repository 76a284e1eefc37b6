// Settings with the Python system's names (DESIGN §3), each remembering where
// its value came from. Precedence, lowest to highest, is written down once,
// here: built-in default < .env file < environment < command-line flag.
#pragma once

#include "bloodbank/error.hpp"
#include "bloodbank/tls.hpp"

#include <cstddef>
#include <functional>
#include <map>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

namespace bb {

enum class Origin { default_value, dotenv, environment, flag };
std::string_view to_string(Origin origin); // "default", ".env", "environment", "flag"

// Every setting, in --show-config order. Code names a setting by its item, as
// ccache's ConfigItem, so a misspelt setting does not compile; the table in
// config.cpp gives each item its name, default, type and help.
enum class ConfigItem {
    rabbit_url,
    rabbit_password_file,
    rabbit_cacert,
    rabbit_cert,
    rabbit_key,
    exchange_name,
    redis_url,
    redis_host,
    redis_port,
    redis_db,
    redis_password,
    redis_password_file,
    // Redis over TLS and ACL users.
    redis_username,
    redis_tls,
    redis_cacert,
    redis_cert,
    redis_key,
    // Redis through Sentinel, when REDIS_URL is not set.
    redis_sentinels,
    redis_sentinel_master,
    // Redis Cluster named by one seed node.
    redis_cluster,
    correlation_ttl_days,
    service_name,
    environment,
    http_host,
    http_port,
    spool_dir,
};

// What a setting's value must be. check_setting() and the typed views of
// Config read a value by its type, so a type is checked the same way
// wherever the value came from.
enum class SettingType {
    text,      // any text
    secret,    // any text, never printed
    path,      // a file or directory, "" for none; opened when it is used
    amqp_urls, // amqp:// or amqps:// URLs, comma-separated
    redis_url, // "" or a redis:// or redis-sentinel:// URL
    exchange,  // an exchange name, not empty (the default exchange cannot route by topic)
    host,      // a host name or address, not empty; [::1] for IPv6
    port,      // 1 to 65535
    bind_port, // 0 to 65535, 0 meaning a free port the system picks
    database,  // a Redis database number, 0 or more
    days,      // a whole number of days, 1 to 1000000
    boolean,   // "" or false/no/off/0, true/yes/on/1 (any case)
    sentinels, // "" or host[:port],host[:port]... (port 26379 by default)
};

struct SettingDefinition {
    ConfigItem item;
    std::string_view name; // the .env key and the environment variable (DESIGN §3)
    std::string_view default_value;
    SettingType type;
    std::string_view help; // one line for the man page
};

// The table of settings, in ConfigItem order.
std::span<const SettingDefinition> setting_definitions();
const SettingDefinition& definition(ConfigItem item);
// The item a .env key or an environment variable names; nullopt for none.
std::optional<ConfigItem> find_config_item(std::string_view name);

struct Setting {
    ConfigItem item = ConfigItem::rabbit_url;
    std::string name; // e.g. "RABBIT_URL"
    std::string value;
    Origin origin = Origin::default_value;
    bool secret = false; // never printed (REDIS_PASSWORD); URLs are printed redacted
    std::string help;    // one line for --show-config and the man page
};

// Checks the value as its item's type demands. Errors are ErrorKind::usage
// and name the setting, its printable value and origin, e.g.
// "REDIS_PORT=abc (environment): not a port number (1 to 65535)"; a URL's
// errors are the URL parser's, "RABBIT_URL (flag): ...".
Result<void> check_setting(const Setting& setting);

// Where a Config reads from; tests substitute both.
struct ConfigSources {
    std::string dotenv_path = ".env"; // a missing file is not an error; "" reads none
    std::function<std::optional<std::string>(const std::string&)> getenv; // empty: ::getenv
    bool dotenv_required = false; // a missing file is an error (an explicit --env-file)
};

struct AmqpUrl {
    bool tls = false;
    std::string host = "localhost";
    int port = 5672;
    std::string user = "guest";
    std::string password = "guest";
    std::string vhost = "/";

    // amqp://user@host:port/vhost, never the password.
    std::string redacted() const;
};

// One Redis Sentinel's address.
struct SentinelAddress {
    std::string host;
    int port = 26379;
};

// One Redis server's address, a Redis Cluster node's for instance.
struct RedisNodeAddress {
    std::string host;
    int port = 6379;
    bool operator==(const RedisNodeAddress&) const = default;
};

struct RedisTarget {
    std::string host = "localhost";
    int port = 6379;
    int db = 0;
    std::string username; // Redis 6 ACL user, usually empty
    std::string password;
    bool tls = false;       // rediss://
    TlsOptions tls_options; // REDIS_CACERT, REDIS_CERT, REDIS_KEY, when tls

    // Through Sentinel: the master is whichever server these sentinels name
    // for master_name when a connection is made; host and port are unused.
    std::vector<SentinelAddress> sentinels;
    std::string master_name;
    bool through_sentinels() const { return !sentinels.empty(); }

    // Redis Cluster: the masters are found from these seed nodes (CLUSTER
    // SLOTS) when a connection is made; host and port are unused. Only
    // database 0 exists in a cluster.
    std::vector<RedisNodeAddress> cluster_seeds;
    bool cluster() const { return !cluster_seeds.empty(); }

    // redis://host:port/db (rediss:// over TLS), a cluster's
    // redis://h1:p1,h2:p2/0, or redis-sentinel://h1:p1,h2:p2/db#master;
    // never the user or password.
    std::string redacted() const;
};

// amqp:// and amqps:// as aio-pika reads them: defaults guest/guest, port 5672
// (5671 for amqps), a trailing "/" or an empty path is vhost "/", "%2f" is "/",
// other percent-escapes are decoded, an empty user or password is "guest" (as
// aiormq sends), IPv6 hosts are written [::1]; a query string (aiormq options
// such as ?heartbeat=) is ignored. Errors are ErrorKind::usage and redacted.
// A '/', '?' or '#' before the last '@' (a password that needed
// percent-encoding) is refused, naming the escape, rather than read as a path,
// query or fragment as urlsplit would.
Result<AmqpUrl> parse_amqp_url(std::string_view url);
// redis://[[user:]password@]host[:port][/db]; user info without a ':' is the
// password, as redis-cli reads it. Several comma-separated hosts are a Redis
// Cluster's seed nodes (parse_redis_cluster_url). rediss:// is the same over TLS (tls set;
// the TLS files come from the settings, not the URL).
Result<RedisTarget> parse_redis_url(std::string_view url);
// redis-sentinel://[[user:]password@]host[:port][,host[:port]...][/db]#master,
// as Lettuce writes it (parse_redis_url passes such URLs here): the
// sentinels (port 26379 by default), the database and credentials of the
// master, and the name the sentinels know it by. Errors are ErrorKind::usage
// and name the part that is wrong (no master name, a bad port, an empty host).
Result<RedisTarget> parse_redis_sentinel_url(std::string_view url);
// redis://[[user:]password@]host[:port][,host[:port]...][/0] (rediss:// over
// TLS): a Redis Cluster's seed nodes (port 6379 by default), as
// parse_redis_url reads a URL listing several hosts. Errors are
// ErrorKind::usage and name the part that is wrong; a database other than 0
// is one, since a cluster has no other.
Result<RedisTarget> parse_redis_cluster_url(std::string_view url);
// REDIS_SENTINELS: host[:port],host[:port]..., [::1]:26379 for IPv6.
Result<std::vector<SentinelAddress>> parse_sentinel_list(std::string_view list);
// The URL with any password replaced by "***" (or removed); safe to print.
// The user info is found as the parsers find it, up to the last '@' when a
// '/', '?' or '#' comes before it; a redis:// URL's lone user info is a
// password and hidden.
// A comma-separated list is redacted item by item; a URL without a password
// and a string that is not a URL come back unchanged.
std::string redact_url(std::string_view url);
// The password kept in a file (e.g. a mounted secret): its first line, without
// the "\n" or "\r\n" that ends it. Errors name the file and never its content:
// ErrorKind::not_found when it does not exist, io when it cannot be read,
// usage when the first line is empty or the file is over 64 KiB.
Result<std::string> read_password_file(const std::string& path);
// The items of a comma-separated URL list. A comma starts a new item only when
// "scheme://" follows it, since a password may contain commas.
std::vector<std::string_view> split_url_list(std::string_view list);

// A setting's value as it may be printed: "***" for a non-empty secret, URLs
// through redact_url, anything else as is.
std::string printable_value(const Setting& setting);

class Config {
public:
    // Defaults, then the .env file, then the environment. Only known settings
    // are taken from either; other keys in .env are ignored (the file is shared
    // with the Python service). Errors: a malformed .env (ErrorKind::usage,
    // "file:line: ..."), an unreadable one (ErrorKind::io), a missing one when
    // dotenv_required (ErrorKind::not_found).
    static Result<Config> load(const ConfigSources& sources = {});

    // A command-line flag beats everything else.
    void set_flag(ConfigItem item, std::string value);

    const Setting& get(ConfigItem item) const { return settings_[static_cast<std::size_t>(item)]; }
    const std::string& value(ConfigItem item) const { return get(item).value; }
    bool is_set(ConfigItem item) const { return get(item).origin != Origin::default_value; }
    const std::vector<Setting>& all() const { return settings_; }

    // The same by name, for names that come from outside the code (a test, a
    // key read from a file). An unknown name throws std::out_of_range.
    void set_flag(std::string_view name, std::string value);
    const Setting& get(std::string_view name) const;
    const std::string& value(std::string_view name) const { return get(name).value; }
    bool is_set(std::string_view name) const { return is_set(item_named(name)); }

    // Typed views, checked as check_setting() checks their settings.
    //
    // RABBIT_URL may list several URLs, comma-separated. RABBIT_PASSWORD_FILE,
    // when set, is read here and its password replaces every URL's; an error
    // reading it keeps its kind (66 missing, 74 unreadable) and names it.
    Result<std::vector<AmqpUrl>> rabbit_urls() const;
    // REDIS_URL if non-empty (rediss:// for TLS), else REDIS_SENTINELS with
    // REDIS_SENTINEL_MASTER if non-empty, else REDIS_HOST/PORT; the last two
    // with REDIS_DB/USERNAME/PASSWORD/TLS. Either way REDIS_PASSWORD_FILE,
    // when set, supplies the password, and over TLS REDIS_CACERT/CERT/KEY the
    // files. A TLS file set for a connection without TLS is a usage error (the
    // user believes TLS is in force).
    Result<RedisTarget> redis() const;
    // For --show-config: which of those forms is in force and the settings
    // (and their origins) each part comes from, never a value. One line.
    std::string redis_form() const;
    // EXCHANGE_NAME, not empty.
    Result<std::string> exchange_name() const;
    // CORRELATION_TTL_DAYS (a whole number, 1 or more) * 86400.
    Result<long> correlation_ttl_seconds() const;
    Result<int> http_port() const;

    // One line per setting: NAME=value (origin), secrets as "***", URLs redacted.
    std::string show() const;

    // Every known setting's name, in show() order.
    static std::vector<std::string_view> names();

private:
    static ConfigItem item_named(std::string_view name); // throws std::out_of_range
    Result<TlsOptions> redis_tls_files(bool tls) const;

    std::vector<Setting> settings_;
};

} // namespace bb
