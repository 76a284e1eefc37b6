// Shared by the bb-publish integration tests: a private exchange with a queue
// bound to it with '#', canonical envelopes written by hand from DESIGN §3
// (so expected bytes do not come from the code under test), and running the
// binary with a clean environment.
#pragma once

#include "support/amqp_consumer.hpp"
#include "support/process.hpp"
#include "support/services.hpp"

#include <doctest/doctest.h>

#include <ctime>
#include <filesystem>
#include <optional>
#include <random>
#include <sstream>
#include <string>
#include <system_error>
#include <vector>

namespace bbtest::publish {

// A random v4 UUID, made here rather than by the library.
inline std::string random_uuid() {
    static std::mt19937_64 rng{std::random_device{}()};
    unsigned char b[16];
    for (int i = 0; i < 16; i += 8) {
        auto r = rng();
        for (int j = 0; j < 8; ++j)
            b[i + j] = static_cast<unsigned char>(r >> (8 * j));
    }
    b[6] = static_cast<unsigned char>((b[6] & 0x0f) | 0x40);
    b[8] = static_cast<unsigned char>((b[8] & 0x3f) | 0x80);
    char s[37];
    snprintf(s, sizeof s, "%02x%02x%02x%02x-%02x%02x-%02x%02x-%02x%02x-%02x%02x%02x%02x%02x%02x",
             b[0], b[1], b[2], b[3], b[4], b[5], b[6], b[7], b[8], b[9], b[10], b[11], b[12], b[13],
             b[14], b[15]);
    return s;
}

struct EnvelopeSpec {
    std::string event_id = random_uuid();
    std::string event_type = "test.event";
    std::string timestamp = "2025-10-18T14:03:07.123456+00:00";
    std::string host = "test-host";
    std::string source_type = "manual";
    std::optional<std::string> app;
    std::vector<std::string> parents;
    std::string payload = "{\"n\":1}";
};

// The envelope in the canonical form (DESIGN §3 key order, compact, nulls
// included): what bb-publish must send unchanged for a complete input.
inline std::string canonical(const EnvelopeSpec& e) {
    std::string parents;
    for (const auto& p : e.parents)
        parents += (parents.empty() ? "\"" : ",\"") + p + "\"";
    return "{\"event_id\":\"" + e.event_id + "\",\"event_type\":\"" + e.event_type +
           "\",\"timestamp\":\"" + e.timestamp +
           "\",\"version\":\"1.0.0\",\"source\":{\"host\":\"" + e.host + "\",\"type\":\"" +
           e.source_type + "\",\"app\":" + (e.app ? "\"" + *e.app + "\"" : "null") +
           ",\"meta\":null},\"correlation_ids\":[" + parents +
           "],\"agent_context\":null,\"payload\":" + e.payload + "}";
}

// Seconds since the epoch of a UTC calendar time, by the C library.
inline std::uint64_t epoch(int y, int mo, int d, int h, int mi, int s) {
    std::tm tm{};
    tm.tm_year = y - 1900;
    tm.tm_mon = mo - 1;
    tm.tm_mday = d;
    tm.tm_hour = h;
    tm.tm_min = mi;
    tm.tm_sec = s;
    return static_cast<std::uint64_t>(timegm(&tm));
}

// An exchange of our own with one durable-looking queue bound with '#'.
struct Bus {
    Services services;
    AmqpConsumer admin;
    std::string exchange = unique_name("ex");
    std::string queue = unique_name("q");
    std::string cwd = make_temp_dir(); // no .env here

    explicit Bus(const Services& s, bool bind_queue = true, const QueueOptions& q = {})
        : services(s), admin(s.rabbit_url) {
        admin.declare_exchange(exchange);
        if (bind_queue) {
            admin.declare_queue(queue, q);
            admin.bind(queue, exchange);
        }
    }
    ~Bus() {
        try {
            admin.delete_queue(queue);
        } catch (...) {
        }
        try {
            admin.delete_exchange(exchange);
        } catch (...) {
        }
        std::error_code ignored; // a leftover temporary folder fails no test
        std::filesystem::remove_all(cwd, ignored);
    }

    // bb-publish with this bus's broker and exchange, no Redis unless asked.
    RunOptions options(const std::string& input) const {
        RunOptions o;
        o.input = input;
        o.cwd = cwd;
        o.env = {{"RABBIT_URL", services.rabbit_url}, {"EXCHANGE_NAME", exchange}};
        o.unset_env = {"REDIS_URL", "REDIS_HOST",     "REDIS_PORT",
                       "REDIS_DB",  "REDIS_PASSWORD", "CORRELATION_TTL_DAYS"};
        return o;
    }
    RunResult publish(const std::vector<std::string>& args, const std::string& input) const {
        return run_publish(args, options(input));
    }
    static RunResult run_publish(const std::vector<std::string>& args, const RunOptions& o) {
        std::vector<std::string> argv{binary("bb-publish")};
        argv.insert(argv.end(), args.begin(), args.end());
        return run(argv, o);
    }
};

} // namespace bbtest::publish
