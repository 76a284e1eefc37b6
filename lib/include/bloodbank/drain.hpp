// `bb-publish --drain DIR`: republish what a spool keeps (spool.hpp), in the
// order it was written, through the same pipeline as a normal run. Each line
// is read back as an envelope and checked as one (a file on disk is input
// like any other); payloads are not checked against their schemas again.
//
// What happens to each event of a segment:
//   confirmed: marked as published in the segment itself, in batches, each
//     synced (the line is overwritten with spaces: no space needed), so a
//     drain that stops never sends it again;
//   returned (no queue is bound for its type) or not an envelope: set aside
//     in DIR/rejected/ with the reason (spool_detail::set_aside), since
//     sending it again gets the same answer, and it must not hold up the
//     events after it;
//   nacked or unconfirmed (the broker's state, not the event's): left in the
//     segment, and the drain stops there so that later segments never
//     overtake it.
// A segment with nothing left is removed; one with something left is
// rewritten with just that when there is room (when not, the marks already
// say what was published). Two drains of one spool exclude each other with
// the spool's lock.
#pragma once

#include "bloodbank/publish.hpp"
#include "bloodbank/spool.hpp"

#include <optional>
#include <string>
#include <vector>

namespace bb {

// A spool taken for draining: checked (check_private_dir), locked against
// other drains, the files of dead writers recovered (recover_orphans), the
// segments listed, and the names that are not its files.
struct DrainPlan {
    std::string dir;
    SpoolLock lock;
    OrphanRecovery recovered;
    std::vector<std::string> segments; // in replay order
    std::vector<std::string> unknown;  // unknown_spool_files(): never drained
};

// Errors: ErrorKind::temporary when another drain holds the lock
// ("spool /x: another drain is running"), not_found for a missing
// directory, io for the rest (a folder others can write into included).
Result<DrainPlan> plan_drain(const std::string& dir);

struct DrainSummary {
    std::size_t segments = 0;                // found when the drain started
    std::size_t removed = 0;                 // nothing left in them: deleted
    std::size_t rewritten = 0;               // partly published: what is left stays in them
    std::size_t kept = 0;                    // events left in partly drained segments
    std::size_t set_aside = 0;               // events moved to DIR/rejected/
    std::vector<std::string> rejected_files; // where they went
    // Published, but the mark that says so could not be written: the next
    // drain sends these again.
    std::size_t possible_duplicates = 0;
    // Writers' temporary files the drain could not take yet (OrphanRecovery).
    std::size_t unfinished_files = 0;
    std::size_t unfinished_events = 0;
    PublishSummary totals;      // over every segment drained; events set aside
                                // are not counted as returned or invalid
    std::optional<Error> error; // reading, marking or setting aside failed

    std::size_t segments_left() const { return segments - removed; }
};

// Drains the plan's segments through `publisher` (a Publisher, amqp.hpp). options.spool is ignored:
// what fails stays in its segment. The sink sees every outcome, with its segment's file name; line
// numbers count within each segment. Records up to max_record_bytes are read back.
DrainSummary drain_spool(const DrainPlan& plan, std::size_t max_record_bytes,
                         const PipelineOptions& options, ConfirmChannel& publisher,
                         Tracker* tracker, PublishSink& sink);

} // namespace bb
