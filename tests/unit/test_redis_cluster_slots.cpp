// Redis Cluster addressing against the specification's values and what a
// real cluster node says (CLUSTER KEYSLOT, asked of redis-server 7.0 when
// these were written): the CRC16, hash tags, the key of a command, the
// CLUSTER SLOTS answer and the MOVED/ASK redirections.
#include "bloodbank/redis.hpp"
#include "bloodbank/redis_cluster.hpp"

#include <doctest/doctest.h>

#include <memory>
#include <string>
#include <vector>

namespace {

struct ReaderFree {
    void operator()(redisReader* reader) const { redisReaderFree(reader); }
};

// A reply as hiredis reads it off the wire.
bb::RedisReplyPtr reply_from(std::string_view resp) {
    std::unique_ptr<redisReader, ReaderFree> reader(redisReaderCreate());
    REQUIRE(redisReaderFeed(reader.get(), resp.data(), resp.size()) == REDIS_OK);
    void* raw = nullptr;
    REQUIRE(redisReaderGetReply(reader.get(), &raw) == REDIS_OK);
    REQUIRE(raw != nullptr);
    return bb::RedisReplyPtr(static_cast<redisReply*>(raw));
}

std::string slot_entry(int first, int last, std::string_view host, int port) {
    std::string port_text = std::to_string(port);
    return "*3\r\n:" + std::to_string(first) + "\r\n:" + std::to_string(last) + "\r\n*3\r\n$" +
           std::to_string(host.size()) + "\r\n" + std::string(host) + "\r\n:" + port_text +
           "\r\n$2\r\nid\r\n";
}

std::optional<std::string_view> key_of(std::vector<std::string_view> argv) {
    return bb::command_key(argv.data(), argv.size());
}

} // namespace

TEST_CASE("cluster slot: CRC16-XMODEM of the specification's check string") {
    CHECK(bb::crc16_xmodem("123456789") == 0x31C3);
    CHECK(bb::crc16_xmodem("") == 0);
}

TEST_CASE("cluster slot: keys land where a Redis Cluster node says they do") {
    CHECK(bb::cluster_key_slot("123456789") == 12739);
    CHECK(bb::cluster_key_slot("foo") == 12182);
    CHECK(bb::cluster_key_slot(
              "bloodbank:correlation:forward:0193b0c8-0000-7000-8000-000000000001") == 2771);
}

TEST_CASE("cluster slot: a hash tag is the text between the first '{' and the next '}', when "
          "not empty") {
    CHECK(bb::cluster_key_slot("{user1000}.following") == 3443);
    CHECK(bb::cluster_key_slot("user1000") == 3443);
    CHECK(bb::cluster_key_slot("foo{}{bar}") == 8363);    // an empty tag: the whole key
    CHECK(bb::cluster_key_slot("foo{{bar}}zap") == 4015); // the tag is "{bar"
    CHECK(bb::cluster_key_slot("{bar") == 4015);
    CHECK(bb::cluster_key_slot("foo{bar}{zap}") == 5061); // the first tag only
    CHECK(bb::cluster_key_slot("bar") == 5061);
}

TEST_CASE("cluster slot: a command's key is its first argument, except for commands with none") {
    CHECK(key_of({"GET", "k"}) == "k");
    CHECK(key_of({"smembers", "s"}) == "s");
    CHECK(key_of({"HSET", "h", "f", "v"}) == "h");
    CHECK_FALSE(key_of({"PING"}).has_value());
    CHECK_FALSE(key_of({"multi"}).has_value());
    CHECK_FALSE(key_of({"WAIT", "1", "100"}).has_value());
    CHECK_FALSE(key_of({"SCAN", "0", "MATCH", "x*"}).has_value());
    CHECK_FALSE(key_of({"INFO", "cluster"}).has_value());
}

TEST_CASE("cluster map: CLUSTER SLOTS gives each range its master") {
    auto reply =
        reply_from("*3\r\n" + slot_entry(0, 5460, "127.0.0.1", 7000) +
                   slot_entry(5461, 10922, "127.0.0.1", 7001) + slot_entry(10923, 16383, "", 7002));
    auto ranges = bb::parse_cluster_slots(reply.get(), {"10.0.0.9", 7002});
    REQUIRE(ranges.has_value());
    REQUIRE(ranges->size() == 3);
    CHECK((*ranges)[0].first == 0);
    CHECK((*ranges)[0].last == 5460);
    CHECK((*ranges)[0].master == bb::RedisNodeAddress{"127.0.0.1", 7000});
    CHECK((*ranges)[1].master == bb::RedisNodeAddress{"127.0.0.1", 7001});
    // An empty host is the node asked.
    CHECK((*ranges)[2].master == bb::RedisNodeAddress{"10.0.0.9", 7002});
    CHECK((*ranges)[2].last == 16383);
}

TEST_CASE("cluster map: an answer that is not a slot map is an error saying what is wrong") {
    auto refused = reply_from("-ERR This instance has cluster support disabled\r\n");
    auto error = bb::parse_cluster_slots(refused.get(), {"h", 1});
    REQUIRE_FALSE(error.has_value());
    CHECK(error.error().message.find("cluster support disabled") != std::string::npos);

    auto out_of_range = reply_from("*1\r\n" + slot_entry(0, 16384, "h", 1));
    auto bad = bb::parse_cluster_slots(out_of_range.get(), {"h", 1});
    REQUIRE_FALSE(bad.has_value());
    CHECK(bad.error().message.find("0-16384") != std::string::npos);

    auto no_master = reply_from("*1\r\n*2\r\n:0\r\n:10\r\n");
    CHECK_FALSE(bb::parse_cluster_slots(no_master.get(), {"h", 1}).has_value());
}

TEST_CASE("cluster map: MOVED and ASK name the slot and the node to ask") {
    auto moved = bb::parse_cluster_redirect("MOVED 3999 127.0.0.1:6381");
    REQUIRE(moved.has_value());
    CHECK_FALSE(moved->ask);
    CHECK(moved->slot == 3999);
    CHECK(moved->to == bb::RedisNodeAddress{"127.0.0.1", 6381});

    auto ask = bb::parse_cluster_redirect("ASK 12182 10.1.2.3:7002");
    REQUIRE(ask.has_value());
    CHECK(ask->ask);
    CHECK(ask->slot == 12182);
    CHECK(ask->to == bb::RedisNodeAddress{"10.1.2.3", 7002});

    auto ipv6 = bb::parse_cluster_redirect("MOVED 1 ::1:7000");
    REQUIRE(ipv6.has_value());
    CHECK(ipv6->to == bb::RedisNodeAddress{"::1", 7000});

    CHECK_FALSE(bb::parse_cluster_redirect("ERR unknown command").has_value());
    CHECK_FALSE(bb::parse_cluster_redirect("MOVED 16384 h:1").has_value());
    CHECK_FALSE(bb::parse_cluster_redirect("MOVED 1 h:0").has_value());
    CHECK_FALSE(bb::parse_cluster_redirect("MOVED x h:1").has_value());
}
