#include "faults/consume_through.hpp"

#include <doctest/doctest.h>

#include <chrono>
#include <csignal>

using namespace std::chrono_literals;

namespace bbtest::faults {
namespace {

// The pid of bb-consume among the children of the shell whose pid is in `file`.
pid_t consumer_pid(const std::string& shell_pid_file) {
    std::string pid =
        run({"/bin/sh", "-c", "pgrep -P \"$(cat '" + shell_pid_file + "')\" -x bb-consume"}).out;
    REQUIRE(!pid.empty());
    return static_cast<pid_t>(std::stoi(pid));
}

} // namespace

std::map<std::string, int> line_counts(const std::string& path) {
    std::map<std::string, int> counts;
    for (const auto& line : consume::lines_of(consume::read_text(path)))
        ++counts[line];
    return counts;
}

std::string consume_through_fault(const std::string& rabbit_url, const publish::Bus& bus,
                                  const std::string& dir, const std::string& pipeline,
                                  std::size_t seen, const std::set<std::string>& expected,
                                  const std::function<void()>& fault) {
    Background shell({"/bin/sh", "-c", "echo $$ > '" + dir + "/shell'; " + pipeline},
                     bus.options(""));
    REQUIRE(wait_until([&] { return line_counts(dir + "/out").size() >= seen; }, 60s));
    pid_t consumer = consumer_pid(dir + "/shell");
    // The broker goes while events are still queued: mid-stream.
    CHECK(line_counts(dir + "/out").size() < expected.size());
    fault();
    bool all = wait_until(
        [&] {
            if (consume::read_text(dir + "/err").find("reconnected to") == std::string::npos)
                return false;
            auto got = line_counts(dir + "/out");
            if (got.size() < expected.size())
                return false;
            AmqpConsumer fresh(rabbit_url);
            return fresh.message_count(bus.queue) == 0;
        },
        180s);
    std::string err = consume::read_text(dir + "/err");
    INFO("bb-consume's stderr: " << err.substr(0, 3000));
    CHECK(all);
    CHECK(::kill(consumer, SIGTERM) == 0);
    CHECK(wait_until([&] { return !shell.running(); }, 30s));
    return consume::read_text(dir + "/err");
}

void check_once_at_least(const std::string& out_path, const std::set<std::string>& expected,
                         int window) {
    auto got = line_counts(out_path);
    std::size_t lost = 0;
    for (const auto& e : expected)
        lost += got.count(e) == 0;
    std::size_t unexpected = 0;
    int duplicated = 0;
    for (const auto& [line, n] : got) {
        unexpected += expected.count(line) == 0;
        duplicated += n - 1;
    }
    MESSAGE("lost " << lost << ", unexpected " << unexpected << ", duplicated " << duplicated);
    CHECK(lost == 0);
    CHECK(unexpected == 0);
    CHECK(duplicated <= window);
}

std::set<std::string> event_ids(const std::vector<std::string>& bodies) {
    std::set<std::string> ids;
    for (const auto& body : bodies) {
        auto at = body.find("\"event_id\":\"") + 12;
        ids.insert(body.substr(at, 36));
    }
    return ids;
}

} // namespace bbtest::faults
