// The spool on a full disk (a 1 MiB tmpfs) while no broker can be reached:
// bb-publish exits 74 naming the first input line it could not keep, leaves
// no temporary file, and the segments it did write are whole and hold
// exactly the events of the lines before that one.
#include "faults/report.hpp"
#include "faults/spool_dir.hpp"
#include "faults/stream_input.hpp"
#include "faults/tmpfs_mount.hpp"
#include "support/lines.hpp"
#include "support/ports.hpp"
#include "support/process.hpp"
#include "support/skip.hpp"
#include "support/temp_dir.hpp"

#include <doctest/doctest.h>

#include <filesystem>
#include <regex>

using namespace bbtest;
using namespace bbtest::faults;

TEST_CASE("spool on a full disk, broker unreachable: exit 74 names the first line not kept") {
    TempDir work("bb-faults");
    std::filesystem::create_directory(work.file("disk"));
    TmpfsMount disk(work.file("disk"), "1m");
    if (!disk.mounted()) {
        skip_test(disk.error() + ": needs root (the fault tests run as root under CI)");
        return;
    }
    const std::string spool = work.file("disk") + "/spool";
    const std::size_t total = 5000; // ~1.7 MB of envelopes: more than the disk holds
    StreamInput input = make_input(total, 701);

    RefusedPort down;
    RunOptions o;
    o.input = input.text();
    o.cwd = work.path().string(); // no .env
    o.env = {{"RABBIT_URL", "amqp://guest:guest@127.0.0.1:" + std::to_string(down.port()) + "/"},
             {"EXCHANGE_NAME", "bb.faults.unreachable"}};
    o.unset_env = {"REDIS_URL", "REDIS_HOST", "REDIS_PORT", "BB_SPOOL_DIR"};
    RunResult r = run({binary("bb-publish"), "--report", "--spool", spool, "--reconnect-attempts",
                       "0", "--connect-timeout", "1"},
                      o);
    INFO("stderr: " << r.err.substr(0, 3000));
    CHECK(r.status == 74);

    std::size_t first_unkept = 0;
    static const std::regex line_number(R"(line (\d+))");
    for (const auto& line : split_lines(r.err)) {
        std::smatch m;
        if (line.find("not kept") != std::string::npos && std::regex_search(line, m, line_number))
            first_unkept = std::stoul(m[1]);
    }
    REQUIRE_MESSAGE(first_unkept > 0, "no \"line N ... not kept\" on stderr");
    CHECK(first_unkept <= total);

    SpoolContents kept = spool_contents(spool);
    CHECK(kept.temporary.empty());
    std::vector<std::string> expected;
    for (std::size_t line = 1; line < first_unkept; ++line)
        if (input.event_ids[line - 1])
            expected.push_back(*input.event_ids[line - 1]);
    CHECK(spooled_event_ids(kept) == expected);

    // The report agrees: lines before N spooled (never sent), none from N on.
    auto report = parse_report(r.out);
    std::size_t spooled_before = 0, spooled_after = 0, sent = 0;
    for (const auto& line : report) {
        bool spooled = line.status == "spooled";
        (line.line < first_unkept ? spooled_before : spooled_after) += spooled;
        sent += line.attempts != 0;
    }
    CHECK(spooled_before == expected.size());
    CHECK(spooled_after == 0);
    CHECK(sent == 0); // no broker: nothing was ever sent
    MESSAGE("disk full: attempted " << total - input.invalid_up_to(total) << ", spooled "
                                    << expected.size() << " in " << kept.segments.size()
                                    << " segments, first line not kept " << first_unkept);
}
