// Naming a TLS Redis and an ACL user through the settings: rediss:// or
// REDIS_TLS, REDIS_USERNAME, the TLS files, and the mistakes that must not
// pass silently.
#include "bloodbank/config.hpp"

#include <doctest/doctest.h>

#include <map>
#include <optional>
#include <string>

namespace {

using Env = std::map<std::string, std::string>;

bb::Result<bb::RedisTarget> redis_of(Env env) {
    bb::ConfigSources sources;
    sources.dotenv_path = "";
    sources.getenv = [env = std::move(env)](const std::string& name) -> std::optional<std::string> {
        auto it = env.find(name);
        return it == env.end() ? std::nullopt : std::optional<std::string>(it->second);
    };
    auto config = bb::Config::load(sources);
    REQUIRE(config.has_value());
    return config->redis();
}

} // namespace

TEST_CASE("config redis tls: rediss:// turns TLS on and takes the TLS files") {
    auto target = redis_of({{"REDIS_URL", "rediss://app:pw@cache:6380/1"},
                            {"REDIS_CACERT", "/ca.pem"},
                            {"REDIS_CERT", "/client.pem"},
                            {"REDIS_KEY", "/client.key"}});
    REQUIRE_MESSAGE(target.has_value(), target.error().message);
    CHECK(target->tls);
    CHECK(target->username == "app");
    CHECK(target->password == "pw");
    CHECK(target->tls_options.ca_file == "/ca.pem");
    CHECK(target->tls_options.cert_file == "/client.pem");
    CHECK(target->tls_options.key_file == "/client.key");
    CHECK(target->tls_options.verify);
    CHECK(target->redacted() == "rediss://cache:6380/1");
}

TEST_CASE("config redis tls: the parts form takes REDIS_TLS and REDIS_USERNAME") {
    auto target = redis_of({{"REDIS_HOST", "cache"},
                            {"REDIS_TLS", "True"},
                            {"REDIS_USERNAME", "app"},
                            {"REDIS_PASSWORD", "pw"}});
    REQUIRE_MESSAGE(target.has_value(), target.error().message);
    CHECK(target->tls);
    CHECK(target->username == "app");
    CHECK(target->password == "pw");
    CHECK(target->redacted() == "rediss://cache:6379/0");
    for (const char* off : {"", "false", "NO", "off", "0"}) {
        CAPTURE(off);
        auto plain = redis_of({{"REDIS_TLS", off}});
        REQUIRE(plain.has_value());
        CHECK_FALSE(plain->tls);
    }
}

TEST_CASE("config redis tls: a URL replaces REDIS_USERNAME and REDIS_TLS as it does the rest") {
    auto target = redis_of(
        {{"REDIS_URL", "redis://cache/"}, {"REDIS_TLS", "true"}, {"REDIS_USERNAME", "app"}});
    REQUIRE(target.has_value());
    CHECK_FALSE(target->tls);
    CHECK(target->username.empty());
}

TEST_CASE("config redis tls: a TLS file without TLS, or a REDIS_TLS that is no yes or no, is 64") {
    for (const char* item : {"REDIS_CACERT", "REDIS_CERT", "REDIS_KEY"}) {
        CAPTURE(item);
        auto target = redis_of({{"REDIS_URL", "redis://cache/"}, {item, "/x.pem"}});
        REQUIRE_FALSE(target.has_value());
        CHECK(target.error().kind == bb::ErrorKind::usage);
        CHECK(target.error().message ==
              std::string(item) + "=/x.pem (environment): set, but the Redis connection is not "
                                  "TLS: use a rediss:// URL (or REDIS_TLS=true)");
    }
    auto maybe = redis_of({{"REDIS_TLS", "maybe"}});
    REQUIRE_FALSE(maybe.has_value());
    CHECK(maybe.error().kind == bb::ErrorKind::usage);
    CHECK(maybe.error().message ==
          "REDIS_TLS=maybe (environment): not true or false (yes/no, on/off, 1/0)");
}

TEST_CASE("config redis tls: the password file serves an ACL user over TLS as well") {
    // The file's errors name it; its password would replace the URL's.
    auto target = redis_of({{"REDIS_URL", "rediss://app@cache/"},
                            {"REDIS_PASSWORD_FILE", "/nonexistent/bloodbank-password"}});
    REQUIRE_FALSE(target.has_value());
    CHECK(target.error().kind == bb::ErrorKind::not_found);
    CHECK(target.error().message.starts_with("REDIS_PASSWORD_FILE (environment): "));
}
