// `bb-publish --drain DIR`: republish what a spool keeps (spool.hpp), in the
// order it was written, through the same pipeline as a normal run. A segment
// is removed once every event in it is confirmed; a segment that is only
// partly confirmed is rewritten with what is left (atomically) and the drain
// stops there, so later segments never overtake it. Two drains of one spool
// exclude each other with the spool's lock.
#pragma once

#include "bloodbank/publish.hpp"
#include "bloodbank/spool.hpp"

#include <optional>
#include <string>
#include <vector>

namespace bb {

// A spool taken for draining: locked against other drains, the files of
// dead writers recovered (recover_orphans), the segments listed.
struct DrainPlan {
    std::string dir;
    SpoolLock lock;
    OrphanRecovery recovered;
    std::vector<std::string> segments; // in replay order
};

// Errors: ErrorKind::temporary when another drain holds the lock
// ("spool /x: another drain is running"), not_found for a missing
// directory, io for the rest.
Result<DrainPlan> plan_drain(const std::string& dir);

struct DrainSummary {
    std::size_t segments = 0;     // found when the drain started
    std::size_t removed = 0;      // fully published and deleted
    std::size_t rewritten = 0;    // partly published, rewritten with the rest
    std::size_t kept = 0;         // events written back into partly drained segments
    std::size_t kept_invalid = 0; // of which cannot be published (kept, never dropped)
    PublishSummary totals;        // over every segment drained
    std::optional<Error> error;   // reading or rewriting a segment failed

    std::size_t segments_left() const { return segments - removed; }
};

// Drains the plan's segments through `publisher` (a Publisher, amqp.hpp). options.spool is ignored:
// what fails stays in its segment. The sink sees every outcome; line numbers count within each
// segment. Records up to max_record_bytes are read back.
DrainSummary drain_spool(const DrainPlan& plan, std::size_t max_record_bytes,
                         const PipelineOptions& options, ConfirmChannel& publisher,
                         Tracker* tracker, PublishSink& sink);

} // namespace bb
