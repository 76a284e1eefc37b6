// How a bb-publish run ends: its closing lines and its exit status, the
// whole precedence in this one file (publish_session.hpp, DESIGN §4).
#include "bloodbank/publish_session.hpp"
#include "bloodbank/shell_quote.hpp"
#include "bloodbank/tracking.hpp"

#include <fmt/format.h>

namespace bb {
namespace {

// Some link or event record was not written to Redis.
bool tracking_incomplete(const TrackingReport& tracking) {
    return tracking.enabled && (tracking.failure || !tracking.complete());
}

// A drain's policy: a drain loses nothing (what is not confirmed stays in
// its segment or is set aside), so what is left decides: events a later drain
// will send (75) beat events set aside, which need a person (65); lost links
// only matter once nothing is left.
int drain_status(const DrainSummary& s, bool require_tracking) {
    if (s.error && s.error->kind == ErrorKind::io)
        return exit_code(ErrorKind::io);
    if (s.totals.signal)
        return signal_exit_status(s.totals.signal);
    if (s.error || s.segments_left() > 0 || s.unfinished_events > 0)
        return exit_code(ErrorKind::temporary);
    if (s.set_aside > 0)
        return exit_code(ErrorKind::data);
    if (require_tracking && tracking_incomplete(s.totals.tracking))
        return exit_code(ErrorKind::untracked);
    return 0;
}

// What a drain says after the run's lines: its progress, what it set aside,
// what may be sent twice, and what it could not take yet.
void drain_lines(const DrainSummary& s, const std::string& spool_dir, bool quiet,
                 std::vector<std::string>& lines) {
    if (s.segments > 0 && (!quiet || s.segments_left() > 0))
        lines.push_back(fmt::format("drained {} of {} segments from {}; {} left", s.removed,
                                    s.segments, spool_dir, s.segments_left()));
    if (s.set_aside > 0)
        lines.push_back(fmt::format("set aside {} in {}/rejected, with the reasons in its "
                                    ".reasons files; move a file back into {} to send it again",
                                    event_count(s.set_aside), spool_dir, spool_dir));
    if (s.possible_duplicates > 0)
        lines.push_back(fmt::format("{} published but not marked so in their segment: the next "
                                    "drain sends them again",
                                    event_count(s.possible_duplicates)));
    if (s.unfinished_events > 0)
        lines.push_back(fmt::format(
            "{} left in {} unfinished {} of writers that are still running or wrote them less "
            "than 10 minutes ago; a later drain takes them",
            event_count(s.unfinished_events), s.unfinished_files,
            s.unfinished_files == 1 ? "file" : "files"));
}

// What every run says at its end: why it stopped, the tracking warning, the
// summary and where spooled events went.
void run_lines(const PublishSummary& s, bool dry_run, const std::string& spool_dir, bool quiet,
               std::vector<std::string>& lines) {
    for (const auto* error : {&s.input_error, &s.broker_error, &s.spool_error, &s.dedupe_error})
        if (*error)
            lines.push_back((*error)->message);
    if (tracking_incomplete(s.tracking))
        lines.push_back("warning: " + tracking_warning(s.tracking));
    if (!quiet)
        lines.push_back(summary_text(s, dry_run));
    if (s.spooled > 0)
        lines.push_back(fmt::format("{} kept in the spool {}; publish {} with "
                                    "bb-publish --drain {}",
                                    event_count(s.spooled), spool_dir,
                                    s.spooled == 1 ? "it" : "them", shell_quote(spool_dir)));
}

} // namespace

// A publish's policy: lost events (not confirmed and not kept) and lost links
// beat events kept for later, which beat invalid records.
int publish_exit_status(const PublishSummary& s, bool require_tracking) {
    if (s.input_error)
        return exit_code(s.input_error->kind);
    if (s.spool_error)
        return exit_code(s.spool_error->kind);
    if (s.signal)
        return signal_exit_status(s.signal);
    if (s.failed() > 0 || s.input_stopped || (s.broker_error && s.spooled == 0))
        return exit_code(ErrorKind::unavailable);
    if (require_tracking && tracking_incomplete(s.tracking))
        return exit_code(ErrorKind::untracked); // published: a retry must not publish again
    if (s.spooled > 0)
        return exit_code(ErrorKind::temporary);
    if (s.invalid > 0)
        return exit_code(ErrorKind::data);
    return 0;
}

const PublishSummary& PublishOutcome::totals() const {
    return mode == PublishMode::drain ? drained.totals : summary;
}

std::vector<std::string> PublishOutcome::closing_lines(bool quiet) const {
    std::vector<std::string> lines;
    if (stopped) {
        // Its reason was a notice.
    } else if (mode == PublishMode::publish) {
        run_lines(summary, dry_run, spool_dir, quiet, lines);
    } else if (drained.segments == 0) {
        if (!quiet && drained.unfinished_events == 0)
            lines.push_back(fmt::format("the spool {} is empty", spool_dir));
        drain_lines(drained, spool_dir, quiet, lines);
    } else {
        run_lines(drained.totals, dry_run, spool_dir, quiet, lines);
        if (drained.error)
            lines.push_back(drained.error->message);
        drain_lines(drained, spool_dir, quiet, lines);
    }
    if (!stdout_written)
        lines.push_back("write error on stdout");
    return lines;
}

int PublishOutcome::exit_status() const {
    if (!stdout_written)
        return exit_code(ErrorKind::io);
    if (stopped)
        return stopped_by_signal ? signal_exit_status(stopped_by_signal) : exit_code(*stopped);
    return mode == PublishMode::publish ? publish_exit_status(summary, require_tracking)
                                        : drain_status(drained, require_tracking);
}

} // namespace bb
