// Correlation tracking across a Redis outage: bb-publish streams to the
// shared RabbitMQ with tracking pointed at a Redis of this test's own, which
// the test pauses (SIGSTOP for 2 s) or kills and starts again on the same
// port while the stream runs. Afterwards every event's records are looked up
// in Redis: each one is there, or counted in the final "not written" warning.
// This Redis appends and fsyncs every write (appendfsync always) before it
// answers, so what was acknowledged before a SIGKILL is still there after.
#include "faults/paced_writer.hpp"
#include "integration/test_bb_publish_support.hpp"
#include "support/background.hpp"
#include "support/lines.hpp"
#include "support/redis.hpp"
#include "support/temp_dir.hpp"

#include <doctest/doctest.h>

#include <chrono>
#include <csignal>
#include <optional>
#include <regex>
#include <thread>

using namespace bbtest;
using namespace bbtest::publish;
using namespace std::chrono_literals;

namespace {

constexpr int redis_port = BB_TRACKING_FAULTS_REDIS_PORT;
constexpr std::size_t events = 20000;
constexpr double lines_per_second = 5000;

// redis-server on 127.0.0.1:redis_port with its data in `dir`, stopped by pid
// (env finds it on PATH and becomes it: the pid is the server's).
class OwnRedis {
public:
    explicit OwnRedis(std::string dir) : dir_(std::move(dir)) { start(); }
    void start() {
        server_.emplace(std::vector<std::string>{
            "/usr/bin/env", "redis-server", "--bind", "127.0.0.1", "--port",
            std::to_string(redis_port), "--save", "", "--appendonly", "yes", "--appendfsync",
            "always", "--dir", dir_, "--daemonize", "no"});
        bool up = wait_until(
            [] {
                try {
                    return Redis("127.0.0.1", redis_port).command({"PING"}).str == "PONG";
                } catch (...) {
                    return false;
                }
            },
            10s);
        REQUIRE_MESSAGE(up, "redis-server did not start on port " << redis_port);
    }
    void kill() { server_->stop(SIGKILL); }
    pid_t pid() const { return server_->pid(); }

private:
    std::string dir_;
    std::optional<Background> server_;
};

// Parent -> child pairs: every event but the first has the one before as its
// parent, so each event makes one link.
std::vector<EnvelopeSpec> chain(std::size_t count) {
    std::vector<EnvelopeSpec> specs(count);
    specs[0].parents = {random_uuid()};
    for (std::size_t i = 1; i < count; ++i)
        specs[i].parents = {specs[i - 1].event_id};
    return specs;
}

struct Counted {
    std::size_t event_records = 0; // bloodbank:event:{id} present
    std::size_t links = 0;         // forward record present
    std::size_t links_not_written = 0;
    std::size_t events_not_written = 0;
};

Counted count(const std::vector<EnvelopeSpec>& specs, const std::string& err) {
    Counted c;
    Redis redis("127.0.0.1", redis_port);
    for (const auto& e : specs) {
        c.event_records += redis.command({"EXISTS", "bloodbank:event:" + e.event_id}).integer;
        c.links += redis.command({"EXISTS", "bloodbank:correlation:forward:" + e.event_id}).integer;
    }
    static const std::regex warning(R"((\d+) links? and (\d+) event records? not written)");
    std::smatch m;
    if (std::regex_search(err, m, warning)) {
        c.links_not_written = std::stoul(m[1]);
        c.events_not_written = std::stoul(m[2]);
    }
    return c;
}

// Streams `events` chained envelopes through a FIFO into bb-publish with
// tracking on, calls `fault` once `at` lines are written, then checks the
// count. Returns bb-publish's stderr.
template <class Fault> std::string stream_through(const char* name, Fault fault) {
    auto s = services();
    if (!s)
        return {};
    Bus bus(*s);
    auto specs = chain(events);
    std::vector<std::string> lines;
    for (const auto& e : specs)
        lines.push_back(canonical(e));
    std::string fifo = faults::make_fifo(bus.cwd);
    RunOptions o = bus.options("");
    o.env["REDIS_HOST"] = "127.0.0.1";
    o.env["REDIS_PORT"] = std::to_string(redis_port);
    std::size_t at = events / 4;
    faults::PacedWriter writer(fifo, lines, lines_per_second, at);
    Background publisher({binary("bb-publish"), "--file", fifo}, o);
    REQUIRE(wait_until([&] { return writer.written() >= at; }, 30s));
    // The fault strikes while events keep coming, so that tracking has writes
    // in flight or queued during the outage (an idle stream would not notice).
    writer.release();
    fault();
    REQUIRE(wait_until([&] { return !publisher.running(); }, 120s));
    int status = publisher.stop(SIGKILL);
    std::string err = publisher.err();
    CHECK(status == 0);
    CHECK(split_lines(publisher.out()).size() == events);
    CHECK(bus.admin.drain(bus.queue).size() == events);

    Counted c = count(specs, err);
    MESSAGE(std::string(name) << ": events " << events << ", links written " << c.links
                              << ", event records " << c.event_records << ", reported not written "
                              << c.links_not_written << " links and " << c.events_not_written
                              << " event records\nstderr:\n"
                              << err);
    // Exact: each event is either in Redis or counted as not written.
    CHECK(c.links + c.links_not_written == events);
    CHECK(c.event_records + c.events_not_written == events);
    // The retry buffer holds far more than an outage of a few seconds makes.
    CHECK(c.links == events);
    CHECK(c.event_records == events);
    // Told as it happened: the loss, then the recovery.
    auto lost =
        err.find("warning: tracking: Redis at redis://127.0.0.1:" + std::to_string(redis_port));
    auto back = err.find("tracking: Redis back after ");
    CHECK(lost != std::string::npos);
    CHECK(back != std::string::npos);
    CHECK(lost < back);
    return err;
}

} // namespace

TEST_CASE("tracking outage: Redis paused for 2 s mid-stream, every link still written") {
    TempDir dir;
    OwnRedis redis(dir.path().string());
    stream_through("paused", [&] {
        REQUIRE(::kill(redis.pid(), SIGSTOP) == 0);
        std::this_thread::sleep_for(2s);
        REQUIRE(::kill(redis.pid(), SIGCONT) == 0);
    });
    redis.kill();
}

TEST_CASE("tracking outage: Redis killed and restarted mid-stream, every link still written") {
    TempDir dir;
    OwnRedis redis(dir.path().string());
    stream_through("restarted", [&] {
        redis.kill();
        std::this_thread::sleep_for(1s);
        redis.start();
    });
    redis.kill();
}
