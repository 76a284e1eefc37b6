// Words a person pastes into a shell: the hint naming a spool directory.
// Expected forms are what a POSIX shell needs (and what Python's shlex.quote
// writes), checked here by hand, not derived from the code.
#include "bloodbank/publish_session.hpp"
#include "bloodbank/shell_quote.hpp"

#include <doctest/doctest.h>

#include <string>

using bb::shell_quote;

TEST_CASE("shell_quote: words the shell takes literally stay as they are") {
    CHECK(shell_quote("/var/spool/bb-publish") == "/var/spool/bb-publish");
    CHECK(shell_quote("spool_2025.10,a=b:c@d%e+f") == "spool_2025.10,a=b:c@d%e+f");
}

TEST_CASE("shell_quote: anything else is single-quoted, a quote written '\\''") {
    CHECK(shell_quote("/tmp/my spool") == "'/tmp/my spool'");
    CHECK(shell_quote("/tmp/$HOME;rm -rf x") == "'/tmp/$HOME;rm -rf x'");
    CHECK(shell_quote("~/spool") == "'~/spool'");
    CHECK(shell_quote("it's") == "'it'\\''s'");
    CHECK(shell_quote("a\nb") == "'a\nb'");
    CHECK(shell_quote("*") == "'*'");
    CHECK(shell_quote("") == "''");
}

TEST_CASE("shell_quote: the drain hint quotes a spool directory with spaces") {
    bb::PublishOutcome o;
    o.mode = bb::PublishMode::publish;
    o.spool_dir = "/tmp/my spool's";
    o.summary.spooled = 2;
    bool found = false;
    for (const std::string& line : o.closing_lines(true)) {
        if (line.find("--drain") == std::string::npos)
            continue;
        found = true;
        CHECK(line == "2 events kept in the spool /tmp/my spool's; publish them with "
                      "bb-publish --drain '/tmp/my spool'\\''s'");
    }
    CHECK(found);
}
