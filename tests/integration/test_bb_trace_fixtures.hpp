// Fixtures for the bb-trace tests: events and links written into the real
// test Redis exactly in the Python tracker's layout (DESIGN §3), spelled out
// here independently of libbloodbank's key builders and encoders. Every id
// is a fresh random UUID, so parallel tests never share keys; every key
// written is deleted when the fixture goes.
#pragma once

#include "support/process.hpp"
#include "support/redis.hpp"
#include "support/services.hpp"

#include "bloodbank/redis.hpp"
#include "bloodbank/uuid.hpp"

#include <doctest/doctest.h>

#include <chrono>
#include <filesystem>
#include <memory>
#include <optional>
#include <string>
#include <vector>

namespace tracetest {

inline constexpr long ttl_seconds = 3600;

class Fixture {
public:
    explicit Fixture(const bbtest::Services& services)
        : services_(services), redis_(services.redis_host, services.redis_port),
          cwd_(bbtest::make_temp_dir()) {}
    ~Fixture() {
        for (const auto& key : keys_)
            redis_.command({"DEL", key});
        std::error_code ignored;
        std::filesystem::remove_all(cwd_, ignored);
    }
    Fixture(const Fixture&) = delete;
    Fixture& operator=(const Fixture&) = delete;

    bbtest::Redis& redis() { return redis_; }
    const bbtest::Services& services() const { return services_; }

    // A fresh id, as text.
    std::string event() { return bb::uuid_v4().str(); }

    static std::string forward(const std::string& child) {
        return "bloodbank:correlation:forward:" + child;
    }
    static std::string reverse(const std::string& parent) {
        return "bloodbank:correlation:reverse:" + parent;
    }
    static std::string summary_key(const std::string& id) { return "bloodbank:event:" + id; }

    // What the Python add_correlation writes, byte for byte: SETEX of the
    // orjson record, then SADD + EXPIRE per parent, in one MULTI/EXEC.
    void link(const std::string& child, const std::vector<std::string>& parents,
              const std::string& metadata_json = "{}",
              const std::string& created_at = "2025-10-18T14:03:07.123456") {
        std::string record = "{\"parent_event_ids\":[";
        for (std::size_t i = 0; i < parents.size(); ++i)
            record += (i ? ",\"" : "\"") + parents[i] + "\"";
        record += "],\"created_at\":\"" + created_at + "\",\"metadata\":" + metadata_json + "}";
        redis_.command({"MULTI"});
        redis_.command({"SETEX", forward(child), std::to_string(ttl_seconds), record});
        keys_.push_back(forward(child));
        for (const auto& parent : parents) {
            redis_.command({"SADD", reverse(parent), child});
            redis_.command({"EXPIRE", reverse(parent), std::to_string(ttl_seconds)});
            keys_.push_back(reverse(parent));
        }
        auto exec = redis_.command({"EXEC"});
        REQUIRE(exec.type == REDIS_REPLY_ARRAY);
    }

    // What bb-publish adds for every event (our extension).
    void summary(const std::string& id, const std::string& type, const std::string& timestamp,
                 const std::string& app = "demo", const std::string& host = "host1",
                 const std::string& source_type = "manual") {
        redis_.command({"HSET", summary_key(id), "event_type", type, "timestamp", timestamp,
                        "source_host", host, "source_app", app, "source_type", source_type});
        redis_.command({"EXPIRE", summary_key(id), std::to_string(ttl_seconds)});
        keys_.push_back(summary_key(id));
    }

    void remember_key(const std::string& key) { keys_.push_back(key); }

    bb::RedisTarget target() const {
        bb::RedisTarget t;
        t.host = services_.redis_host;
        t.port = services_.redis_port;
        return t;
    }
    bb::RedisConnection connect() {
        auto connection = bb::RedisConnection::connect(target(), std::chrono::seconds(5));
        REQUIRE_MESSAGE(connection, connection.error().message);
        return std::move(*connection);
    }

    // The environment bb-trace runs with: this Redis, nothing from the
    // developer's shell that would change the output, and an empty working
    // directory (no .env).
    bbtest::RunOptions options() const {
        bbtest::RunOptions o;
        o.env["REDIS_HOST"] = services_.redis_host;
        o.env["REDIS_PORT"] = std::to_string(services_.redis_port);
        o.unset_env = {"REDIS_URL", "REDIS_DB",     "REDIS_PASSWORD",
                       "NO_COLOR",  "PAGER",        "HTTP_HOST",
                       "HTTP_PORT", "SERVICE_NAME", "CORRELATION_TTL_DAYS"};
        o.cwd = cwd_;
        return o;
    }

    bbtest::RunResult trace(std::vector<std::string> args,
                            std::optional<bbtest::RunOptions> custom = std::nullopt) {
        args.insert(args.begin(), bbtest::binary("bb-trace"));
        return bbtest::run(args, custom ? *custom : options());
    }

private:
    bbtest::Services services_;
    bbtest::Redis redis_;
    std::string cwd_;
    std::vector<std::string> keys_;
};

// nullptr without services, after bbtest::services() skipped the test case
// (or failed it under CI=true).
inline std::unique_ptr<Fixture> fixture() {
    auto services = bbtest::services();
    if (!services)
        return nullptr;
    return std::make_unique<Fixture>(*services);
}

} // namespace tracetest
