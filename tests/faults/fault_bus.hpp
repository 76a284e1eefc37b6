// A private exchange on the fault tests' broker with a durable queue bound
// to it with '#' (what was confirmed survives a broker restart), and
// bb-publish runs against it: a paced stream in the background, a drain.
#pragma once

#include "faults/consumed.hpp"
#include "integration/test_bb_publish_support.hpp"
#include "support/background.hpp"

#include <chrono>
#include <memory>
#include <string>
#include <vector>

namespace bbtest::faults {

// A durable classic queue: what the single-node fault tests publish to.
QueueOptions durable_queue();

struct FaultBus : publish::Bus {
    explicit FaultBus(const Services& s, const QueueOptions& queue = durable_queue());
    ~FaultBus(); // deletes the queue and exchange over a fresh connection

    // bb-publish's environment: this broker and exchange, no Redis, no BB_SPOOL_DIR.
    RunOptions env() const;
    // bb-publish --file FIFO --report ARGS... in the background.
    std::unique_ptr<Background> start(const std::string& fifo, const std::vector<std::string>& args,
                                      const RunOptions& options) const;
    // bb-publish --drain DIR, to the end.
    RunResult drain(const std::string& spool) const;
    // Everything in the queue now.
    Consumed consume() const;
};

// The outcome of a run with --spool, from its report and stderr: every valid
// record read was confirmed or spooled (none nacked, returned, unconfirmed),
// and the summary says "spooled N" when N > 0. Returns N.
std::size_t check_confirmed_or_spooled(const std::vector<ReportLine>& report,
                                       const std::string& err);

// After a run with --spool: the spool holds whole segments with exactly the
// events the report calls spooled and no temporary file; `bb-publish --drain`
// empties it (exit 0; no drain when the folder was never made); then everything in the queue, with
// what `before` read already, is held against the report.
Reconciliation drain_and_reconcile(const FaultBus& bus, const std::string& spool,
                                   const std::vector<ReportLine>& report, Consumed before = {});

// Waits up to `timeout` for `p` to end by itself and returns its exit status;
// past it, fails the test and kills the process.
int wait_for_exit(Background& p, std::chrono::seconds timeout);

// How many lines of `text` contain `word`.
std::size_t lines_containing(const std::string& text, const std::string& word);

// How many --report lines `p` has written so far.
std::size_t outcomes_so_far(const Background& p);

} // namespace bbtest::faults
