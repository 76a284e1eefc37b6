// The test harness's run(): a command that hangs is killed at its limit and
// named on stderr, so that a hang fails its own test at once instead of
// holding the suite until ctest's timeout.
#include "support/process.hpp"

#include <doctest/doctest.h>

#include <chrono>

using namespace bbtest;
using namespace std::chrono_literals;

TEST_CASE("test harness: a command still running at its limit is killed and named") {
    RunOptions options;
    options.limit = 1s;
    auto start = std::chrono::steady_clock::now();
    RunResult r = run({"/bin/sleep", "60"}, options);
    CHECK(std::chrono::steady_clock::now() - start < 30s);
    CHECK(r.status == 128 + 9);
    CHECK(r.err.find("/bin/sleep killed: still running after 1 s") != std::string::npos);
}

TEST_CASE("test harness: a killed command's leftover child holding the output does not hold run") {
    RunOptions options;
    options.limit = 1s;
    auto start = std::chrono::steady_clock::now();
    // The shell is killed; the sleep it started keeps stdout open for 8 s
    // more, and run() stops reading after 5.
    RunResult r = run({"/bin/sh", "-c", "sleep 8 & wait"}, options);
    CHECK(std::chrono::steady_clock::now() - start < 8s);
    CHECK(r.status == 128 + 9);
}

TEST_CASE("test harness: a command that ends in time is not touched") {
    RunResult r = run({"/bin/sh", "-c", "echo out; echo err >&2; exit 3"});
    CHECK(r.status == 3);
    CHECK(r.out == "out\n");
    CHECK(r.err == "err\n");
}
