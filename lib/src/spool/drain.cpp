// Draining a spool: see drain.hpp.
#include "bloodbank/drain.hpp"

#include "spool/io.hpp"
#include "spool/marks.hpp"
#include "spool/rejected.hpp"

#include "bloodbank/visible_text.hpp"

#include <fmt/format.h>

namespace bb {
namespace {

using spool_detail::RejectedEvent;
using spool_detail::SegmentMarks;

// Published events marked at most this many at a time: one sync per batch,
// and what a drain killed between two batches sends again.
constexpr std::size_t mark_batch = 256;

// Sorts the outcomes of one segment (see drain.hpp) and passes them on with
// the segment's name.
class SegmentSink : public PublishSink {
public:
    SegmentSink(PublishSink& next, SegmentMarks& marks, std::string_view name)
        : next_(next), marks_(marks), name_(name) {}

    void outcome(const LineOutcome& o) override {
        std::string_view text = o.status == LineStatus::invalid ? o.record : o.envelope_json;
        switch (o.status) {
        case LineStatus::confirmed:
            marks_.done(o.line);
            if (marks_.pending() >= mark_batch)
                mark();
            break;
        case LineStatus::returned:
            ++returned_;
            rejected_.push_back({o.line, std::string(text),
                                 "returned by the broker: no queue is bound for event type \"" +
                                     visible_text(o.event_type) + "\""});
            break;
        case LineStatus::invalid:
            rejected_.push_back({o.line, std::string(text), visible_text(o.error)});
            break;
        default:
            left_.emplace_back(text);
        }
        LineOutcome named = o;
        named.file = name_;
        next_.outcome(named);
    }
    void idle() override {
        mark();
        next_.idle();
    }
    void notice(std::string_view text) override { next_.notice(text); }
    void progress(const PublishSummary& so_far) override { next_.progress(so_far); }

    // Writes the pending marks; after a failure, only collects them.
    void mark() {
        if (!error_)
            if (auto marked = marks_.flush(); !marked)
                error_ = marked.error();
    }
    void fail(Error error) { error_ = std::move(error); }
    // Marking or setting aside failed: what is not marked is sent again.
    const std::optional<Error>& error() const { return error_; }
    const std::vector<RejectedEvent>& rejected() const { return rejected_; }
    std::size_t returned() const { return returned_; }
    const std::vector<std::string>& left() const { return left_; }

private:
    PublishSink& next_;
    SegmentMarks& marks_;
    std::string_view name_;
    std::vector<RejectedEvent> rejected_;
    std::size_t returned_ = 0; // of rejected_; the rest are invalid
    std::vector<std::string> left_;
    std::optional<Error> error_;
};

// Sets the segment's rejected events aside and marks them in it; returns
// where they went, or nullopt (nothing to set aside, or it failed: then the
// sink has the error and they stay in the segment).
std::optional<std::string> set_aside(const std::string& dir, const std::string& name,
                                     SegmentSink& segment, SegmentMarks& marks) {
    if (segment.rejected().empty() || segment.error())
        return std::nullopt;
    auto file = spool_detail::set_aside(dir, name, segment.rejected());
    if (!file) {
        segment.fail(file.error());
        return std::nullopt;
    }
    for (const auto& event : segment.rejected())
        marks.done(event.line);
    segment.mark();
    // Not marked: the next drain sets them aside again, beside this copy.
    return segment.error() ? std::nullopt : std::optional(*file);
}

void add(PublishSummary& total, const PublishSummary& one) {
    total.records += one.records;
    total.published += one.published;
    total.invalid += one.invalid;
    total.nacked += one.nacked;
    total.returned += one.returned;
    total.unconfirmed += one.unconfirmed;
    total.reconnects += one.reconnects;
    total.resent += one.resent;
    total.elapsed += one.elapsed;
    if (one.input_error && !total.input_error)
        total.input_error = one.input_error;
    if (one.broker_error && !total.broker_error)
        total.broker_error = one.broker_error;
    total.signal = total.signal ? total.signal : one.signal;
    total.tracking = one.tracking; // the tracker counts over its whole life
}

std::string file_name(const std::string& path) {
    std::size_t slash = path.find_last_of('/');
    return slash == std::string::npos ? path : path.substr(slash + 1);
}

} // namespace

Result<DrainPlan> plan_drain(const std::string& dir) {
    // Before any file is written here, recovered files included.
    spool_detail::ignore_file_size_signal();
    if (auto mine = spool_detail::check_private_dir(dir); !mine)
        return mine.error();
    auto lock = SpoolLock::acquire(dir);
    if (!lock)
        return lock.error();
    auto recovered = recover_orphans(dir);
    if (!recovered)
        return recovered.error();
    auto segments = list_spool(dir);
    if (!segments)
        return segments.error();
    auto unknown = unknown_spool_files(dir);
    if (!unknown)
        return unknown.error();
    return DrainPlan{dir, std::move(*lock), *recovered, std::move(*segments), std::move(*unknown)};
}

DrainSummary drain_spool(const DrainPlan& plan, std::size_t max_record_bytes,
                         const PipelineOptions& options, ConfirmChannel& publisher,
                         Tracker* tracker, PublishSink& sink) {
    DrainSummary summary;
    summary.segments = plan.segments.size();
    summary.unfinished_files = plan.recovered.left_files;
    summary.unfinished_events = plan.recovered.left_events;

    // Envelopes are checked again (the spool is input like any other), their
    // payloads not: they were when the events were first read.
    EnvelopeRecipe recipe;
    recipe.envelope.limits.max_bytes = max_record_bytes;
    recipe.check_payloads = false;
    PipelineOptions drain = options;
    drain.spool = nullptr;
    drain.keep_envelopes = true;
    drain.dry_run = false;

    for (const std::string& path : plan.segments) {
        auto marks = SegmentMarks::open(path);
        if (!marks) {
            summary.error = marks.error();
            break;
        }
        std::string name = file_name(path);
        LineReader reader(marks->fd(), max_record_bytes);
        SegmentSink segment(sink, *marks, name);
        PublishSummary one = run_publish(reader, recipe, drain, &publisher, tracker, segment);
        segment.mark();
        auto aside = set_aside(plan.dir, name, segment, *marks);
        if (aside) {
            summary.rejected_files.push_back(*aside);
            summary.set_aside += segment.rejected().size();
            one.returned -= segment.returned();
            one.invalid -= segment.rejected().size() - segment.returned();
        }
        if (segment.error()) {
            summary.possible_duplicates += marks->pending();
            summary.error = segment.error();
        } else if (one.input_error) {
            summary.error = one.input_error;
        }
        add(summary.totals, one);

        std::size_t left = segment.left().size() + (aside ? 0 : segment.rejected().size());
        if (!summary.error && left == 0) {
            if (auto removed = remove_segment(path); removed)
                ++summary.removed;
            else
                summary.error = removed.error();
        } else {
            // Tidier than a segment of blank lines, when there is room; the
            // marks already say what was published when there is not.
            if (!summary.error)
                (void)rewrite_segment(path, segment.left());
            ++summary.rewritten;
            summary.kept += left;
        }
        // A broker problem, a signal or a failed step: keep the order, leave the rest.
        if (summary.error || one.broker_error || one.nacked + one.unconfirmed > 0 || one.signal)
            break;
    }
    return summary;
}

} // namespace bb
