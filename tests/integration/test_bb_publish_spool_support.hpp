// What the spool and drain integration tests share: a bus with a spool
// folder, a broker that is down, an event spooled while it is, the file a
// killed writer leaves, and reading what a spool folder holds.
#pragma once

#include "support/ports.hpp"
#include "support/temp_dir.hpp"
#include "test_bb_publish_support.hpp"

#include <algorithm>
#include <ctime>
#include <fcntl.h>
#include <filesystem>
#include <fstream>
#include <string>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>
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

// A bus and a spool folder of its own (made by the first run that spools),
// removed with its temporary directory.
struct SpoolBus : Bus {
    explicit SpoolBus(const Services& s, bool bind_queue = true) : Bus(s, bind_queue) {}
    TempDir tmp{"bb-spool"};
    const std::string spool = tmp.file("spool");
};

// One event spooled while the broker is down; returns it.
inline EnvelopeSpec spool_one_event(const Bus& bus, const std::string& spool) {
    EnvelopeSpec e;
    RunResult r =
        Bus::run_publish({"--quiet", "--spool", spool}, broker_down(bus, canonical(e) + "\n"));
    REQUIRE(r.status == 75);
    return e;
}

// What a bb-publish killed with SIGKILL leaves in `spool`: its unfinished
// segment, holding `text`, of a pid that no longer runs, untouched for an
// hour (no live writer is behind it).
inline void leave_dead_writers_file(const std::string& spool, const std::string& text) {
    pid_t gone = ::fork();
    REQUIRE(gone >= 0);
    if (gone == 0)
        ::_exit(0);
    REQUIRE(::waitpid(gone, nullptr, 0) == gone);
    std::string orphan = spool + "/.tmp-" + std::to_string(gone) + "-1";
    std::ofstream(orphan, std::ios::binary) << text;
    timespec old[2] = {{::time(nullptr) - 3600, 0}, {::time(nullptr) - 3600, 0}};
    REQUIRE(::utimensat(AT_FDCWD, orphan.c_str(), old, 0) == 0);
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
