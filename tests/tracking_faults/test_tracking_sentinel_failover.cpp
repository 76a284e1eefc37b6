// Tracking through Sentinel across a failover: a Redis master, its replica
// and three sentinels of this test's own (ports from
// BB_SENTINEL_FAULTS_PORT, stopped by pid), while bb-publish streams 10,000
// chained events to the shared RabbitMQ with tracking through the sentinels.
// Mid-stream the master is failed over by SENTINEL FAILOVER, or killed with
// SIGKILL so that the sentinels promote the replica. Afterwards every link
// bb-publish did not report as not written is readable from the new master.
#include "faults/paced_writer.hpp"
#include "integration/test_bb_publish_support.hpp"
#include "support/background.hpp"
#include "support/lines.hpp"
#include "support/redis.hpp"
#include "support/temp_dir.hpp"

#include <doctest/doctest.h>

#include <chrono>
#include <csignal>
#include <fstream>
#include <optional>
#include <regex>
#include <thread>

using namespace bbtest;
using namespace bbtest::publish;
using namespace std::chrono_literals;

namespace {

constexpr int master_port = BB_SENTINEL_FAULTS_PORT;
constexpr int replica_port = master_port + 1;
constexpr int first_sentinel_port = master_port + 2;
constexpr std::size_t events = 10000;
constexpr double lines_per_second = 2000;
const std::string master_name = "bloodbank-faults";

bool answers(int port) {
    try {
        return Redis("127.0.0.1", port).command({"PING"}).str == "PONG";
    } catch (...) {
        return false;
    }
}

// The master, its replica and three sentinels (quorum 2, master down after
// one second), each a child of the test, stopped by pid when it goes.
class SentinelSet {
public:
    explicit SentinelSet(const TempDir& dir) {
        servers_.emplace_back(server(dir, master_port, {}));
        servers_.emplace_back(
            server(dir, replica_port, {"--replicaof", "127.0.0.1", std::to_string(master_port)}));
        for (int i = 0; i < 3; ++i) {
            int port = first_sentinel_port + i;
            std::string conf = dir.file("sentinel-" + std::to_string(port) + ".conf");
            std::ofstream(conf) << "bind 127.0.0.1\nport " << port << "\ndir "
                                << dir.path().string() << "\nsentinel monitor " << master_name
                                << " 127.0.0.1 " << master_port << " 2\n"
                                << "sentinel down-after-milliseconds " << master_name << " 1000\n"
                                << "sentinel failover-timeout " << master_name << " 10000\n";
            servers_.emplace_back(std::make_unique<Background>(
                std::vector<std::string>{"/usr/bin/env", "redis-server", conf, "--sentinel"}));
            REQUIRE_MESSAGE(wait_until([port] { return answers(port); }, 10s),
                            "the sentinel on port "
                                << port << " does not answer: " << servers_.back()->out());
        }
        // Ready once the replica is in sync and every sentinel knows of it
        // and of the other two sentinels: only then can they fail over.
        bool ready = wait_until(
            [] {
                try {
                    if (Redis("127.0.0.1", replica_port)
                            .command({"INFO", "replication"})
                            .str.find("master_link_status:up") == std::string::npos)
                        return false;
                    for (int i = 0; i < 3; ++i) {
                        Redis sentinel("127.0.0.1", first_sentinel_port + i);
                        auto info = sentinel.command({"SENTINEL", "MASTER", master_name});
                        auto field = [&](const std::string& name) {
                            for (std::size_t k = 0; k + 1 < info.elements.size(); k += 2)
                                if (info.elements[k] == name)
                                    return info.elements[k + 1];
                            return std::string();
                        };
                        if (field("num-slaves") != "1" || field("num-other-sentinels") != "2")
                            return false;
                    }
                    return true;
                } catch (...) {
                    return false;
                }
            },
            60s);
        REQUIRE_MESSAGE(ready, "the sentinel set did not come up on ports " << master_port << "-"
                                                                            << master_port + 4);
    }

    std::string url() const {
        std::string url = "redis-sentinel://";
        for (int i = 0; i < 3; ++i)
            url += (i ? ",127.0.0.1:" : "127.0.0.1:") + std::to_string(first_sentinel_port + i);
        return url + "/0#" + master_name;
    }
    Background& master() { return *servers_[0]; }

