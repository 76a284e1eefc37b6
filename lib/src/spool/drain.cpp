// Draining a spool: see drain.hpp.
#include "bloodbank/drain.hpp"

#include <fmt/format.h>

namespace bb {
namespace {

// Passes outcomes on and keeps the text of every record that is not
// confirmed, in order: what the segment is rewritten with.
class KeepUnconfirmed : public PublishSink {
public:
    explicit KeepUnconfirmed(PublishSink& next) : next_(next) {}

    void outcome(const LineOutcome& o) override {
        if (o.status != LineStatus::confirmed) {
            left_.emplace_back(o.status == LineStatus::invalid ? o.record : o.envelope_json);
            invalid_ += o.status == LineStatus::invalid ? 1 : 0;
        }
        next_.outcome(o);
    }
    void idle() override { next_.idle(); }
    void notice(std::string_view text) override { next_.notice(text); }
    void progress(const PublishSummary& so_far) override { next_.progress(so_far); }

    std::vector<std::string>& left() { return left_; }
    std::size_t invalid() const { return invalid_; }

private:
    PublishSink& next_;
    std::vector<std::string> left_;
    std::size_t invalid_ = 0;
};

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

} // namespace

Result<DrainPlan> plan_drain(const std::string& dir) {
    auto lock = SpoolLock::acquire(dir);
    if (!lock)
        return lock.error();
    auto recovered = recover_orphans(dir);
    if (!recovered)
        return recovered.error();
    auto segments = list_spool(dir);
    if (!segments)
        return segments.error();
    return DrainPlan{dir, std::move(*lock), *recovered, std::move(*segments)};
}

DrainSummary drain_spool(const DrainPlan& plan, std::size_t max_record_bytes,
                         const PipelineOptions& options, ConfirmChannel& publisher,
                         Tracker* tracker, PublishSink& sink) {
    DrainSummary summary;
    summary.segments = plan.segments.size();

    // What was spooled is complete and was checked when it was first read.
    EnvelopeRecipe recipe;
    recipe.envelope.limits.max_bytes = max_record_bytes;
    recipe.check_payloads = false;
    PipelineOptions drain = options;
    drain.spool = nullptr;
    drain.keep_envelopes = true;
    drain.dry_run = false;

    for (const std::string& path : plan.segments) {
        auto input = InputFile::open(path);
        if (!input) {
            summary.error = input.error();
            break;
        }
        LineReader reader(input->fd(), max_record_bytes);
        KeepUnconfirmed keep(sink);
        PublishSummary one = run_publish(reader, recipe, drain, &publisher, tracker, keep);
        add(summary.totals, one);
        if (one.input_error) {
            summary.error = one.input_error;
            break;
        }
        auto done = keep.left().empty() ? remove_segment(path) : rewrite_segment(path, keep.left());
        if (!done) {
            summary.error = done.error();
            break;
        }
        summary.removed += keep.left().empty() ? 1 : 0;
        summary.rewritten += keep.left().empty() ? 0 : 1;
        summary.kept += keep.left().size();
        summary.kept_invalid += keep.invalid();
        // A broker problem or a signal: keep the order, leave the rest.
        if (one.broker_error || one.failed() > 0 || one.signal)
            break;
    }
    return summary;
}

} // namespace bb
