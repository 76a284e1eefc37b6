// Expected AMQP values follow aiormq's Connection.__init__ (vhost from the
// URL path, "%2F" as "/", guest for an empty user or password) and Python's
// urlsplit; Redis values follow redis-py's from_url.
#include "bloodbank/config.hpp"

#include <doctest/doctest.h>

#include <string>
#include <vector>

namespace {

bb::AmqpUrl amqp(std::string_view url) {
    auto parsed = bb::parse_amqp_url(url);
    REQUIRE_MESSAGE(parsed.has_value(), (parsed ? "" : parsed.error().message));
    return *parsed;
}

bb::RedisTarget redis(std::string_view url) {
    auto parsed = bb::parse_redis_url(url);
    REQUIRE_MESSAGE(parsed.has_value(), (parsed ? "" : parsed.error().message));
    return *parsed;
}

bool contains(const std::string& text, std::string_view part) {
    return text.find(part) != std::string::npos;
}

} // namespace

TEST_CASE("url: the default RABBIT_URL's trailing slash is vhost /, as aio-pika reads it") {
    bb::AmqpUrl url = amqp("amqp://guest:guest@localhost:5672/");
    CHECK_FALSE(url.tls);
    CHECK(url.host == "localhost");
    CHECK(url.port == 5672);
    CHECK(url.user == "guest");
    CHECK(url.password == "guest");
    CHECK(url.vhost == "/");
}

TEST_CASE("url: amqp vhost forms") {
    CHECK(amqp("amqp://rabbit").vhost == "/");
    CHECK(amqp("amqp://rabbit").port == 5672);
    CHECK(amqp("amqp://rabbit/%2f").vhost == "/");
    CHECK(amqp("amqp://rabbit/%2F").vhost == "/");
    CHECK(amqp("amqp://rabbit/myvhost").vhost == "myvhost");
    CHECK(amqp("amqp://rabbit/%2fprod").vhost == "/prod");
    CHECK(amqp("amqp://rabbit/team%20a").vhost == "team a");
    CHECK(amqp("amqp://rabbit/a/b").vhost == "a/b");
}

TEST_CASE("url: amqp user and password are percent-decoded") {
    bb::AmqpUrl url = amqp("amqp://us%40er:p%3Ass%2Fw%25@rabbit:1234/v");
    CHECK(url.user == "us@er");
    CHECK(url.password == "p:ss/w%");
    CHECK(url.port == 1234);
    CHECK(url.vhost == "v");
}

TEST_CASE("url: an unescaped @ in the password splits at the last @, like urlsplit") {
    bb::AmqpUrl url = amqp("amqp://bob:p@ss@rabbit/");
    CHECK(url.user == "bob");
    CHECK(url.password == "p@ss");
    CHECK(url.host == "rabbit");
}

TEST_CASE("url: an empty amqp user or password means guest, as aiormq sends") {
    bb::AmqpUrl only_user = amqp("amqp://bob@rabbit/");
    CHECK(only_user.user == "bob");
    CHECK(only_user.password == "guest");
    bb::AmqpUrl empty = amqp("amqp://:@rabbit/");
    CHECK(empty.user == "guest");
    CHECK(empty.password == "guest");
}

TEST_CASE("url: amqp IPv6 hosts") {
    bb::AmqpUrl with_port = amqp("amqp://[::1]:5673/");
    CHECK(with_port.host == "::1");
    CHECK(with_port.port == 5673);
    CHECK(with_port.vhost == "/");
    CHECK(amqp("amqp://[::1]").port == 5672);
}

TEST_CASE("url: amqps means TLS with default port 5671") {
    bb::AmqpUrl url = amqp("amqps://rabbit");
    CHECK(url.tls);
    CHECK(url.port == 5671);
    CHECK(amqp("amqps://rabbit:5999/").port == 5999);
}

TEST_CASE("url: scheme case, empty port, query and fragment") {
    CHECK(amqp("AMQP://rabbit/").host == "rabbit");
    CHECK(amqp("amqp://rabbit:/").port == 5672);
    CHECK(amqp("amqp://rabbit/v?heartbeat=30#x").vhost == "v");
    CHECK(amqp("  amqp://rabbit/v  ").vhost == "v");
}

