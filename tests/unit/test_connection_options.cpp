// The shared option groups, parsed as an app parses them, then layered over a
// substitute environment and a temporary .env file.
#include "common/connection_options.hpp"

#include <doctest/doctest.h>

#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <functional>
#include <map>
#include <optional>
#include <string>
#include <unistd.h>
#include <vector>

namespace {

namespace fs = std::filesystem;

using Env = std::map<std::string, std::string>;

bb::EnvLookup lookup(Env env) {
    return [env = std::move(env)](const std::string& name) -> std::optional<std::string> {
        auto it = env.find(name);
        return it == env.end() ? std::nullopt : std::optional<std::string>(it->second);
    };
}

// An app with every group, as bb-publish and bb-trace assemble theirs.
struct TestApp {
    CLI::App cli{"test"};
    bb::app::ConnectionFlags flags;
    std::vector<std::string> files;

    TestApp() {
        bb::app::add_amqp_options(cli, flags);
        bb::app::add_redis_options(cli, flags);
        bb::app::add_http_options(cli, flags);
        bb::app::add_config_options(cli, flags);
        cli.add_option("files", files);
    }

    void parse(std::vector<std::string> args) {
        std::vector<char*> argv;
        std::string program = "test";
        argv.push_back(program.data());
        for (std::string& arg : args) {
            argv.push_back(arg.data());
        }
        cli.parse(static_cast<int>(argv.size()), argv.data());
    }

    bb::Config load(Env env = {}) {
        auto config = bb::app::load_config(flags, lookup(std::move(env)));
        REQUIRE_MESSAGE(config.has_value(), (config ? "" : config.error().message));
        return *config;
    }
};

class TempDir {
public:
    TempDir() {
        std::string pattern = (fs::temp_directory_path() / "bb-options-test-XXXXXX").string();
        REQUIRE(::mkdtemp(pattern.data()) != nullptr);
        path_ = pattern;
    }
    ~TempDir() {
        std::error_code ignored;
        fs::remove_all(path_, ignored);
    }
    std::string write(const std::string& name, const std::string& text) const {
        std::ofstream(path_ / name, std::ios::binary) << text;
        return (path_ / name).string();
    }
    std::string file(const std::string& name) const { return (path_ / name).string(); }

private:
    fs::path path_;
};

// What `body` writes to standard error.
std::string stderr_of(const std::function<void()>& body) {
    std::fflush(stderr);
    std::FILE* capture = std::tmpfile();
    REQUIRE(capture != nullptr);
    int saved = ::dup(STDERR_FILENO);
    ::dup2(::fileno(capture), STDERR_FILENO);
    body();
    std::fflush(stderr);
    ::dup2(saved, STDERR_FILENO);
    ::close(saved);
    std::rewind(capture);
    std::string text;
    for (int c; (c = std::fgetc(capture)) != EOF;) {
        text += static_cast<char>(c);
    }
    std::fclose(capture);
    return text;
}

} // namespace

TEST_CASE("connection_options: every flag sets its setting with origin flag") {
    TestApp app;
    app.parse({"--env-file",
               "",
               "--url",
               "amqp://rabbit/",
               "--exchange",
               "ex",
               "--redis-host",
               "cache",
               "--redis-port",
               "6380",
               "--redis-db",
               "2",
               "--ttl-days",
               "7",
               "--http-host",
               "::1",
               "--http-port",
               "9000",
               "--password-file",
               "/run/secrets/rabbit",
               "--cacert",
               "/etc/ca.pem",
               "--cert",
               "/etc/client.pem",
               "--key",
               "/etc/client.key",
               "--redis-password-file",
               "/run/secrets/redis"});
    bb::Config config = app.load({{"EXCHANGE_NAME", "from-env"}, {"REDIS_PORT", "1"}});
    const std::map<std::string, std::string> expected = {
        {"RABBIT_URL", "amqp://rabbit/"},
        {"EXCHANGE_NAME", "ex"},
        {"REDIS_HOST", "cache"},
        {"REDIS_PORT", "6380"},
        {"REDIS_DB", "2"},
        {"CORRELATION_TTL_DAYS", "7"},
        {"HTTP_HOST", "::1"},
        {"HTTP_PORT", "9000"},
        {"RABBIT_PASSWORD_FILE", "/run/secrets/rabbit"},
        {"RABBIT_CACERT", "/etc/ca.pem"},
        {"RABBIT_CERT", "/etc/client.pem"},
        {"RABBIT_KEY", "/etc/client.key"},
        {"REDIS_PASSWORD_FILE", "/run/secrets/redis"},
    };
    for (const auto& [name, value] : expected) {
        const auto& variable = name; // clang 14 cannot capture a binding
        CAPTURE(variable);
        CHECK(config.value(name) == value);
        CHECK(config.get(name).origin == bb::Origin::flag);
    }
    CHECK(config.get("SERVICE_NAME").origin == bb::Origin::default_value);
}

