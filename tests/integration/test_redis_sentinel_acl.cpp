// Redis through Sentinel with an ACL user named in the redis-sentinel:// URL:
// the user and password log in on the master the sentinels name, and a
// refusal of the user's rights is an error at once, not a reason to look
// for the master again until the time runs out.
#include "support/redis.hpp"
#include "support/services.hpp"
#include "test_bb_trace_fixtures.hpp"

#include "bloodbank/uuid.hpp"

#include <doctest/doctest.h>

#include <string>

using namespace bbtest;

namespace {

bool contains(const std::string& text, std::string_view part) {
    return text.find(part) != std::string::npos;
}

long long connections_received(Redis& redis) {
    std::string stats = redis.command({"INFO", "stats"}).str;
    std::string_view field = "total_connections_received:";
    auto at = stats.find(field);
    REQUIRE(at != std::string::npos);
    return std::stoll(stats.substr(at + field.size()));
}

// An ACL user of the sentinels' master, deleted again at the end.
class MasterUser {
public:
    MasterUser(Redis& master, const std::string& keys)
        : master_(master), name_("bb-sentinel-" + bb::uuid_v4().str().substr(0, 8)) {
        Reply made =
            master_.command({"ACL", "SETUSER", name_, "on", ">" + password(), keys, "+@all"});
        REQUIRE_MESSAGE(made.str == "OK", made.str);
    }
    ~MasterUser() { master_.command({"ACL", "DELUSER", name_}); }
    const std::string& name() const { return name_; }
    static std::string password() { return "s3cret-sentinel-pw"; }

private:
    Redis& master_;
    std::string name_;
};

RunOptions as_user(RunOptions o, const SentinelServices& s, const MasterUser& user) {
    o.env["REDIS_URL"] = "redis-sentinel://" + user.name() + ":" + MasterUser::password() + "@" +
                         s.url.substr(std::string("redis-sentinel://").size());
    o.unset_env.push_back("REDIS_SENTINELS");
    o.unset_env.push_back("REDIS_SENTINEL_MASTER");
    o.unset_env.push_back("REDIS_PASSWORD");
    o.unset_env.push_back("REDIS_USERNAME");
    return o;
}

} // namespace

TEST_CASE(
    "sentinel: the URL's user logs in on the master and a user it refuses is an error at once "
    "and the master is not looked for again") {
    auto s = sentinel_services();
    if (!s)
        return;
    Services on_master = s->plain;
    on_master.redis_host = "127.0.0.1";
    on_master.redis_port = s->master_port;
    tracetest::Fixture f(on_master);
    std::string parent = f.event(), child = f.event();
    f.link(child, {parent});
    Redis master("127.0.0.1", s->master_port);

    MasterUser allowed(master, "~bloodbank:*");
    auto read = f.trace({"ancestors", child, "--format", "ids"}, as_user(f.options(), *s, allowed));
    REQUIRE_MESSAGE(read.status == 0, read.err);
    CHECK(contains(read.out, parent));

    MasterUser refused(master, "~elsewhere:*");
    long long before = connections_received(master);
    auto denied = f.trace({"ancestors", child}, as_user(f.options(), *s, refused));
    long long after = connections_received(master);
    CHECK(denied.status == 69);
    CHECK(contains(denied.err, "NOPERM"));
    CHECK(contains(denied.err, "(user " + refused.name() + ")"));
    CHECK_FALSE(contains(denied.err, MasterUser::password()));
    // One connection for the query (and this test's INFO); looking for the
    // master again until the timeout made dozens.
    CHECK(after - before <= 2);
}
