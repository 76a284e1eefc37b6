#include "bloodbank/config.hpp"

#include "bloodbank/dotenv.hpp"
#include "bloodbank/file_access.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <cctype>
#include <charconv>
#include <cstdlib>
#include <limits>
#include <stdexcept>

namespace bb {
namespace {

struct Definition {
    std::string_view name;
    std::string_view default_value;
    std::string_view help;
    bool secret = false;
    bool url = false;
};

// The Python system's names and defaults (DESIGN §3), plus REDIS_URL.
constexpr Definition definitions[] = {
    {"RABBIT_URL", "amqp://guest:guest@localhost:5672/",
     "RabbitMQ broker URL, amqp:// or amqps://; several may be listed, comma-separated", false,
     true},
    {"RABBIT_PASSWORD_FILE", "",
     "file whose first line is the RabbitMQ password; replaces the password of every RABBIT_URL"},
    {"RABBIT_CACERT", "",
     "PEM file of the CA certificates amqps:// brokers are verified with, instead of the "
     "system's"},
    {"RABBIT_CERT", "", "PEM client certificate shown to amqps:// brokers"},
    {"RABBIT_KEY", "", "PEM private key of RABBIT_CERT, when it is not in that file"},
    {"EXCHANGE_NAME", "bloodbank.events.v1", "topic exchange that events are published to"},
    {"REDIS_URL", "",
     "Redis URL redis://[[user]:password@]host[:port][/db]; when set, it replaces "
     "REDIS_HOST, REDIS_PORT, REDIS_DB and REDIS_PASSWORD",
     false, true},
    {"REDIS_HOST", "localhost", "Redis host for correlation tracking"},
    {"REDIS_PORT", "6379", "Redis port"},
    {"REDIS_DB", "0", "Redis database number"},
    {"REDIS_PASSWORD", "", "Redis password (never printed)", true},
    {"REDIS_PASSWORD_FILE", "",
     "file whose first line is the Redis password; replaces REDIS_PASSWORD and a password in "
     "REDIS_URL"},
    {"CORRELATION_TTL_DAYS", "30", "days that correlation links and event records are kept"},
    {"SERVICE_NAME", "bloodbank", "name of this service, as the Python system reports it"},
    {"ENVIRONMENT", "development", "deployment environment name (development, production...)"},
    {"HTTP_HOST", "127.0.0.1", "address the debug HTTP API listens on"},
    {"HTTP_PORT", "8682", "port the debug HTTP API listens on"},
    {"BB_SPOOL_DIR", "", "directory where bb-publish keeps events it could not publish (--spool)"},
};

const Definition* find_definition(std::string_view name) {
    for (const Definition& definition : definitions) {
        if (definition.name == name) {
            return &definition;
        }
    }
    return nullptr;
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

Result<int> port_setting(const Setting& setting) {
    std::optional<long long> port = parse_whole_number(setting.value);
    if (!port || *port < 1 || *port > 65535) {
        return setting_error(setting, "not a port number (1 to 65535)");
    }
    return static_cast<int>(*port);
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

std::string printable_value(const Setting& setting) {
    if (setting.secret) {
        return setting.value.empty() ? "" : "***";
    }
    const Definition* definition = find_definition(setting.name);
    if (definition && definition->url) {
        return redact_url(setting.value);
    }
    return setting.value;
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
    for (const Definition& definition : definitions) {
        config.settings_.push_back(
            Setting{std::string(definition.name), std::string(definition.default_value),
                    Origin::default_value, definition.secret, std::string(definition.help)});
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
                auto it = std::find_if(config.settings_.begin(), config.settings_.end(),
                                       [&](const Setting& s) { return s.name == entry.key; });
                if (it != config.settings_.end()) {
                    it->value = std::move(entry.value);
                    it->origin = Origin::dotenv;
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

void Config::set_flag(std::string_view name, std::string value) {
    for (Setting& setting : settings_) {
        if (setting.name == name) {
            setting.value = std::move(value);
            setting.origin = Origin::flag;
            return;
        }
    }
    throw std::out_of_range(fmt::format("unknown setting {}", name));
}

const Setting& Config::get(std::string_view name) const {
    for (const Setting& setting : settings_) {
        if (setting.name == name) {
            return setting;
        }
    }
    throw std::out_of_range(fmt::format("unknown setting {}", name));
}

bool Config::is_set(std::string_view name) const {
    return get(name).origin != Origin::default_value;
}

std::vector<std::string_view> Config::names() {
    std::vector<std::string_view> names;
    for (const Definition& definition : definitions) {
        names.push_back(definition.name);
    }
    return names;
}

namespace {

// The password a *_PASSWORD_FILE setting names; nullopt when it names none.
// Errors name the setting and its origin, then the file.
Result<std::optional<std::string>> password_from_file(const Config& config, std::string_view name) {
    const Setting& setting = config.get(name);
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

// The target with the password REDIS_PASSWORD_FILE names, if it names one.
Result<RedisTarget> with_redis_password_file(const Config& config, RedisTarget target) {
    auto password = password_from_file(config, "REDIS_PASSWORD_FILE");
    if (!password) {
        return password.error();
    }
    if (*password) {
        target.password = std::move(**password);
    }
    return target;
}

} // namespace

Result<std::vector<AmqpUrl>> Config::rabbit_urls() const {
    const Setting& setting = get("RABBIT_URL");
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
    auto password = password_from_file(*this, "RABBIT_PASSWORD_FILE");
    if (!password) {
        return password.error();
    }
    if (*password) {
        for (AmqpUrl& url : urls) {
            url.password = **password;
        }
    }
    return urls;
}

Result<RedisTarget> Config::redis() const {
    const Setting& url = get("REDIS_URL");
    if (!url.value.empty()) {
        auto target = parse_redis_url(url.value);
        if (!target) {
            return url_setting_error(url, target.error().message);
        }
        return with_redis_password_file(*this, std::move(*target));
    }
    RedisTarget target;
    const Setting& host = get("REDIS_HOST");
    target.host = host.value;
    if (target.host.size() > 2 && target.host.front() == '[' && target.host.back() == ']') {
        target.host = target.host.substr(1, target.host.size() - 2); // [::1]
    }
    if (target.host.empty()) {
        return setting_error(host, "the host is empty");
    }
    auto port = port_setting(get("REDIS_PORT"));
    if (!port) {
        return port.error();
    }
    target.port = *port;
    const Setting& db = get("REDIS_DB");
    std::optional<long long> number = parse_whole_number(db.value);
    if (!number || *number > std::numeric_limits<int>::max()) {
        return setting_error(db, "not a database number (0 or more)");
    }
    target.db = static_cast<int>(*number);
    target.password = get("REDIS_PASSWORD").value;
    return with_redis_password_file(*this, std::move(target));
}

Result<long> Config::correlation_ttl_seconds() const {
    const Setting& setting = get("CORRELATION_TTL_DAYS");
    // The cap keeps the seconds (and Redis's milliseconds) far from overflow.
    constexpr long long max_days = 1'000'000;
    std::optional<long long> days = parse_whole_number(setting.value);
    if (!days || *days < 1 || *days > max_days) {
        return setting_error(setting,
                             fmt::format("not a whole number of days from 1 to {}", max_days));
    }
    return static_cast<long>(*days * 86400);
}

Result<int> Config::http_port() const {
    return port_setting(get("HTTP_PORT"));
}

std::string Config::show() const {
    std::vector<std::string> assignments;
    std::size_t width = 0;
    for (const Setting& setting : settings_) {
        assignments.push_back(fmt::format("{}={}", setting.name, printable_value(setting)));
        width = std::max(width, assignments.back().size());
    }
    std::string out;
    for (std::size_t i = 0; i < settings_.size(); ++i) {
        out += fmt::format("{:<{}}  ({})\n", assignments[i], width, to_string(settings_[i].origin));
    }
    return out;
}

} // namespace bb
