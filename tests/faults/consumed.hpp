// What an independent consumer read back, held against what bb-publish's
// report promised: nothing confirmed or spooled may be missing, nothing else
// may appear, and a message_id seen twice must belong to an event that was in
// doubt (sent again after a reconnect, or spooled after it was sent).
#pragma once

#include "faults/report.hpp"

#include <cstddef>
#include <map>
#include <string>
#include <vector>

namespace bbtest::faults {

struct Consumed {
    std::map<std::string, std::size_t> times; // message_id -> deliveries
    std::size_t messages = 0;

    void add(const Consumed& more);
};

// Every message in `queue` now, acknowledged (a fresh connection to `url`).
Consumed consume_all(const std::string& url, const std::string& queue);

struct Reconciliation {
    std::size_t attempted = 0; // valid records in the report
    std::size_t confirmed = 0;
    std::size_t spooled = 0;
    std::size_t consumed = 0;   // messages read, duplicates included
    std::size_t duplicated = 0; // message_ids read more than once
    std::size_t lost = 0;       // confirmed or spooled, never read
    std::size_t unexpected = 0; // read, but neither confirmed nor spooled
    std::size_t duplicated_not_in_doubt = 0;
};

Reconciliation reconcile(const std::vector<ReportLine>& report, const Consumed& consumed);

// The figures as a doctest MESSAGE, under the name of the scenario.
void report_figures(const std::string& scenario, const Reconciliation& r);

} // namespace bbtest::faults