    // The master's port as the first sentinel that answers names it.
    static int current_master_port() {
        for (int i = 0; i < 3; ++i) {
            try {
                auto reply = Redis("127.0.0.1", first_sentinel_port + i)
                                 .command({"SENTINEL", "get-master-addr-by-name", master_name});
                if (reply.elements.size() == 2)
                    return std::stoi(reply.elements[1]);
            } catch (...) {
            }
        }
        return 0;
    }

private:
    static std::unique_ptr<Background> server(const TempDir& dir, int port,
                                              std::vector<std::string> extra) {
        std::string data = dir.file("data-" + std::to_string(port));
        std::filesystem::create_directories(data);
        std::vector<std::string> argv{"/usr/bin/env", "redis-server",
                                      "--bind",       "127.0.0.1",
                                      "--port",       std::to_string(port),
                                      "--save",       "",
                                      "--appendonly", "no",
                                      "--dir",        data};
        argv.insert(argv.end(), extra.begin(), extra.end());
        auto process = std::make_unique<Background>(argv);
        REQUIRE_MESSAGE(wait_until([port] { return answers(port); }, 10s),
                        "redis-server did not start on port " << port);
        return process;
    }

    std::vector<std::unique_ptr<Background>> servers_;
};

std::vector<EnvelopeSpec> chain(std::size_t count) {
    std::vector<EnvelopeSpec> specs(count);
    specs[0].parents = {random_uuid()};
    for (std::size_t i = 1; i < count; ++i)
        specs[i].parents = {specs[i - 1].event_id};
    return specs;
}

std::size_t links_not_written(const std::string& err) {
    static const std::regex warning(R"((\d+) links? and \d+ event records? not written)");
    std::smatch m;
    return std::regex_search(err, m, warning) ? std::stoul(m[1]) : 0;
}

// Streams the chain through a FIFO into bb-publish with tracking through the
// sentinels, strikes with `fault` a quarter of the way in, then counts the
// links on the master the sentinels name afterwards.
template <class Fault> void failover_during_stream(const char* name, Fault fault) {
    auto s = services();
    if (!s)
        return;
    TempDir dir;
    SentinelSet set(dir);
    Bus bus(*s);
    auto specs = chain(events);
    std::vector<std::string> lines;
    for (const auto& e : specs)
        lines.push_back(canonical(e));
    std::string fifo = faults::make_fifo(bus.cwd);
    RunOptions o = bus.options("");
    o.env["REDIS_URL"] = set.url();
    std::size_t at = events / 4;
    faults::PacedWriter writer(fifo, lines, lines_per_second, at);
    Background publisher({binary("bb-publish"), "--file", fifo}, o);
    REQUIRE(wait_until([&] { return writer.written() >= at; }, 30s));
    writer.release();
    fault(set);
    REQUIRE(wait_until([&] { return !publisher.running(); }, 180s));
    int status = publisher.stop(SIGKILL);
    std::string err = publisher.err();
    CHECK(status == 0);
    CHECK(split_lines(publisher.out()).size() == events);
    CHECK(bus.admin.drain(bus.queue).size() == events);

    int now_master = SentinelSet::current_master_port();
    CHECK(now_master == replica_port); // the replica was promoted
    Redis master("127.0.0.1", now_master);
    CHECK(master.command({"ROLE"}).elements.front() == "master");
    std::size_t readable = 0;
    for (const auto& e : specs)
        readable += static_cast<std::size_t>(
            master.command({"EXISTS", "bloodbank:correlation:forward:" + e.event_id}).integer);
    std::size_t not_written = links_not_written(err);
    MESSAGE(name << ": events " << events << ", links readable on the new master " << readable
                 << ", reported not written " << not_written << "\nstderr:\n"
                 << err);
    // Every link reported written is there: at most the ones reported not
    // written are missing.
    CHECK(readable + not_written >= events);
    CHECK(readable > 0);
}

} // namespace

TEST_CASE("tracking through Sentinel: SENTINEL FAILOVER mid-stream, every link reported written "
          "is on the new master") {
    failover_during_stream("failover", [](SentinelSet&) {
        auto reply =
            Redis("127.0.0.1", first_sentinel_port).command({"SENTINEL", "FAILOVER", master_name});
        REQUIRE_MESSAGE(reply.str == "OK", reply.str);
    });
}

TEST_CASE("tracking through Sentinel: the master killed (SIGKILL) mid-stream, every link reported "
          "written is on the promoted replica") {
    failover_during_stream("kill -9", [](SentinelSet& set) { set.master().stop(SIGKILL); });
}
