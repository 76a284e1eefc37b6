// Shared by the bb-consume integration tests: a private exchange and durable
// queue (the Bus of the bb-publish tests), events published by the test's
// own AMQP client (not by bloodbank), and bb-consume run on that queue.
#pragma once

#include "support/background.hpp"
#include "test_bb_publish_support.hpp"

#include <filesystem>
#include <fstream>
#include <iterator>
#include <set>
#include <sstream>

namespace bbtest::consume {

using publish::Bus;
using publish::canonical;
using publish::EnvelopeSpec;

inline QueueOptions durable() {
    QueueOptions q;
    q.durable = true;
    return q;
}

// `count` canonical envelopes of type test.event, published to the bus's
// exchange with their event_id as message_id; returns the bodies in order.
inline std::vector<std::string> publish_events(Bus& bus, int count,
                                               const std::string& type = "test.event") {
    std::vector<std::string> bodies;
    for (int i = 0; i < count; ++i) {
        EnvelopeSpec e;
        e.event_type = type;
        e.payload = "{\"n\":" + std::to_string(i) + "}";
        bodies.push_back(canonical(e));
        bus.admin.publish(bus.exchange, type, bodies.back(), e.event_id);
    }
    bus.admin.wait_for_confirms();
    return bodies;
}

// bb-consume on the bus's queue; --idle-timeout 1 unless args say otherwise.
inline RunResult run_consume(const Bus& bus, std::vector<std::string> args,
                             const std::vector<std::string>& command = {}) {
    std::vector<std::string> argv{binary("bb-consume"), "--queue", bus.queue};
    bool idle = false;
    for (const auto& a : args)
        idle = idle || a == "--idle-timeout" || a == "--count";
    if (!idle)
        args.insert(args.end(), {"--idle-timeout", "1"});
    argv.insert(argv.end(), args.begin(), args.end());
    if (!command.empty()) {
        argv.push_back("--exec");
        argv.insert(argv.end(), command.begin(), command.end());
    }
    return run(argv, bus.options(""));
}

inline std::vector<std::string> lines_of(const std::string& text) {
    std::vector<std::string> lines;
    std::istringstream in(text);
    for (std::string line; std::getline(in, line);)
        lines.push_back(line);
    return lines;
}

// A shell script in `dir` with `body`, executable; returns its path.
inline std::string script(const std::string& dir, const std::string& name,
                          const std::string& body) {
    std::string path = dir + "/" + name;
    std::ofstream(path) << "#!/bin/sh\n" << body;
    std::filesystem::permissions(path, std::filesystem::perms::owner_all);
    return path;
}

inline std::string read_text(const std::string& path) {
    std::ifstream in(path);
    return {std::istreambuf_iterator<char>(in), {}};
}

} // namespace bbtest::consume
