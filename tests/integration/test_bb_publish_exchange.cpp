// An exchange that cannot be used ends bb-publish before it reads any input,
// the same way on every run: the records stay in stdin for the next try.
// stdin is a file whose offset the test shares with the child, so "nothing
// read" is measured, not inferred from the output.
#include "support/skip.hpp"
#include "support/temp_dir.hpp"
#include "test_bb_publish_support.hpp"

#include <cstdio>
#include <fcntl.h>
#include <filesystem>
#include <unistd.h>

using namespace bbtest;
using namespace bbtest::publish;

namespace {

constexpr int runs = 10;

// Several records, so that a run which starts reading shows it.
std::string three_events() {
    std::string input;
    for (int i = 0; i < 3; ++i)
        input += canonical(EnvelopeSpec{}) + "\n";
    return input;
}

// A file holding `text`, open for reading at offset 0.
int input_file(const std::string& dir, const std::string& text) {
    std::string path = dir + "/input.ndjson";
    std::FILE* f = std::fopen(path.c_str(), "w");
    REQUIRE(f);
    std::fwrite(text.data(), 1, text.size(), f);
    std::fclose(f);
    int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
    REQUIRE(fd >= 0);
    return fd;
}

struct Observed {
    RunResult result;
    off_t read = -1; // bytes the child took from its stdin
};

// bb-publish --report (and `more`) with stdin on `fd`'s file, rewound first;
// the child shares the file offset, so it tells how much it read.
Observed publish_from_file(int fd, RunOptions o, std::vector<std::string> more = {}) {
    REQUIRE(::lseek(fd, 0, SEEK_SET) == 0);
    o.input.clear();
    o.stdin_fd = ::dup(fd);
    Observed seen;
    more.insert(more.begin(), "--report");
    seen.result = Bus::run_publish(more, o);
    seen.read = ::lseek(fd, 0, SEEK_CUR);
    return seen;
}

// Runs bb-publish `runs` times on the input of `fd`: every run must end with
// 69 and the broker's `reason`, nothing read, nothing reported, nothing kept
// in a spool.
void check_refused_before_input(int fd, const RunOptions& o, const std::vector<std::string>& more,
                                const std::string& reason) {
    for (int i = 0; i < runs; ++i) {
        CAPTURE(i);
        Observed seen = publish_from_file(fd, o, more);
        CHECK(seen.result.status == 69);
        CHECK(seen.read == 0);
        CHECK(seen.result.out.empty()); // no report line: no record was taken
        CHECK(seen.result.err.find(reason) != std::string::npos);
        CHECK(seen.result.err.find("keeping the events in the spool") == std::string::npos);
    }
}

} // namespace

TEST_CASE("bb-publish exchange: an empty EXCHANGE_NAME is a usage error before any input") {
    auto s = services();
    if (!s)
        return;
    Bus bus(*s);
    int fd = input_file(bus.cwd, three_events());
    auto o = bus.options("");
    o.env["EXCHANGE_NAME"] = "";
    for (int i = 0; i < runs; ++i) {
        CAPTURE(i);
        Observed seen = publish_from_file(fd, o);
        CHECK(seen.result.status == 64);
        CHECK(seen.read == 0);
        CHECK(seen.result.out.empty());
        CHECK(seen.result.err.find("EXCHANGE_NAME= (environment): empty") != std::string::npos);
    }
    ::close(fd);
    CHECK(bus.admin.drain(bus.queue).empty());
}

// With a spool too: a spool is for a broker that cannot be reached, not for
// one that refuses the exchange; spooling would only defer the configuration
// error while events pile up that no drain could deliver.
TEST_CASE("bb-publish exchange: one of another type ends every run before any input, exit 69, "
          "with a spool too") {
    auto s = services();
    if (!s)
        return;
    Bus bus(*s, false);
    std::string fanout = unique_name("fanout");
    bus.admin.declare_exchange(fanout, "fanout");
    bus.admin.declare_queue(bus.queue);
    bus.admin.bind(bus.queue, fanout);
    int fd = input_file(bus.cwd, three_events());
    auto o = bus.options("");
    o.env["EXCHANGE_NAME"] = fanout;
    check_refused_before_input(fd, o, {}, "PRECONDITION_FAILED - inequivalent arg 'type'");
    TempDir tmp("bb-spool");
    std::string spool = tmp.file("spool");
    check_refused_before_input(fd, o, {"--spool", spool},
                               "PRECONDITION_FAILED - inequivalent arg 'type'");
    // The folder may have been made and checked, but it holds no segment.
    if (std::filesystem::exists(spool))
        CHECK(std::filesystem::is_empty(spool));
    ::close(fd);
    CHECK(bus.admin.drain(bus.queue).empty());
    bus.admin.delete_exchange(fanout);
}

TEST_CASE("bb-publish exchange: a missing one with --no-declare ends every run before any input") {
    auto s = services();
    if (!s)
        return;
    Bus bus(*s, false);
    int fd = input_file(bus.cwd, three_events());
    auto o = bus.options("");
    o.env["EXCHANGE_NAME"] = unique_name("missing");
    check_refused_before_input(fd, o, {"--no-declare"}, "NOT_FOUND - no exchange");
    ::close(fd);
}