TEST_CASE("connection_options: flags not given leave the environment's values") {
    TestApp app;
    app.parse({"--env-file", ""});
    bb::Config config = app.load({{"EXCHANGE_NAME", "from-env"}});
    CHECK(config.value("EXCHANGE_NAME") == "from-env");
    CHECK(config.get("EXCHANGE_NAME").origin == bb::Origin::environment);
    CHECK(config.get("REDIS_HOST").origin == bb::Origin::default_value);
}

TEST_CASE("connection_options: --url repeats and each takes one value") {
    TestApp app;
    app.parse(
        {"--env-file", "", "--url", "amqp://a/", "--url", "amqp://b:1/,amqp://c/", "in.json"});
    bb::Config config = app.load();
    CHECK(config.value("RABBIT_URL") == "amqp://a/,amqp://b:1/,amqp://c/");
    auto urls = config.rabbit_urls();
    REQUIRE(urls.has_value());
    REQUIRE(urls->size() == 3);
    CHECK((*urls)[1].port == 1);
    CHECK(app.files == std::vector<std::string>{"in.json"});
}

TEST_CASE("connection_options: the last of a repeated single-value flag wins") {
    TestApp app;
    app.parse({"--env-file", "", "--exchange", "first", "--exchange", "second"});
    CHECK(app.load().value("EXCHANGE_NAME") == "second");
}

TEST_CASE("connection_options: --env-file names the .env to read") {
    TempDir dir;
    std::string dotenv = dir.write("bus.env", "EXCHANGE_NAME=from-file\n");
    TestApp app;
    app.parse({"--env-file", dotenv});
    bb::Config config = app.load();
    CHECK(config.value("EXCHANGE_NAME") == "from-file");
    CHECK(config.get("EXCHANGE_NAME").origin == bb::Origin::dotenv);
}

TEST_CASE("connection_options: a missing --env-file is an error, a missing ./.env is not") {
    TempDir dir;
    TestApp named;
    named.parse({"--env-file", dir.file("missing.env")});
    auto config = bb::app::load_config(named.flags, lookup({}));
    REQUIRE_FALSE(config.has_value());
    CHECK(config.error().kind == bb::ErrorKind::not_found);
    CHECK(bb::exit_code(config.error().kind) == 66);

    TestApp unnamed;
    unnamed.parse({});
    unnamed.flags.env_file = dir.file("missing.env"); // as if ./.env were absent
    CHECK(bb::app::load_config(unnamed.flags, lookup({})).has_value());
}

TEST_CASE("connection_options: a malformed .env stops loading with a usage error") {
    TempDir dir;
    std::string dotenv = dir.write("bad.env", "EXCHANGE_NAME x\n");
    TestApp app;
    app.parse({"--env-file", dotenv});
    auto config = bb::app::load_config(app.flags, lookup({}));
    REQUIRE_FALSE(config.has_value());
    CHECK(bb::exit_code(config.error().kind) == 64);
    CHECK(config.error().message.starts_with(dotenv + ":1: "));
}

TEST_CASE("connection_options: --redis-host sets a REDIS_URL from elsewhere aside") {
    TestApp app;
    app.parse({"--env-file", "", "--redis-host", "typed-host"});
    bb::Config config = app.load({{"REDIS_URL", "redis://:pw@env-host:6390/2"}});
    auto target = config.redis();
    REQUIRE(target.has_value());
    CHECK(target->host == "typed-host");
    CHECK(target->port == 6379);
    CHECK(config.get("REDIS_URL").origin == bb::Origin::flag);
    CHECK(config.value("REDIS_URL").empty());
}

