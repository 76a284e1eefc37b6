#include "support/services.hpp"

#include "bloodbank/redis.hpp"
#include "bloodbank/uuid.hpp"

#include <doctest/doctest.h>

#include <chrono>

using namespace bb;
using namespace std::chrono_literals;

namespace {
RedisTarget test_redis(const bbtest::Services& svc) {
    RedisTarget target;
    target.host = svc.redis_host;
    target.port = svc.redis_port;
    return target;
}
} // namespace

TEST_CASE("redis: a pipeline of many commands is one round trip") {
    auto svc = bbtest::services();
    if (!svc)
        return;
    auto connection = RedisConnection::connect(test_redis(*svc), 2000ms);
    REQUIRE_MESSAGE(connection, connection.error().message);

    std::string key = "bbtest:redis:" + uuid_v4().str();
    for (int i = 0; i < 100; ++i)
        connection->append({"RPUSH", key, std::to_string(i)});
    connection->append({"LLEN", key});
    connection->append({"DEL", key});
    CHECK(connection->pending() == 102);
    auto replies = connection->flush();
    REQUIRE(replies);
    CHECK(connection->round_trips() == 1);
    REQUIRE(replies->size() == 102);
    CHECK((*replies)[100]->integer == 100);
    CHECK((*replies)[101]->integer == 1);
    CHECK(connection->pending() == 0);
}

TEST_CASE("redis: an error reply is a reply, not a failed connection") {
    auto svc = bbtest::services();
    if (!svc)
        return;
    auto connection = RedisConnection::connect(test_redis(*svc), 2000ms);
    REQUIRE(connection);
    auto reply = connection->command({"NOSUCHCOMMAND"});
    REQUIRE(reply);
    CHECK((*reply)->type == REDIS_REPLY_ERROR);
    auto ping = connection->command({"PING"});
    REQUIRE(ping);
    CHECK(std::string((*ping)->str) == "PONG");
}

TEST_CASE("redis: a refused connection is 'unavailable' and names the target without secrets") {
    RedisTarget target;
    target.host = "127.0.0.1";
    target.port = 1; // nothing listens on port 1 of loopback
    target.password = "s3cret";
    auto connection = RedisConnection::connect(target, 500ms);
    REQUIRE_FALSE(connection);
    CHECK(connection.error().kind == ErrorKind::unavailable);
    CHECK(connection.error().message.find("127.0.0.1:1") != std::string::npos);
    CHECK(connection.error().message.find("s3cret") == std::string::npos);
}
