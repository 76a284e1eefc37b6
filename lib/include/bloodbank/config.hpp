// Settings with the Python system's names (DESIGN §3), each remembering where
// its value came from. Precedence, lowest to highest, is written down once,
// here: built-in default < .env file < environment < command-line flag.
#pragma once

#include "bloodbank/error.hpp"

#include <functional>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace bb {

enum class Origin { default_value, dotenv, environment, flag };
std::string_view to_string(Origin origin); // "default", ".env", "environment", "flag"

struct Setting {
    std::string name; // e.g. "RABBIT_URL"
    std::string value;
    Origin origin = Origin::default_value;
    bool secret = false; // never printed (REDIS_PASSWORD); URLs are printed redacted
    std::string help;    // one line for --show-config and the man page
};

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

struct RedisTarget {
    std::string host = "localhost";
    int port = 6379;
    int db = 0;
    std::string username; // Redis 6 ACL user, usually empty
    std::string password;

    std::string redacted() const; // redis://host:port/db, never the password
};

// amqp:// and amqps:// as aio-pika reads them: defaults guest/guest, port 5672
// (5671 for amqps), a trailing "/" or an empty path is vhost "/", "%2f" is "/",
// other percent-escapes are decoded, an empty user or password is "guest" (as
// aiormq sends), IPv6 hosts are written [::1]; a query string (aiormq options
// such as ?heartbeat=) is ignored. Errors are ErrorKind::usage and redacted.
Result<AmqpUrl> parse_amqp_url(std::string_view url);
// redis://[[user]:password@]host[:port][/db]; rediss:// is refused (no TLS in
// Debian's hiredis) rather than downgraded.
Result<RedisTarget> parse_redis_url(std::string_view url);
// The URL with any password replaced by "***" (or removed); safe to print.
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
    void set_flag(std::string_view name, std::string value);

    // name must be a known setting; an unknown one is a bug and throws
    // std::out_of_range.
    const Setting& get(std::string_view name) const;
    const std::string& value(std::string_view name) const { return get(name).value; }
    bool is_set(std::string_view name) const; // origin is not the default
    const std::vector<Setting>& all() const { return settings_; }

    // Typed views with validation: ErrorKind::usage, the message naming the
    // setting, its (printable) value and origin, e.g.
    // "REDIS_PORT=abc (environment): not a port number (1 to 65535)".
    //
    // RABBIT_URL may list several URLs, comma-separated. RABBIT_PASSWORD_FILE,
    // when set, is read here and its password replaces every URL's; an error
    // reading it keeps its kind (66 missing, 74 unreadable) and names it.
    Result<std::vector<AmqpUrl>> rabbit_urls() const;
    // REDIS_URL if non-empty, else REDIS_HOST/PORT/DB/PASSWORD; either way
    // REDIS_PASSWORD_FILE, when set, supplies the password.
    Result<RedisTarget> redis() const;
    // CORRELATION_TTL_DAYS (a whole number, 1 or more) * 86400.
    Result<long> correlation_ttl_seconds() const;
    Result<int> http_port() const;

    // One line per setting: NAME=value (origin), secrets as "***", URLs redacted.
    std::string show() const;

    // Every known setting's name, in show() order.
    static std::vector<std::string_view> names();

private:
    std::vector<Setting> settings_;
};

} // namespace bb
