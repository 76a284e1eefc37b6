// Redis through Sentinel: the master, replica and three sentinels of
// scripts/services.sh, named by a redis-sentinel:// URL. Tracking, bb-trace's
// queries and serve, and bb-consume's ancestry filter all find the master
// through the sentinels; the errors say which part failed; redis-py's
// Sentinel client (the system Python's, Debian's python3-redis) reads what
// bb-publish wrote.
#include "support/lines.hpp"
#include "support/ports.hpp"
#include "support/redis.hpp"
#include "support/skip.hpp"
#include "test_bb_publish_support.hpp"
#include "test_bb_trace_fixtures.hpp"
#include "test_bb_trace_serve_support.hpp"
#include "test_redis_descends_from.hpp"

#include "bloodbank/redis.hpp"

#include <doctest/doctest.h>

#include <arpa/inet.h>
#include <atomic>
#include <csignal>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <thread>
#include <unistd.h>

using namespace bbtest;
using namespace bbtest::publish;

namespace {

bool contains(const std::string& text, std::string_view part) {
    return text.find(part) != std::string::npos;
}

// A fixture whose own writes go to the sentinels' master directly.
std::unique_ptr<tracetest::Fixture> master_fixture(const SentinelServices& s) {
    Services on_master = s.plain;
    on_master.redis_host = "127.0.0.1";
    on_master.redis_port = s.master_port;
    return std::make_unique<tracetest::Fixture>(on_master);
}

RunOptions through_sentinels(RunOptions o, const std::string& url) {
    o.env["REDIS_URL"] = url;
    o.unset_env.push_back("REDIS_SENTINELS");
    o.unset_env.push_back("REDIS_SENTINEL_MASTER");
    return o;
}

// Answers every connection's first command with the array [host, port], as a
// sentinel answers SENTINEL get-master-addr-by-name: a sentinel that names
// whatever address the test wants.
class FakeSentinel {
public:
    FakeSentinel(const std::string& host, int port) {
        std::string port_text = std::to_string(port);
        answer_ = "*2\r\n$" + std::to_string(host.size()) + "\r\n" + host + "\r\n$" +
                  std::to_string(port_text.size()) + "\r\n" + port_text + "\r\n";
        fd_ = ::socket(AF_INET, SOCK_STREAM, 0);
        sockaddr_in addr{};
        addr.sin_family = AF_INET;
        addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
        REQUIRE(::bind(fd_, reinterpret_cast<sockaddr*>(&addr), sizeof addr) == 0);
        REQUIRE(::listen(fd_, 8) == 0);
        socklen_t len = sizeof addr;
        ::getsockname(fd_, reinterpret_cast<sockaddr*>(&addr), &len);
        port_ = ntohs(addr.sin_port);
        thread_ = std::thread([this] { serve(); });
    }
    ~FakeSentinel() {
        stop_ = true;
        thread_.join();
        ::close(fd_);
    }
    int port() const { return port_; }

private:
    void serve() {
        while (!stop_) {
            pollfd p{fd_, POLLIN, 0};
            if (::poll(&p, 1, 50) != 1)
                continue;
            int client = ::accept(fd_, nullptr, nullptr);
            if (client < 0)
                continue;
            char buffer[512];
            pollfd c{client, POLLIN, 0};
            if (::poll(&c, 1, 2000) == 1 && ::read(client, buffer, sizeof buffer) > 0)
                (void)!::write(client, answer_.data(), answer_.size());
            ::close(client);
        }
    }

    std::string answer_;
    int fd_ = -1;
    int port_ = 0;
    std::atomic<bool> stop_{false};
    std::thread thread_;
};

} // namespace

