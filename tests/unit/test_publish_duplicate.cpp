// What a duplicate (bb-publish --dedupe) looks like to the user: its report
// status, its count in the summary line, and that it costs no exit status.
#include "bloodbank/publish.hpp"

#include <doctest/doctest.h>

#include <string>

TEST_CASE("publish: a duplicate is reported as such and counted in the summary") {
    bb::LineOutcome outcome;
    outcome.line = 3;
    outcome.status = bb::LineStatus::duplicate;
    outcome.event_id = *bb::parse_uuid("92ac3d31-3cbb-5518-9cc9-eaa1d1198639");
    std::string line;
    bb::append_report_line(outcome, line);
    CHECK(line == R"({"line":3,"event_id":"92ac3d31-3cbb-5518-9cc9-eaa1d1198639",)"
                  R"("status":"duplicate","attempts":0})");

    bb::PublishSummary summary;
    summary.records = 5;
    summary.published = 2;
    summary.duplicates = 3;
    CHECK(bb::summary_text(summary, false) ==
          "published 2, invalid 0, failed 0, duplicate 3 in 0.00 s (0 events/s)");
    // Left out because it was published before: the run still succeeded.
    CHECK(bb::publish_exit_status(summary, false) == 0);
    CHECK(bb::publish_exit_status(summary, true) == 0);
}
