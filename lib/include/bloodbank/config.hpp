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
    std::string name;  // e.g. "RABBIT_URL"
    std::string value;
    Origin origin = Origin::default_value;
    bool secret = false; // never printed (REDIS_PASSWORD); URLs are printed redacted
    std::string help;    // one line for --show-config and the man page
};

// Where a Config reads from; tests substitute both.
struct ConfigSources {
    std::string dotenv_path = ".env"; // a missing file is not an error
    std::function<std::optional<std::string>(const std::string&)> getenv; // empty: ::getenv
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
// other percent-escapes are decoded. Errors are ErrorKind::usage and redacted.
Result<AmqpUrl> parse_amqp_url(std::string_view url);
// redis://[[user]:password@]host[:port][/db]; rediss:// is refused (no TLS in
// Debian's hiredis) rather than downgraded.
Result<RedisTarget> parse_redis_url(std::string_view url);
// The URL with any password replaced by "***" (or removed); safe to print.
std::string redact_url(std::string_view url);

class Config {
public:
    // Defaults, then the .env file, then the environment. Errors: an unreadable
    // or malformed .env (ErrorKind::usage, naming file and line).
    static Result<Config> load(const ConfigSources& sources = {});

    // A command-line flag beats everything else.
    void set_flag(std::string_view name, std::string value);

    const Setting& get(std::string_view name) const; // name must be a known setting
    const std::string& value(std::string_view name) const { return get(name).value; }
    bool is_set(std::string_view name) const; // origin is not the default
    const std::vector<Setting>& all() const { return settings_; }

    // Typed views with validation (ErrorKind::usage naming the setting).
    Result<std::vector<AmqpUrl>> rabbit_urls() const; // RABBIT_URL may list several, comma-separated
    Result<RedisTarget> redis() const;                // REDIS_URL if set, else REDIS_HOST/PORT/DB/PASSWORD
    Result<long> correlation_ttl_seconds() const;     // CORRELATION_TTL_DAYS * 86400
    Result<int> http_port() const;

    // One line per setting: NAME=value (origin), secrets as "***", URLs redacted.
    std::string show() const;

private:
    std::vector<Setting> settings_;
};

} // namespace bb
