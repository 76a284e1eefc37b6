// The tree shows the links themselves: when and why an event was linked to
// its parents, always for chains the Python tracker wrote (no summaries) and
// with --links for every row.
#include "support/lines.hpp"
#include "test_bb_trace_fixtures.hpp"

#include <doctest/doctest.h>

TEST_CASE("bb-trace: a chain without summaries shows its links' time and reason") {
    auto f = tracetest::fixture();
    if (!f)
        return;
    std::string root = f->event(), child = f->event();
    f->link(child, {root}, R"({"reason":"retry after \u001b[31mtimeout"})",
            "2025-10-19T08:09:10.654321");
    auto r = f->trace({root, "--no-pager"});
    REQUIRE_MESSAGE(r.status == 0, r.err);
    auto rows = bbtest::split_lines(r.out);
    REQUIRE(rows.size() == 2);
    CHECK(rows[1].find("2025-10-19 08:09:10") != std::string::npos);
    CHECK(rows[1].find("reason=retry after \\x1b[31mtimeout") != std::string::npos);
    CHECK(rows[1].find(child.substr(0, 8)) != std::string::npos);
}

TEST_CASE("bb-trace: --links shows the link on every row that has one") {
    auto f = tracetest::fixture();
    if (!f)
        return;
    std::string root = f->event(), child = f->event();
    f->link(child, {root}, R"({"reason":"manual"})", "2025-10-19T08:09:10.654321");
    f->summary(root, "a.type", "2025-10-18T14:03:07+00:00");
    f->summary(child, "b.type", "2025-10-18T14:03:08+00:00");
    auto plain = f->trace({root});
    REQUIRE(plain.status == 0);
    CHECK(plain.out.find("linked") == std::string::npos);
    auto r = f->trace({root, "--links"});
    REQUIRE_MESSAGE(r.status == 0, r.err);
    auto rows = bbtest::split_lines(r.out);
    REQUIRE(rows.size() == 2);
    CHECK(rows[0].find("linked") == std::string::npos); // the root has no link
    CHECK(rows[1].find("(linked 2025-10-19 08:09:10, reason=manual)") != std::string::npos);
}