TEST_CASE("url: bad AMQP URLs are usage errors that say what is wrong") {
    struct Case {
        std::string url;
        std::string says;
    };
    const std::vector<Case> cases = {
        {"http://rabbit/", "amqp or amqps"},
        {"amqp://rabbit:abc/", "port"},
        {"amqp://rabbit:0/", "port"},
        {"amqp://rabbit:65536/", "port"},
        {"amqp://rabbit:-1/", "port"},
        {"amqp://rabbit:99999999999999999999/", "port"},
        {"amqp://rabbit:1:2/", "port"},
        {"amqp:///", "host is empty"},
        {"amqp://u:p@/", "host is empty"},
        {"amqp://[::1/", "IPv6"},
        {"amqp://[::1]x/", "IPv6"},
        {"rabbit:5672", "scheme://"},
        {"", "scheme://"},
    };
    for (const Case& c : cases) {
        CAPTURE(c.url);
        auto parsed = bb::parse_amqp_url(c.url);
        REQUIRE_FALSE(parsed.has_value());
        CHECK(parsed.error().kind == bb::ErrorKind::usage);
        CHECK(bb::exit_code(parsed.error().kind) == 64);
        CHECK(contains(parsed.error().message, c.says));
        CHECK(contains(parsed.error().message, "not a valid AMQP URL"));
    }
}

TEST_CASE("url: AMQP and Redis error messages never contain the password") {
    const std::vector<std::string> amqp_urls = {
        "amqp://u:s3cr3t@rabbit:0/",
        "ftp://u:s3cr3t@rabbit/",
        "amqp://u:s3cr3t@/",
        "u:s3cr3t@rabbit",
        "amqp://u:s3/cr3t@rabbit/",
        "amqp://u:s3cr3t@[::1/",
        "amqp://u:s3cr3t@rabbit:99999/",
    };
    for (const std::string& url : amqp_urls) {
        CAPTURE(url);
        auto parsed = bb::parse_amqp_url(url);
        REQUIRE_FALSE(parsed.has_value());
        CHECK_FALSE(contains(parsed.error().message, "s3cr3t"));
        CHECK_FALSE(contains(parsed.error().message, "cr3t"));
    }
    const std::vector<std::string> redis_urls = {
        "rediss://:s3cr3t@cache:0/",
        "redis://:s3cr3t@cache:0/",
        "redis://:s3cr3t@cache/x",
        "http://:s3cr3t@cache/",
        ":s3cr3t@cache",
        "redis://:s3/cr3t@cache/",
    };
    for (const std::string& url : redis_urls) {
        CAPTURE(url);
        auto parsed = bb::parse_redis_url(url);
        REQUIRE_FALSE(parsed.has_value());
        CHECK_FALSE(contains(parsed.error().message, "s3cr3t"));
        CHECK_FALSE(contains(parsed.error().message, "cr3t"));
    }
}

TEST_CASE("url: redis URL forms") {
    bb::RedisTarget plain = redis("redis://cache");
    CHECK(plain.host == "cache");
    CHECK(plain.port == 6379);
    CHECK(plain.db == 0);
    CHECK(plain.username.empty());
    CHECK(plain.password.empty());

    bb::RedisTarget full = redis("redis://:pw@cache:6380/2");
    CHECK(full.username.empty());
    CHECK(full.password == "pw");
    CHECK(full.port == 6380);
    CHECK(full.db == 2);

    bb::RedisTarget acl = redis("redis://app:p%40ss@cache/");
    CHECK(acl.username == "app");
    CHECK(acl.password == "p@ss");
    CHECK(acl.db == 0);

    bb::RedisTarget v6 = redis("redis://[::1]:6390/1");
    CHECK(v6.host == "::1");
    CHECK(v6.port == 6390);
    CHECK(v6.db == 1);
}

TEST_CASE("url: rediss:// is Redis over TLS, the rest read as redis://") {
    auto parsed = bb::parse_redis_url("rediss://app:pw@cache:6380/2");
    REQUIRE(parsed.has_value());
    CHECK(parsed->tls);
    CHECK(parsed->host == "cache");
    CHECK(parsed->port == 6380);
    CHECK(parsed->db == 2);
    CHECK(parsed->username == "app");
    CHECK(parsed->password == "pw");
    CHECK(parsed->redacted() == "rediss://cache:6380/2");
    auto lone = bb::parse_redis_url("rediss://T0KEN@cache");
    REQUIRE(lone.has_value());
    CHECK(lone->password == "T0KEN");
    CHECK(lone->port == 6379);
    CHECK_FALSE(bb::parse_redis_url("redis://cache")->tls);
}

