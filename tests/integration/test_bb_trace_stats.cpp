// bb-trace --stats counts the events of what it shows, for every command.
#include "test_bb_trace_fixtures.hpp"

#include <doctest/doctest.h>

#include <string>

TEST_CASE("bb-trace: --stats counts the events of a dump as of any other walk") {
    auto f = tracetest::fixture();
    if (!f)
        return;
    // root -> 3 children -> 2 grandchildren each: 10 events.
    std::string root = f->event();
    for (int i = 0; i < 3; ++i) {
        std::string child = f->event();
        f->link(child, {root});
        for (int j = 0; j < 2; ++j)
            f->link(f->event(), {child});
    }
    auto dump = f->trace({"dump", root, "--stats"});
    REQUIRE_MESSAGE(dump.status == 0, dump.err);
    CHECK(dump.err.find("stats: 10 events,") != std::string::npos);
    auto walk = f->trace({"descendants", root, "--stats"});
    CHECK(walk.err.find("stats: 10 events,") != std::string::npos);
}
