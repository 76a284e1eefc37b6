// What the spool and drain integration tests share: a broker that is down,
// an event spooled while it is, and reading what a spool folder holds.
#pragma once

#include "support/ports.hpp"
#include "test_bb_publish_support.hpp"

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <string>
#include <vector>

namespace bbtest::publish {

namespace fs = std::filesystem;

// A loopback URL that refuses connections for as long as this process runs:
// a broker that is down.
inline std::string closed_port_url() {
    static const RefusedPort down;
    return "amqp://guest:guest@127.0.0.1:" + std::to_string(down.port()) + "/";
}

// The bus's options with its broker out of reach.
inline RunOptions broker_down(const Bus& bus, const std::string& input) {
    RunOptions down = bus.options(input);
    down.env["RABBIT_URL"] = closed_port_url();
    return down;
}

// One event spooled while the broker is down; returns it.
inline EnvelopeSpec spool_one_event(const Bus& bus, const std::string& spool) {
    EnvelopeSpec e;
    RunResult r =
        Bus::run_publish({"--quiet", "--spool", spool}, broker_down(bus, canonical(e) + "\n"));
    REQUIRE(r.status == 75);
    return e;
}

inline std::vector<fs::path> segments_in(const fs::path& dir) {
    std::vector<fs::path> found;
    for (const auto& item : fs::directory_iterator(dir))
        if (item.path().filename().string()[0] != '.')
            found.push_back(item.path());
    std::sort(found.begin(), found.end());
    return found;
}

inline std::vector<std::string> hidden_files_in(const fs::path& dir) {
    std::vector<std::string> found;
    for (const auto& item : fs::directory_iterator(dir)) {
        std::string name = item.path().filename().string();
        if (name[0] == '.' && name != ".drain.lock")
            found.push_back(name);
    }
    return found;
}

inline std::string read_file(const fs::path& path) {
    std::ifstream in(path, std::ios::binary);
    return std::string(std::istreambuf_iterator<char>(in), {});
}

inline std::vector<std::string> ids_of(const std::vector<ReceivedMessage>& messages) {
    std::vector<std::string> ids;
    for (const auto& m : messages)
        ids.push_back(m.message_id.value_or(""));
    return ids;
}

inline bool contains(const std::string& text, const std::string& part) {
    return text.find(part) != std::string::npos;
}

} // namespace bbtest::publish
