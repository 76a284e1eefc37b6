#include "common/connection_options.hpp"

#include "common/app.hpp"

#include <fmt/format.h>

namespace bb::app {
namespace {

// One string option that stands for one setting. Values stay strings: the
// Config validates them, whatever their origin.
void add_setting_option(CLI::App& cli, ConnectionFlags& flags, const std::string& name,
                        const std::string& setting, const std::string& type,
                        const std::string& help, const std::string& group) {
    CLI::Option* option = cli.add_option(name, flags.values[setting], help)
                              ->type_name(type)
                              ->multi_option_policy(CLI::MultiOptionPolicy::TakeLast)
                              ->group(group);
    flags.options.emplace_back(setting, option);
}

bool given(const ConnectionFlags& flags, const std::string& setting) {
    for (const auto& [name, option] : flags.options) {
        if (name == setting && option->count() > 0) {
            return true;
        }
    }
    return false;
}

} // namespace

void add_amqp_options(CLI::App& cli, ConnectionFlags& flags) {
    cli.add_option("--url", flags.urls,
                   "RabbitMQ URL, amqp:// or amqps:// (RABBIT_URL); repeat it or give a "
                   "comma-separated list to have fallbacks")
        ->type_name("URL")
        ->allow_extra_args(false)
        ->group("Connection");
    add_setting_option(cli, flags, "--exchange", "EXCHANGE_NAME", "NAME",
                       "Topic exchange to publish to (EXCHANGE_NAME)", "Connection");
    add_setting_option(cli, flags, "--password-file", "RABBIT_PASSWORD_FILE", "PATH",
                       "Read the RabbitMQ password from the first line of PATH "
                       "(RABBIT_PASSWORD_FILE); it replaces the password of every URL",
                       "Connection");
    add_setting_option(cli, flags, "--cacert", "RABBIT_CACERT", "PATH",
                       "Verify amqps:// brokers with the CA certificates in PATH (PEM) instead "
                       "of the system's (RABBIT_CACERT)",
                       "Connection");
    add_setting_option(cli, flags, "--cert", "RABBIT_CERT", "PATH",
                       "Client certificate (PEM) to show amqps:// brokers (RABBIT_CERT)",
                       "Connection");
    add_setting_option(cli, flags, "--key", "RABBIT_KEY", "PATH",
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
    tls.ca_file = config.value("RABBIT_CACERT");
    tls.cert_file = config.value("RABBIT_CERT");
    tls.key_file = config.value("RABBIT_KEY");
    tls.verify = !flags.insecure;
    if (flags.insecure) {
        report(program, "warning: --insecure: the broker's TLS certificate and name are not "
                        "verified; anyone on the network path can read and change the "
                        "connection, password included");
    }
    return tls;
}

void add_redis_options(CLI::App& cli, ConnectionFlags& flags) {
    add_setting_option(cli, flags, "--redis-url", "REDIS_URL", "URL",
                       "Redis URL redis://[[user]:password@]host[:port][/db] (REDIS_URL); "
                       "replaces the REDIS_HOST, REDIS_PORT, REDIS_DB and REDIS_PASSWORD settings",
                       "Connection");
    add_setting_option(cli, flags, "--redis-host", "REDIS_HOST", "HOST", "Redis host (REDIS_HOST)",
                       "Connection");
    add_setting_option(cli, flags, "--redis-port", "REDIS_PORT", "PORT", "Redis port (REDIS_PORT)",
                       "Connection");
    add_setting_option(cli, flags, "--redis-db", "REDIS_DB", "N",
                       "Redis database number (REDIS_DB)", "Connection");
    add_setting_option(cli, flags, "--redis-password-file", "REDIS_PASSWORD_FILE", "PATH",
                       "Read the Redis password from the first line of PATH "
                       "(REDIS_PASSWORD_FILE); it replaces REDIS_PASSWORD and a password in "
                       "the Redis URL",
                       "Connection");
    add_setting_option(cli, flags, "--ttl-days", "CORRELATION_TTL_DAYS", "DAYS",
                       "Days to keep correlation links (CORRELATION_TTL_DAYS)", "Connection");
}

void add_http_options(CLI::App& cli, ConnectionFlags& flags) {
    add_setting_option(cli, flags, "--http-host", "HTTP_HOST", "ADDR",
                       "Address the HTTP API listens on (HTTP_HOST)", "HTTP API");
    add_setting_option(cli, flags, "--http-port", "HTTP_PORT", "PORT",
                       "Port the HTTP API listens on (HTTP_PORT)", "HTTP API");
}

void add_config_options(CLI::App& cli, ConnectionFlags& flags) {
    flags.env_file_option =
        cli.add_option("--env-file", flags.env_file,
                       "Read settings from this .env file instead of ./.env (an empty PATH "
                       "reads none); see bloodbank(7)")
            ->type_name("PATH")
            ->multi_option_policy(CLI::MultiOptionPolicy::TakeLast)
            ->group("Configuration");
    cli.add_flag("--show-config", flags.show_config,
                 "Print every setting, its value (secrets hidden) and where it came from, "
                 "then exit")
        ->group("Configuration");
}

Result<Config> load_config(const ConnectionFlags& flags, const EnvLookup& getenv) {
    ConfigSources sources;
    sources.dotenv_path = flags.env_file;
    sources.dotenv_required = flags.env_file_option != nullptr &&
                              flags.env_file_option->count() > 0 && !flags.env_file.empty();
    sources.getenv = getenv;
    auto config = Config::load(sources);
    if (!config) {
        return config;
    }
    if (!flags.urls.empty()) {
        config->set_flag("RABBIT_URL", fmt::format("{}", fmt::join(flags.urls, ",")));
    }
    bool redis_parts =
        given(flags, "REDIS_HOST") || given(flags, "REDIS_PORT") || given(flags, "REDIS_DB");
    if (redis_parts && !given(flags, "REDIS_URL") && !config->value("REDIS_URL").empty()) {
        config->set_flag("REDIS_URL", "");
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
    fmt::print(out, "{}", config.show());
    return true;
}

} // namespace bb::app
