// The connection and configuration options, declared once for every bloodbank
// app (each app picks the groups it needs), and the one way an app turns them
// into a bb::Config: defaults < .env < environment < these flags.
//
// The flags only record what the user typed; nothing is validated here. The
// Config's typed views (rabbit_urls(), redis(), correlation_ttl_seconds(),
// http_port()) validate and name the setting in their errors, so a bad value
// reads the same whether it came from a flag, the environment or .env.
// Passwords have no flags (they would show in `ps`): they come from the
// environment or .env, e.g. REDIS_PASSWORD or the password in RABBIT_URL, or
// from a file that --password-file and --redis-password-file name.
//
// Usage, the whole of an app's configuration handling:
//
//     int main(int argc, char** argv) {
//         CLI::App cli{"Publish event envelopes"};
//         bb::app::init(cli, "bb-publish", {bb::ErrorKind::usage, ...});
//         bb::app::ConnectionFlags flags;          // must outlive cli.parse()
//         bb::app::add_amqp_options(cli, flags);   // --url, --exchange, TLS
//         bb::app::add_redis_options(cli, flags);  // --redis-*, --ttl-days
//         bb::app::add_config_options(cli, flags); // --env-file, --show-config
//         return bb::app::run(cli, "bb-publish", argc, argv, [&] {
//             auto config = bb::app::load_config(flags);
//             if (!config) {
//                 return bb::app::fail("bb-publish", config.error());
//             }
//             if (bb::app::handle_show_config(flags, *config)) {
//                 return 0;
//             }
//             auto urls = config->rabbit_urls(); // validated here
//             bb::PublisherOptions options;
//             options.urls = *urls;
//             options.tls = bb::app::amqp_tls_options("bb-publish", flags, *config);
//             ...
//         });
//     }
//
// A subcommand takes its own groups: add_http_options(*serve, flags) adds
// --http-host/--http-port to `bb-trace serve` only; every group writes into
// the same ConnectionFlags.
#pragma once

#include "bloodbank/amqp.hpp"
#include "bloodbank/config.hpp"
#include "bloodbank/dotenv.hpp"

#include <CLI/CLI.hpp>

#include <cstdio>
#include <map>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace bb::app {

// What the user typed. CLI11 keeps pointers into it, so declare it before
// parsing and do not copy or move it.
struct ConnectionFlags {
    ConnectionFlags() = default;
    ConnectionFlags(const ConnectionFlags&) = delete;
    ConnectionFlags& operator=(const ConnectionFlags&) = delete;

    std::string env_file = ".env"; // --env-file; "" reads no file
    bool show_config = false;      // --show-config
    bool insecure = false;         // --insecure, the one option with no setting

    // Filled by the add_*_options functions and CLI11; read by load_config().
    std::vector<std::string> urls;                                  // --url, each may be a list
    std::map<ConfigItem, std::string> values;                       // setting -> flag value
    std::vector<std::pair<ConfigItem, const CLI::Option*>> options; // setting -> its flag
    std::vector<const CLI::Option*> env_file_options; // one per (sub)command that takes it
};

// Group "Connection": --url URL (RABBIT_URL; repeatable, or a comma-separated
// list), --exchange NAME (EXCHANGE_NAME), --password-file PATH
// (RABBIT_PASSWORD_FILE), and for amqps:// --cacert PATH (RABBIT_CACERT),
// --cert PATH (RABBIT_CERT), --key PATH (RABBIT_KEY) and --insecure. The
// latter has no setting on purpose: turning verification off is typed each
// time, never left in a .env file.
void add_amqp_options(CLI::App& cli, ConnectionFlags& flags);

// The TLS options of amqps:// connections: RABBIT_CACERT, RABBIT_CERT and
// RABBIT_KEY from `config` (flags included, since load_config()) and
// --insecure, which prints a warning to stderr each time: turning
// verification off must never go unnoticed.
bb::TlsOptions amqp_tls_options(std::string_view program, const ConnectionFlags& flags,
                                const Config& config);

// Group "Connection": --redis-url URL (REDIS_URL), --redis-host HOST,
// --redis-port PORT, --redis-db N, --redis-password-file PATH
// (REDIS_PASSWORD_FILE), --redis-username USER (REDIS_USERNAME), for
// rediss:// --redis-cacert, --redis-cert and --redis-key PATH (REDIS_CACERT,
// REDIS_CERT, REDIS_KEY) and, unless `use` is read_only, --ttl-days DAYS
// (CORRELATION_TTL_DAYS).
// --redis-host/--redis-port/--redis-db/--redis-username without --redis-url
// set any REDIS_URL from the environment or .env aside, so that what was
// typed is what is used.
// An app that only reads Redis (bb-consume's --descends-from) writes no
// links, so it has no --ttl-days.
enum class RedisUse { read_write, read_only };
void add_redis_options(CLI::App& cli, ConnectionFlags& flags, RedisUse use = RedisUse::read_write);

// Group "HTTP API": --http-host ADDR (HTTP_HOST) and --http-port PORT (HTTP_PORT).
void add_http_options(CLI::App& cli, ConnectionFlags& flags);

// Group "Configuration": --env-file PATH (default ./.env; a missing default
// file is fine, a missing named one is an error) and --show-config.
void add_config_options(CLI::App& cli, ConnectionFlags& flags);

// Defaults, then the .env file, then the environment, then every flag the
// user gave (Origin::flag). `getenv` replaces the process environment (tests).
// Errors: those of Config::load (a malformed .env is 64, a missing
// --env-file 66, an unreadable one 74).
Result<Config> load_config(const ConnectionFlags& flags, const EnvLookup& getenv = {});

// With --show-config: prints config.show() to `out` and returns true, and the
// app exits 0. Without it: returns false and prints nothing.
bool handle_show_config(const ConnectionFlags& flags, const Config& config,
                        std::FILE* out = stdout);

} // namespace bb::app
