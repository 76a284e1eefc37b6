#include "common/connection_options.hpp"

#include "common/app.hpp"

#include <fmt/format.h>

#include <algorithm>

namespace bb::app {
namespace {

// One string option that stands for one setting. Values stay strings: the
// Config validates them, whatever their origin.
void add_setting_option(CLI::App& cli, ConnectionFlags& flags, const std::string& name,
                        ConfigItem setting, const std::string& type, const std::string& help,
                        const std::string& group) {
    CLI::Option* option = cli.add_option(name, flags.values[setting], help)
                              ->type_name(type)
                              ->multi_option_policy(CLI::MultiOptionPolicy::TakeLast)
                              ->group(group);
    flags.options.emplace_back(setting, option);
}

bool given(const ConnectionFlags& flags, ConfigItem setting) {
    for (const auto& [name, option] : flags.options) {
        if (name == setting && option->count() > 0) {
            return true;
        }
    }
    return false;
}

// Redis over TLS and ACL users.
void add_redis_tls_options(CLI::App& cli, ConnectionFlags& flags) {
    add_setting_option(cli, flags, "--redis-username", ConfigItem::redis_username, "USER",
                       "Redis ACL user to log in as, with the Redis password (REDIS_USERNAME)",
                       "Connection");
    add_setting_option(cli, flags, "--redis-cacert", ConfigItem::redis_cacert, "PATH",
                       "Verify a rediss:// server with the CA certificates in PATH (PEM) instead "
                       "of the system's (REDIS_CACERT)",
                       "Connection");
    add_setting_option(cli, flags, "--redis-cert", ConfigItem::redis_cert, "PATH",
                       "Client certificate (PEM) to show a rediss:// server (REDIS_CERT)",
                       "Connection");
    add_setting_option(cli, flags, "--redis-key", ConfigItem::redis_key, "PATH",
                       "Private key (PEM) of --redis-cert, if not in the same file (REDIS_KEY)",
                       "Connection");
}

} // namespace

void add_amqp_options(CLI::App& cli, ConnectionFlags& flags) {
    cli.add_option("--url", flags.urls,
                   "RabbitMQ URL, amqp:// or amqps:// (RABBIT_URL); repeat it or give a "
                   "comma-separated list to have fallbacks")
        ->type_name("URL")
        ->allow_extra_args(false)
        ->group("Connection");
    add_setting_option(cli, flags, "--exchange", ConfigItem::exchange_name, "NAME",
                       "Topic exchange of the events (EXCHANGE_NAME)", "Connection");
    add_setting_option(cli, flags, "--password-file", ConfigItem::rabbit_password_file, "PATH",
                       "Read the RabbitMQ password from the first line of PATH "
                       "(RABBIT_PASSWORD_FILE); it replaces the password of every URL",
                       "Connection");
    add_setting_option(cli, flags, "--cacert", ConfigItem::rabbit_cacert, "PATH",
                       "Verify amqps:// brokers with the CA certificates in PATH (PEM) instead "
                       "of the system's (RABBIT_CACERT)",
                       "Connection");
    add_setting_option(cli, flags, "--cert", ConfigItem::rabbit_cert, "PATH",
                       "Client certificate (PEM) to show amqps:// brokers (RABBIT_CERT)",
                       "Connection");
    add_setting_option(cli, flags, "--key", ConfigItem::rabbit_key, "PATH",
                       "Private key (PEM) of --cert, if not in the same file (RABBIT_KEY)",
                       "Connection");
    cli.add_flag("--insecure", flags.insecure,
                 "Do not verify the amqps:// broker's certificate or name (prints a warning; "
                 "anyone on the way can then read the password and the events)")
        ->group("Connection");
}

bb::TlsOptions amqp_tls_options(std::string_view program, const ConnectionFlags& flags,
                                const Config& config) {
    bb::TlsOptions tls;
    tls.ca_file = config.value(ConfigItem::rabbit_cacert);
    tls.cert_file = config.value(ConfigItem::rabbit_cert);
    tls.key_file = config.value(ConfigItem::rabbit_key);
    tls.verify = !flags.insecure;
    if (flags.insecure) {
        report(program, "warning: --insecure: the broker's TLS certificate and name are not "
                        "verified; anyone on the network path can read and change the "
                        "connection, password included");
    }
    return tls;
}

void add_redis_options(CLI::App& cli, ConnectionFlags& flags, RedisUse use) {
    add_setting_option(cli, flags, "--redis-url", ConfigItem::redis_url, "URL",
                       "Redis URL redis://[[user:]password@]host[:port][/db], rediss:// for TLS, "
                       "redis://host:port,host:port.../0 for a Redis Cluster's seed nodes, "
                       "or redis-sentinel://[[user:]password@]host:port,host:port.../db#master "
                       "(REDIS_URL); replaces the REDIS_HOST, REDIS_PORT, REDIS_DB, "
                       "REDIS_USERNAME, REDIS_PASSWORD and REDIS_TLS settings",
                       "Connection");
    add_setting_option(cli, flags, "--redis-host", ConfigItem::redis_host, "HOST",
                       "Redis host (REDIS_HOST)", "Connection");
    add_setting_option(cli, flags, "--redis-port", ConfigItem::redis_port, "PORT",
                       "Redis port (REDIS_PORT)", "Connection");
    add_setting_option(cli, flags, "--redis-db", ConfigItem::redis_db, "N",
                       "Redis database number (REDIS_DB)", "Connection");
    add_setting_option(cli, flags, "--redis-password-file", ConfigItem::redis_password_file, "PATH",
                       "Read the Redis password from the first line of PATH "
                       "(REDIS_PASSWORD_FILE); it replaces REDIS_PASSWORD and a password in "
                       "the Redis URL",
                       "Connection");
    // A flag without a value that stands for REDIS_CLUSTER=true.
    CLI::Option* cluster =
        cli.add_flag("--redis-cluster{true}", flags.values[ConfigItem::redis_cluster],
                     "The Redis named is a seed node of a Redis Cluster (REDIS_CLUSTER); a "
                     "--redis-url listing several hosts, or a server that says it is a cluster "
                     "node, is one without it")
            ->group("Connection");
    flags.options.emplace_back(ConfigItem::redis_cluster, cluster);
    add_redis_tls_options(cli, flags);
    if (use == RedisUse::read_write)
        add_setting_option(cli, flags, "--ttl-days", ConfigItem::correlation_ttl_days, "DAYS",
                           "Days to keep correlation links (CORRELATION_TTL_DAYS)", "Connection");
}

void add_http_options(CLI::App& cli, ConnectionFlags& flags) {
    add_setting_option(cli, flags, "--http-host", ConfigItem::http_host, "ADDR",
                       "Address the HTTP API listens on (HTTP_HOST)", "HTTP API");
    add_setting_option(cli, flags, "--http-port", ConfigItem::http_port, "PORT",
                       "Port the HTTP API listens on (HTTP_PORT)", "HTTP API");
}

void add_config_options(CLI::App& cli, ConnectionFlags& flags) {
    flags.env_file_options.push_back(
        cli.add_option("--env-file", flags.env_file,
                       "Read settings from this .env file instead of ./.env (an empty PATH "
                       "reads none); see bloodbank(7)")
            ->type_name("PATH")
            ->multi_option_policy(CLI::MultiOptionPolicy::TakeLast)
            ->group("Configuration"));
    cli.add_flag("--show-config", flags.show_config,
                 "Print every setting, its value (secrets hidden) and where it came from, "
                 "then exit")
        ->group("Configuration");
}

Result<Config> load_config(const ConnectionFlags& flags, const EnvLookup& getenv) {
    ConfigSources sources;
    sources.dotenv_path = flags.env_file;
    sources.dotenv_required =
        !flags.env_file.empty() &&
        std::any_of(flags.env_file_options.begin(), flags.env_file_options.end(),
                    [](const CLI::Option* option) { return option->count() > 0; });
    sources.getenv = getenv;
    auto config = Config::load(sources);
    if (!config) {
        return config;
    }
    if (!flags.urls.empty()) {
        config->set_flag(ConfigItem::rabbit_url, fmt::format("{}", fmt::join(flags.urls, ",")));
    }
    bool redis_parts = given(flags, ConfigItem::redis_host) ||
                       given(flags, ConfigItem::redis_port) || given(flags, ConfigItem::redis_db) ||
                       given(flags, ConfigItem::redis_username);
    if (redis_parts && !given(flags, ConfigItem::redis_url) &&
        !config->value(ConfigItem::redis_url).empty()) {
        config->set_flag(ConfigItem::redis_url, "");
    }
    // A host on the command line beats sentinels from the environment too.
    if ((given(flags, ConfigItem::redis_host) || given(flags, ConfigItem::redis_port)) &&
        !config->value(ConfigItem::redis_sentinels).empty()) {
        config->set_flag(ConfigItem::redis_sentinels, "");
    }
    for (const auto& [setting, option] : flags.options) {
        if (option->count() > 0) {
            config->set_flag(setting, flags.values.at(setting));
        }
    }
    return config;
}

bool handle_show_config(const ConnectionFlags& flags, const Config& config, std::FILE* out) {
    if (!flags.show_config) {
        return false;
    }
    fmt::print(out, "{}{}", config.show(), config.redis_form());
    return true;
}

} // namespace bb::app
