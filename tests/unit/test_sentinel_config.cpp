// Naming a Redis behind Sentinel: the redis-sentinel:// URL as Lettuce writes
// it, REDIS_SENTINELS with REDIS_SENTINEL_MASTER, which form --show-config
// says is in force, and errors that name the part that is wrong.
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

TEST_CASE("sentinel url: three sentinels, a database, credentials and the master name") {
    bb::RedisTarget t = redis_target("redis-sentinel://app:s3cret@h1:26379,h2:26380,h3/2#mymaster");
    REQUIRE(t.through_sentinels());
    REQUIRE(t.sentinels.size() == 3);
    CHECK(t.sentinels[0].host == "h1");
    CHECK(t.sentinels[0].port == 26379);
    CHECK(t.sentinels[1].host == "h2");
    CHECK(t.sentinels[1].port == 26380);
    CHECK(t.sentinels[2].host == "h3");
    CHECK(t.sentinels[2].port == 26379); // Sentinel's own default port
    CHECK(t.db == 2);
    CHECK(t.username == "app");
    CHECK(t.password == "s3cret");
    CHECK(t.master_name == "mymaster");
}

TEST_CASE("sentinel url: a lone user info is the password, IPv6 hosts are bracketed") {
    bb::RedisTarget t = redis_target("redis-sentinel://pw@[::1]:26379,127.0.0.1#m%20a");
    CHECK(t.username.empty());
    CHECK(t.password == "pw");
    REQUIRE(t.sentinels.size() == 2);
    CHECK(t.sentinels[0].host == "::1");
    CHECK(t.sentinels[1].host == "127.0.0.1");
    CHECK(t.db == 0);
    CHECK(t.master_name == "m a");
    CHECK(t.redacted() == "redis-sentinel://[::1]:26379,127.0.0.1:26379/0#m%20a");
}

TEST_CASE("sentinel url: the redacted forms never show the password") {
    std::string url = "redis-sentinel://app:s3cret@h1:26379,h2:26379/0#mymaster";
    CHECK(bb::redact_url(url) == "redis-sentinel://app:***@h1:26379,h2:26379/0#mymaster");
    CHECK(bb::redact_url("redis-sentinel://s3cret@h1/0#m") == "redis-sentinel://***@h1/0#m");
    CHECK_FALSE(contains(redis_target(url).redacted(), "s3cret"));
}

TEST_CASE("sentinel url: each malformed part is named, without the password") {
    CHECK(contains(url_problem("redis-sentinel://pw@h1:26379,h2:26379/0"),
                   "the master name is missing"));
    CHECK(contains(url_problem("redis-sentinel://h1:26379/0#"), "the master name is missing"));
    CHECK(contains(url_problem("redis-sentinel://h1:26379,h2:99999/0#m"),
                   "the port of sentinel \"h2:99999\" must be a number from 1 to 65535"));
    CHECK(contains(url_problem("redis-sentinel://h1:x/0#m"), "the port of sentinel \"h1:x\""));
    CHECK(contains(url_problem("redis-sentinel:///0#m"), "the host list is empty"));
    CHECK(contains(url_problem("redis-sentinel://pw@/0#m"), "the host list is empty"));
    CHECK(contains(url_problem("redis-sentinel://h1,,h2/0#m"), "the host list has an empty host"));
    CHECK(contains(url_problem("redis-sentinel://h1/x#m"), "the database (the path)"));
    CHECK(contains(url_problem("redis-sentinel://h1/0?x=1#m"), "query parameters"));
    std::string secret = url_problem("redis-sentinel://user:s3cret@h1:0/0#m");
    CHECK_FALSE(contains(secret, "s3cret"));
    CHECK(contains(secret, "user:***@"));
}

TEST_CASE("sentinel config: REDIS_SENTINELS and REDIS_SENTINEL_MASTER name the deployment") {
    bb::Config config = config_with({{"REDIS_SENTINELS", "127.0.0.1:26379, 127.0.0.1:26380"},
                                     {"REDIS_SENTINEL_MASTER", "bb"},
                                     {"REDIS_DB", "3"},
                                     {"REDIS_PASSWORD", "pw"}});
    auto target = config.redis();
    REQUIRE(target.has_value());
    REQUIRE(target->sentinels.size() == 2);
    CHECK(target->sentinels[1].port == 26380);
    CHECK(target->master_name == "bb");
    CHECK(target->db == 3);
    CHECK(target->password == "pw");
}

TEST_CASE("sentinel config: REDIS_URL beats REDIS_SENTINELS, which beats REDIS_HOST") {
    auto url = config_with({{"REDIS_URL", "redis://10.0.0.1:6379/0"},
                            {"REDIS_SENTINELS", "127.0.0.1"},
                            {"REDIS_SENTINEL_MASTER", "bb"}})
                   .redis();
    REQUIRE(url.has_value());
    CHECK_FALSE(url->through_sentinels());
    auto sentinels = config_with({{"REDIS_HOST", "10.0.0.1"},
                                  {"REDIS_SENTINELS", "127.0.0.1"},
                                  {"REDIS_SENTINEL_MASTER", "bb"}})
                         .redis();
    REQUIRE(sentinels.has_value());
    CHECK(sentinels->through_sentinels());
}

TEST_CASE("sentinel config: a sentinel list without a master name, or with a bad port, is a "
          "usage error naming the setting") {
    auto no_master = config_with({{"REDIS_SENTINELS", "127.0.0.1"}}).redis();
    REQUIRE_FALSE(no_master.has_value());
    CHECK(no_master.error().kind == bb::ErrorKind::usage);
    CHECK(contains(no_master.error().message, "REDIS_SENTINEL_MASTER is empty"));

    bb::Config bad_port =
        config_with({{"REDIS_SENTINELS", "127.0.0.1:0"}, {"REDIS_SENTINEL_MASTER", "m"}});
    auto checked = bb::check_setting(bad_port.get(bb::ConfigItem::redis_sentinels));
    REQUIRE_FALSE(checked.has_value());
    CHECK(contains(checked.error().message, "REDIS_SENTINELS=127.0.0.1:0 (environment)"));
    CHECK(contains(checked.error().message, "must be a number from 1 to 65535"));
}

TEST_CASE("sentinel config: --show-config says which form is in force and where each part came "
          "from, never the password") {
    std::string url_form =
        config_with({{"REDIS_URL", "redis-sentinel://u:s3cret@h1,h2/0#m"}}).redis_form();
    CHECK(url_form == "# Redis: through Sentinel (sentinels, database, master name), all from "
                      "REDIS_URL (environment)\n");

    std::string env_form = config_with({{"REDIS_SENTINELS", "h1,h2"},
                                        {"REDIS_SENTINEL_MASTER", "m"},
                                        {"REDIS_PASSWORD", "s3cret"}})
                               .redis_form();
    CHECK(env_form == "# Redis: through Sentinel, sentinels from REDIS_SENTINELS (environment), "
                      "master name from REDIS_SENTINEL_MASTER (environment), database from "
                      "REDIS_DB (default), password from REDIS_PASSWORD (environment)\n");

    CHECK(config_with({}).redis_form() ==
          "# Redis: one server, host from REDIS_HOST (default), port "
          "from REDIS_PORT (default), database from REDIS_DB (default)\n");
    CHECK(config_with({{"REDIS_URL", "redis://h/0"}}).redis_form() ==
          "# Redis: one server, all from REDIS_URL (environment)\n");
}