TEST_CASE("sentinel: a connection through the sentinels reaches the master, which ROLE confirms") {
    auto s = sentinel_services();
    if (!s)
        return;
    auto target = bb::parse_redis_url(s->url);
    REQUIRE(target);
    auto connection = bb::RedisConnection::connect(*target, std::chrono::seconds(5));
    REQUIRE_MESSAGE(connection, connection.error().message);
    CHECK(contains(connection->target(), "master 127.0.0.1:" + std::to_string(s->master_port)));
    std::string key = "bloodbank:test:sentinel:" + random_uuid();
    auto set = connection->command({"SET", key, "written", "EX", "60"});
    REQUIRE(set);
    CHECK((*set)->type == REDIS_REPLY_STATUS);
    CHECK(Redis("127.0.0.1", s->master_port).command({"GET", key}).str == "written");
}

TEST_CASE("sentinel: bb-publish tracks through the sentinels, and a replica has every link") {
    auto s = sentinel_services();
    if (!s)
        return;
    Bus bus(s->plain);
    EnvelopeSpec root, child, grandchild;
    child.parents = {root.event_id};
    grandchild.parents = {child.event_id};
    auto o = through_sentinels(bus.options(canonical(root) + "\n" + canonical(child) + "\n" +
                                           canonical(grandchild) + "\n"),
                               s->url);
    auto r = Bus::run_publish({"--require-tracking"}, o);
    REQUIRE_MESSAGE(r.status == 0, r.err);
    CHECK_FALSE(contains(r.err, "not written"));
    // Tracking waits for a replica (WAIT), so the replica has them already.
    for (int port : {s->master_port, s->replica_port}) {
        Redis redis("127.0.0.1", port);
        for (const auto* e : {&child, &grandchild})
            CHECK(
                redis.command({"EXISTS", "bloodbank:correlation:forward:" + e->event_id}).integer ==
                1);
        CHECK(redis
                  .command({"SISMEMBER", "bloodbank:correlation:reverse:" + root.event_id,
                            child.event_id})
                  .integer == 1);
    }
}

TEST_CASE("sentinel: bb-trace's queries and serve read through the sentinels") {
    auto s = sentinel_services();
    if (!s)
        return;
    auto f = master_fixture(*s);
    std::string a = f->event(), b = f->event(), c = f->event();
    f->link(b, {a});
    f->link(c, {b});
    auto o = through_sentinels(f->options(), s->url);
    auto ancestors = f->trace({"ancestors", c}, o);
    REQUIRE_MESSAGE(ancestors.status == 0, ancestors.err);
    CHECK(split_lines(ancestors.out) == std::vector<std::string>{a, b, c});
    auto descendants = f->trace({"descendants", a}, o);
    REQUIRE_MESSAGE(descendants.status == 0, descendants.err);
    CHECK(split_lines(descendants.out) == std::vector<std::string>{a, b, c});

    servetest::Server server = servetest::start_serve(*f, o);
    CHECK(servetest::get_body(server.port, "/debug/correlation/" + c + "/chain", 200) ==
          "{\"event_id\":\"" + c + "\",\"direction\":\"ancestors\",\"chain\":[\"" + a + "\",\"" +
              b + "\",\"" + c + "\"],\"count\":3}");
    CHECK(server.process->stop(SIGTERM) == 0);
}

TEST_CASE("sentinel: bb-consume --descends-from reads the known descendants through the "
          "sentinels") {
    auto s = sentinel_services();
    if (!s)
        return;
    check_descends_from(s->plain, [&](RunOptions o) { return through_sentinels(o, s->url); });
}

