// Where a URL's user info ends, found the same way by the parsers and by
// redaction, and redis-cli's reading of a lone user info as the password.
#include "config_env.hpp"

#include "bloodbank/config.hpp"

#include <doctest/doctest.h>

#include <map>
#include <optional>
#include <string>

namespace {

bool contains(const std::string& text, std::string_view part) {
    return text.find(part) != std::string::npos;
}

using configtest::config_with;

} // namespace

TEST_CASE("url userinfo: a # in the password is refused, naming its escape %23") {
    auto parsed = bb::parse_amqp_url("amqp://alice:pw#x@rabbit/");
    REQUIRE_FALSE(parsed.has_value());
    CHECK(parsed.error().kind == bb::ErrorKind::usage);
    const std::string& message = parsed.error().message;
    CHECK(contains(message, "%23"));
    CHECK_FALSE(contains(message, "must be a number"));
    CHECK_FALSE(contains(message, "pw#x"));
    // The URL it shows hides the same part that the parser took as user info.
    CHECK(contains(message, "\"amqp://alice:***@rabbit/\""));
}

TEST_CASE("url userinfo: a / or ? in the password names its own escape") {
    auto slash = bb::parse_amqp_url("amqp://alice:p/w@rabbit/");
    REQUIRE_FALSE(slash.has_value());
    CHECK(contains(slash.error().message, "%2F"));
    auto question = bb::parse_redis_url("redis://:p?w@cache/");
    REQUIRE_FALSE(question.has_value());
    CHECK(contains(question.error().message, "%3F"));
    CHECK_FALSE(contains(question.error().message, "query"));
}

TEST_CASE("url userinfo: a numeric password before a # is not read as host and port") {
    // urlsplit would connect to host "alice", port 1234; the redacted URL in
    // the message would still hide "1234#x" as a password.
    auto parsed = bb::parse_amqp_url("amqp://alice:1234#x@rabbit/");
    REQUIRE_FALSE(parsed.has_value());
    CHECK(contains(parsed.error().message, "%23"));
    CHECK_FALSE(contains(parsed.error().message, "1234"));
}

TEST_CASE("url userinfo: the escaped forms parse to the intended password") {
    auto parsed = bb::parse_amqp_url("amqp://alice:pw%23x@rabbit/");
    REQUIRE(parsed.has_value());
    CHECK(parsed->user == "alice");
    CHECK(parsed->password == "pw#x");
    CHECK(parsed->host == "rabbit");
    CHECK(bb::redact_url("amqp://alice:pw%23x@rabbit/") == "amqp://alice:***@rabbit/");
}

TEST_CASE("url userinfo: redis user info without a colon is the password, as for redis-cli") {
    auto parsed = bb::parse_redis_url("redis://T0KEN@cache:6380/1");
    REQUIRE(parsed.has_value());
    CHECK(parsed->username.empty());
    CHECK(parsed->password == "T0KEN");
    CHECK(parsed->host == "cache");
    CHECK(parsed->port == 6380);

    auto acl = bb::parse_redis_url("redis://app:s3cr3t@cache/");
    REQUIRE(acl.has_value());
    CHECK(acl->username == "app");
    CHECK(acl->password == "s3cr3t");
}

TEST_CASE("url userinfo: redaction hides a redis lone password, not an amqp user") {
    CHECK(bb::redact_url("redis://T0KEN@cache:6380/1") == "redis://***@cache:6380/1");
    CHECK(bb::redact_url("REDIS://T0KEN@cache/") == "REDIS://***@cache/");
    CHECK(bb::redact_url("amqp://bob@rabbit/") == "amqp://bob@rabbit/");
    CHECK(bb::redact_url("redis://cache:6379/0") == "redis://cache:6379/0");
}

TEST_CASE("url userinfo: --show-config and errors never print a redis lone password") {
    bb::Config config = config_with({{"REDIS_URL", "redis://T0KEN@cache/"}});
    std::string shown = config.show();
    CHECK_FALSE(contains(shown, "T0KEN"));
    CHECK(contains(shown, "REDIS_URL=redis://***@cache/"));

    bb::Config bad = config_with({{"REDIS_URL", "redis://T0KEN@cache:0/"}});
    auto redis = bad.redis();
    REQUIRE_FALSE(redis.has_value());
    CHECK_FALSE(contains(redis.error().message, "T0KEN"));
}
