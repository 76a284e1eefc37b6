// Naming a Redis Cluster: a redis:// URL listing several seed nodes, or one
// server with REDIS_CLUSTER; only database 0; which form --show-config says
// is in force; errors that name the part that is wrong.
#include "config_env.hpp"

#include "bloodbank/config.hpp"

#include <doctest/doctest.h>

#include <map>
#include <optional>
#include <string>

namespace {

using configtest::config_with;
using configtest::redis_target;
using configtest::url_problem;

bool contains(const std::string& text, std::string_view part) {
    return text.find(part) != std::string::npos;
}

} // namespace

TEST_CASE("cluster url: several hosts are a cluster's seed nodes, port 6379 by default") {
    bb::RedisTarget t = redis_target("redis://app:s3cret@h1:7000,h2,[::1]:7002/0");
    REQUIRE(t.cluster());
    REQUIRE(t.cluster_seeds.size() == 3);
    CHECK(t.cluster_seeds[0] == bb::RedisNodeAddress{"h1", 7000});
    CHECK(t.cluster_seeds[1] == bb::RedisNodeAddress{"h2", 6379});
    CHECK(t.cluster_seeds[2] == bb::RedisNodeAddress{"::1", 7002});
    CHECK(t.username == "app");
    CHECK(t.password == "s3cret");
    CHECK(t.db == 0);
    CHECK_FALSE(t.tls);
    CHECK_FALSE(t.through_sentinels());
    CHECK(t.redacted() == "redis://h1:7000,h2:6379,[::1]:7002/0");

    bb::RedisTarget tls = redis_target("rediss://h1:7000,h2:7001");
    CHECK(tls.tls);
    CHECK(tls.cluster());
    CHECK(tls.redacted() == "rediss://h1:7000,h2:7001/0");

    // One host is one server, as before.
    CHECK_FALSE(redis_target("redis://h1:7000/0").cluster());
}

TEST_CASE("cluster url: only database 0, and a malformed list names its bad part") {
    CHECK(contains(url_problem("redis://h1,h2/3"), "a Redis Cluster has only database 0, not 3"));
    CHECK(contains(url_problem("redis://h1:x,h2/0"), "the port of node \"h1:x\""));
    CHECK(contains(url_problem("redis://h1,h2:70000/0"), "the port of node \"h2:70000\""));
    CHECK(contains(url_problem("redis://h1,,h2/0"), "the host list has an empty host"));
    CHECK(contains(url_problem("redis://h1,h2/0#m"), "fragment"));
    CHECK(contains(url_problem("redis://h1,h2/0?x=1"), "query parameters are not supported"));
    // The password stays hidden in the message.
    CHECK_FALSE(contains(url_problem("redis://u:s3cret@h1,h2/x"), "s3cret"));
}

TEST_CASE("cluster config: REDIS_CLUSTER makes the one server named a seed node") {
    auto from_host =
        config_with({{"REDIS_HOST", "h1"}, {"REDIS_PORT", "7000"}, {"REDIS_CLUSTER", "1"}}).redis();
    REQUIRE(from_host.has_value());
    REQUIRE(from_host->cluster());
    CHECK(from_host->cluster_seeds == std::vector<bb::RedisNodeAddress>{{"h1", 7000}});

    auto from_url =
        config_with({{"REDIS_URL", "redis://h1:7000"}, {"REDIS_CLUSTER", "yes"}}).redis();
    REQUIRE(from_url.has_value());
    CHECK(from_url->cluster());

    auto plain = config_with({{"REDIS_HOST", "h1"}}).redis();
    REQUIRE(plain.has_value());
    CHECK_FALSE(plain->cluster());
}

TEST_CASE("cluster config: another database, or Sentinel, is a usage error naming the setting") {
    auto db =
        config_with({{"REDIS_HOST", "h1"}, {"REDIS_DB", "2"}, {"REDIS_CLUSTER", "true"}}).redis();
    REQUIRE_FALSE(db.has_value());
    CHECK(db.error().kind == bb::ErrorKind::usage);
    CHECK(contains(db.error().message, "only database 0"));
    CHECK(contains(db.error().message, "REDIS_DB (environment)"));

    auto url_db = config_with({{"REDIS_URL", "redis://h1/4"}, {"REDIS_CLUSTER", "true"}}).redis();
    REQUIRE_FALSE(url_db.has_value());
    CHECK(contains(url_db.error().message, "REDIS_URL (environment) asks for database 4"));

    auto sentinel =
        config_with({{"REDIS_URL", "redis-sentinel://h1/0#m"}, {"REDIS_CLUSTER", "true"}}).redis();
    REQUIRE_FALSE(sentinel.has_value());
    CHECK(sentinel.error().kind == bb::ErrorKind::usage);
    CHECK(contains(sentinel.error().message, "through Sentinel"));

    auto not_boolean = config_with({{"REDIS_CLUSTER", "maybe"}}).redis();
    REQUIRE_FALSE(not_boolean.has_value());
    CHECK(contains(not_boolean.error().message, "REDIS_CLUSTER"));
}

TEST_CASE("cluster config: --show-config says a cluster is in force and where it came from") {
    CHECK(config_with({{"REDIS_URL", "redis://u:s3cret@h1,h2/0"}}).redis_form() ==
          "# Redis: Redis Cluster (seed nodes, database 0), all from REDIS_URL (environment)\n");
    CHECK(config_with({{"REDIS_HOST", "h1"}, {"REDIS_CLUSTER", "1"}}).redis_form() ==
          "# Redis: Redis Cluster through one seed node, host from REDIS_HOST (environment), "
          "port from REDIS_PORT (default), database from REDIS_DB (default), cluster from "
          "REDIS_CLUSTER (environment)\n");
}