TEST_CASE("sentinel: no sentinel answering, an unknown master name and a replica named as the "
          "master are each a clear error, exit 69") {
    auto s = sentinel_services();
    if (!s)
        return;
    auto f = master_fixture(*s);
    std::string id = f->event();

    RefusedPort one, two;
    std::string down = "redis-sentinel://user:s3cret@127.0.0.1:" + std::to_string(one.port()) +
                       ",127.0.0.1:" + std::to_string(two.port()) + "/0#bloodbank";
    auto none = f->trace({"ancestors", id}, through_sentinels(f->options(), down));
    CHECK(none.status == 69);
    CHECK(contains(none.err, "no sentinel answered for master \"bloodbank\""));
    CHECK(contains(none.err, "127.0.0.1:" + std::to_string(one.port())));
    CHECK(contains(none.err, "127.0.0.1:" + std::to_string(two.port())));
    CHECK_FALSE(contains(none.err, "s3cret"));

    std::string unknown_url = s->url.substr(0, s->url.find('#')) + "#no-such-master";
    auto unknown = f->trace({"ancestors", id}, through_sentinels(f->options(), unknown_url));
    CHECK(unknown.status == 69);
    CHECK(contains(unknown.err, "know no master named \"no-such-master\""));

    FakeSentinel liar("127.0.0.1", s->replica_port);
    std::string replica_url =
        "redis-sentinel://127.0.0.1:" + std::to_string(liar.port()) + "/0#bloodbank";
    auto replica = f->trace({"ancestors", id}, through_sentinels(f->options(), replica_url));
    CHECK(replica.status == 69);
    CHECK(contains(replica.err, "master 127.0.0.1:" + std::to_string(s->replica_port)));
    CHECK(contains(replica.err, "says it is a slave; not writing to it"));
}

TEST_CASE("sentinel: a malformed URL is a usage error naming the part, and --show-config names "
          "the form") {
    auto s = sentinel_services();
    if (!s)
        return;
    auto f = master_fixture(*s);
    auto no_name = f->trace({"ancestors", f->event()},
                            through_sentinels(f->options(), "redis-sentinel://127.0.0.1:1/0"));
    CHECK(no_name.status == 64);
    CHECK(contains(no_name.err, "the master name is missing"));

    auto shown = f->trace({"--show-config"}, through_sentinels(f->options(), s->url));
    CHECK(shown.status == 0);
    CHECK(contains(shown.out, "REDIS_URL=" + s->url));
    CHECK(contains(shown.out, "# Redis: through Sentinel (sentinels, database, master name), all "
                              "from REDIS_URL (environment)"));
}

TEST_CASE("sentinel: redis-py's Sentinel client reads the links bb-publish wrote") {
    auto s = sentinel_services();
    if (!s)
        return;
    if (run({"/usr/bin/python3", "-c", "import redis.sentinel"}).status != 0) {
        skip_test("python3-redis is not installed (scripts/setup.sh installs it)");
        return;
    }
    Bus bus(s->plain);
    EnvelopeSpec root, child;
    child.parents = {root.event_id};
    auto o =
        through_sentinels(bus.options(canonical(root) + "\n" + canonical(child) + "\n"), s->url);
    auto r = Bus::run_publish({"--require-tracking"}, o);
    REQUIRE_MESSAGE(r.status == 0, r.err);

    // The sentinels' addresses from the URL, as redis-py wants them.
    std::string hosts = s->url.substr(s->url.find("//") + 2);
    hosts = hosts.substr(0, hosts.find('/'));
    std::string script =
        "import sys\n"
        "from redis.sentinel import Sentinel\n"
        "hosts = [(h.split(':')[0], int(h.split(':')[1])) for h in sys.argv[1].split(',')]\n"
        "master = Sentinel(hosts, socket_timeout=5).master_for('bloodbank', socket_timeout=5)\n"
        "print(sorted(m.decode() for m in master.smembers("
        "'bloodbank:correlation:reverse:' + sys.argv[2]))[0])\n"
        "print(master.get('bloodbank:correlation:forward:' + sys.argv[3]).decode())\n";
    auto py = run({"/usr/bin/python3", "-c", script, hosts, root.event_id, child.event_id});
    REQUIRE_MESSAGE(py.status == 0, py.err);
    auto lines = split_lines(py.out);
    REQUIRE(lines.size() == 2);
    CHECK(lines[0] == child.event_id);
    CHECK(contains(lines[1], "\"parent_event_ids\":[\"" + root.event_id + "\"]"));
}