TEST_CASE("url: bad Redis URLs are usage errors") {
    struct Case {
        std::string url;
        std::string says;
    };
    const std::vector<Case> cases = {
        {"redis://cache:0", "port"},
        {"redis://cache:70000", "port"},
        {"redis://cache:x/", "port"},
        {"redis://cache/abc", "database"},
        {"redis://cache/-1", "database"},
        {"redis://cache?db=2", "query"},
        {"unix:///run/redis.sock", "unix sockets"},
        {"http://cache/", "must be redis"},
        {"redis://", "host is empty"},
        {"cache:6379", "scheme://"},
    };
    for (const Case& c : cases) {
        CAPTURE(c.url);
        auto parsed = bb::parse_redis_url(c.url);
        REQUIRE_FALSE(parsed.has_value());
        CHECK(parsed.error().kind == bb::ErrorKind::usage);
        CHECK(contains(parsed.error().message, c.says));
        CHECK(contains(parsed.error().message, "not a valid Redis URL"));
    }
}

TEST_CASE("url: redact_url hides passwords in any scheme") {
    CHECK(bb::redact_url("amqp://guest:guest@localhost:5672/") ==
          "amqp://guest:***@localhost:5672/");
    CHECK(bb::redact_url("redis://:pw@cache:6379/0") == "redis://:***@cache:6379/0");
    CHECK(bb::redact_url("https://user:token@example.org/x") == "https://user:***@example.org/x");
    CHECK(bb::redact_url("amqps://u:p%40ss@h/%2f") == "amqps://u:***@h/%2f");
}

TEST_CASE("url: redact_url keeps URLs without a password and non-URLs as they are") {
    CHECK(bb::redact_url("amqp://localhost:5672/") == "amqp://localhost:5672/");
    CHECK(bb::redact_url("amqp://guest@localhost/") == "amqp://guest@localhost/");
    CHECK(bb::redact_url("amqp://guest:@localhost/") == "amqp://guest:@localhost/");
    CHECK(bb::redact_url("amqp://h/vhost@x") == "amqp://h/vhost@x");
    CHECK(bb::redact_url("not a url") == "not a url");
    CHECK(bb::redact_url("") == "");
}

TEST_CASE("url: redact_url hides passwords holding an at sign, comma, slash or hash") {
    CHECK(bb::redact_url("amqp://u:p@ss@h/") == "amqp://u:***@h/");
    CHECK(bb::redact_url("amqp://u:p,ss@h/") == "amqp://u:***@h/");
    CHECK(bb::redact_url("amqp://u:p/ss@h/") == "amqp://u:***@h/");
    CHECK(bb::redact_url("amqp://u:p#ss@h/") == "amqp://u:***@h/");
}

TEST_CASE("url: redact_url handles a comma-separated list") {
    CHECK(bb::redact_url("amqp://a:x@h1/,amqp://b:y@h2/") == "amqp://a:***@h1/,amqp://b:***@h2/");
    CHECK(bb::redact_url("amqp://a:x@h1/, amqps://h2/") == "amqp://a:***@h1/, amqps://h2/");
}

TEST_CASE("url: split_url_list splits only where a new URL starts") {
    auto items = bb::split_url_list("amqp://a:x@h1/, amqps://h2/");
    REQUIRE(items.size() == 2);
    CHECK(items[0] == "amqp://a:x@h1/");
    CHECK(items[1] == " amqps://h2/");
    CHECK(bb::split_url_list("amqp://u:p,q@h/").size() == 1);
    CHECK(bb::split_url_list("amqp://h/").size() == 1);
}

TEST_CASE("url: AmqpUrl::redacted names user, host, port and vhost, never the password") {
    CHECK(amqp("amqp://guest:guest@localhost:5672/").redacted() == "amqp://guest@localhost:5672/");
    CHECK(amqp("amqps://bob:pw@rabbit/%2fprod").redacted() == "amqps://bob@rabbit:5671/%2Fprod");
    CHECK(amqp("amqp://[::1]/v").redacted() == "amqp://guest@[::1]:5672/v");
    CHECK(amqp("amqp://a%40b:pw@h/").redacted() == "amqp://a%40b@h:5672/");
    // What redacted() prints parses back to the same place.
    bb::AmqpUrl again = amqp(amqp("amqps://bob:pw@rabbit/%2fprod").redacted());
    CHECK(again.vhost == "/prod");
    CHECK(again.user == "bob");
    CHECK(again.tls);
}

TEST_CASE("url: RedisTarget::redacted is host, port and db only") {
    CHECK(redis("redis://app:pw@cache:6380/2").redacted() == "redis://cache:6380/2");
    CHECK(redis("redis://[::1]").redacted() == "redis://[::1]:6379/0");
}
