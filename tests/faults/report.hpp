// bb-publish --report output: one JSON line per input record, in input order,
// {"line":N,"event_id":"..."|null,"status":"...","attempts":K} ("error" too
// for invalid records).
#pragma once

#include <cstddef>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace bbtest::faults {

struct ReportLine {
    std::size_t line = 0;
    std::optional<std::string> event_id;
    std::string status;
    long attempts = -1; // -1: the field is missing
    bool has_error = false;
};

// Every complete line of `out` (a last line without '\n' is still being
// written and is left out); a line that is not such an object fails the test.
std::vector<ReportLine> parse_report(std::string_view out);

std::size_t count_status(const std::vector<ReportLine>& report, std::string_view status);

// Checks that the report names lines 1..size() in order, each once, that
// every line has "attempts", and that invalid lines are exactly the input's.
void check_report_lines(const std::vector<ReportLine>& report,
                        const std::vector<std::optional<std::string>>& event_ids);

} // namespace bbtest::faults
