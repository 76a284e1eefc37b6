// Numeric flags given a negative value are refused with the value as typed,
// not with the huge number it would wrap to. No servers needed: the flags
// are checked before anything is read or connected to.
#include "support/process.hpp"

#include <doctest/doctest.h>

#include <string>

namespace {

bbtest::RunResult run(std::vector<std::string> argv) {
    argv[0] = bbtest::binary(argv[0]);
    bbtest::RunOptions options;
    options.unset_env = {"RABBIT_URL", "REDIS_URL", "REDIS_HOST"};
    return bbtest::run(argv, options);
}

} // namespace

TEST_CASE("bb-publish: a negative --max-in-flight or --max-line-bytes is named as given") {
    auto window = run({"bb-publish", "--dry-run", "--max-in-flight", "-5"});
    CHECK(window.status == 64);
    CHECK(window.err == "bb-publish: --max-in-flight: -5 is not between 1 and 65535\n");
    auto line = run({"bb-publish", "--dry-run", "--max-line-bytes=-1"});
    CHECK(line.status == 64);
    CHECK(line.err == "bb-publish: --max-line-bytes: -1 is not between 1 and 1073741824\n");
    CHECK(line.out.empty());
}

TEST_CASE("bb-trace: a negative --max-nodes is named as given") {
    auto r = run({"bb-trace", "--max-nodes", "-5", "00000000-0000-4000-8000-000000000001"});
    CHECK(r.status == 64);
    CHECK(r.err.find("-5") != std::string::npos);
    CHECK(r.err.find("18446744073709551611") == std::string::npos);
}