TEST_CASE("connection_options: --redis-url beats --redis-host") {
    TestApp app;
    app.parse({"--env-file", "", "--redis-url", "redis://url-host/4", "--redis-host", "other"});
    auto target = app.load().redis();
    REQUIRE(target.has_value());
    CHECK(target->host == "url-host");
    CHECK(target->db == 4);
}

TEST_CASE("connection_options: flag values are validated by the Config, naming the setting") {
    TestApp app;
    app.parse({"--env-file", "", "--redis-port", "nope"});
    auto target = app.load().redis();
    REQUIRE_FALSE(target.has_value());
    CHECK(target.error().message.starts_with("REDIS_PORT=nope (flag): "));
}

TEST_CASE("connection_options: --show-config prints the settings, secrets hidden") {
    TestApp app;
    app.parse({"--env-file", "", "--show-config", "--url", "amqp://app:typed-secret@rabbit/"});
    bb::Config config = app.load({{"REDIS_PASSWORD", "env-secret"}});

    std::FILE* out = std::tmpfile();
    REQUIRE(out != nullptr);
    CHECK(bb::app::handle_show_config(app.flags, config, out));
    std::rewind(out);
    std::string printed;
    for (int c; (c = std::fgetc(out)) != EOF;) {
        printed += static_cast<char>(c);
    }
    std::fclose(out);
    CHECK(printed == config.show() + config.redis_form());
    CHECK(printed.find("secret") == std::string::npos);
    CHECK(printed.find("RABBIT_URL=amqp://app:***@rabbit/") != std::string::npos);
}

TEST_CASE("connection_options: without --show-config nothing is printed") {
    TestApp app;
    app.parse({"--env-file", ""});
    bb::Config config = app.load();
    std::FILE* out = std::tmpfile();
    REQUIRE(out != nullptr);
    CHECK_FALSE(bb::app::handle_show_config(app.flags, config, out));
    CHECK(std::ftell(out) == 0);
    std::fclose(out);
}

TEST_CASE("connection_options: an app takes only the groups it adds") {
    CLI::App cli{"trace-like"};
    bb::app::ConnectionFlags flags;
    bb::app::add_redis_options(cli, flags);
    std::vector<std::string> argv_text = {"test", "--url", "amqp://x/"};
    std::vector<char*> argv;
    for (std::string& arg : argv_text) {
        argv.push_back(arg.data());
    }
    CHECK_THROWS_AS(cli.parse(static_cast<int>(argv.size()), argv.data()), CLI::ParseError);
}

TEST_CASE("connection_options: the TLS options come from the settings and --insecure") {
    TestApp app;
    app.parse({"--env-file", "", "--cacert", "/typed/ca.pem"});
    bb::TlsOptions tls = bb::app::amqp_tls_options(
        "test", app.flags,
        app.load({{"RABBIT_CACERT", "/env/ca.pem"}, {"RABBIT_CERT", "/env/client.pem"}}));
    CHECK(tls.ca_file == "/typed/ca.pem");
    CHECK(tls.cert_file == "/env/client.pem");
    CHECK(tls.key_file.empty());
    CHECK(tls.verify);

    TestApp insecure;
    insecure.parse({"--env-file", "", "--insecure"});
    bb::Config config = insecure.load();
    std::string warning = stderr_of(
        [&] { CHECK_FALSE(bb::app::amqp_tls_options("test", insecure.flags, config).verify); });
    CHECK(warning.starts_with("test: warning: --insecure: "));
    CHECK(stderr_of([&] { bb::app::amqp_tls_options("test", app.flags, config); }).empty());
}

TEST_CASE("connection_options: --insecure has no setting, so no environment turns it on") {
    TestApp app;
    app.parse({"--env-file", ""});
    bb::Config config = app.load({{"RABBIT_INSECURE", "1"}, {"INSECURE", "1"}});
    CHECK(bb::app::amqp_tls_options("test", app.flags, config).verify);
}
