// The publish loop: records in, outcomes out in input order. See publish.hpp.
//
// The loop owns the input and the phase of the run; four parts do the rest:
// the outcome ledger (ledger.hpp) keeps every record until its outcome is
// handed out in order, the spool stage (spool_stage.hpp) keeps the failures,
// the broker link (broker_link.hpp) sends, settles and reconnects, and the
// shutdown watch (shutdown.hpp) turns stop requests into a deadline.
#include "publish/broker_link.hpp"
#include "publish/ledger.hpp"
#include "publish/shutdown.hpp"
#include "publish/spool_stage.hpp"

#include "bloodbank/publish.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <cerrno>
#include <poll.h>

namespace bb {
namespace {

using namespace publish_detail;
using Clock = std::chrono::steady_clock;
using std::chrono::milliseconds;

// Longest wait in one poll(): short enough to send heartbeats in time and to
// notice a confirm deadline, long enough to cost nothing while idle.
constexpr milliseconds max_wait{500};

enum class Phase {
    reading,       // records are read while there is room
    draining,      // no more input: wait for the outcomes of what was read
    shutting_down, // a stop request: no more input, wait until the shutdown deadline
};

// Why no more input is read; the first reason stands.
enum class StopReason {
    end_of_input,
    input_error,  // summary.input_error says what
    spool_error,  // summary.spool_error: nothing more can be kept
    broker_gone,  // no broker and no spool: nothing more can be published or kept
    dedupe_error, // summary.dedupe_error: nothing can be checked before it is sent
    signal,       // a stop request
};

class Pipeline {
public:
    Pipeline(LineReader& reader, const EnvelopeRecipe& recipe, const PipelineOptions& options,
             ConfirmChannel* channel, Tracker* tracker, PublishSink& sink)
        : reader_(reader), recipe_(recipe), options_(options), tracker_(tracker), sink_(sink),
          ledger_(options.max_in_flight * 4 + 1024), spool_(options.spool, summary_),
          link_(channel, options, ledger_, summary_, sink, tracker),
          shutdown_(options.signals, options.shutdown_timeout) {}

    PublishSummary run();

private:
    bool reading() const { return phase_ == Phase::reading; }
    bool room() const {
        // After a loss, reconnect first: new records might still be published.
        return link_.state() != LinkState::lost && link_.window_open() && ledger_.room() &&
               (!options_.dedupe || link_.in_flight() + pending_.size() < options_.max_in_flight);
    }
    void stop_reading(StopReason reason);
    void handle(const LineReader::Item& item);
    void invalid(std::size_t line, std::string error, std::string_view record);
    void publish(std::size_t line, Envelope envelope);
    void send_pending();
    void recover();
    void check_signals();
    void emit_ready();
    void commit_spool();
    void wait_for_input();
    void wait_for_broker();
    void maybe_progress();
    void pass_on_tracking_notices();

    LineReader& reader_;
    const EnvelopeRecipe& recipe_;
    const PipelineOptions& options_;
    Tracker* tracker_;
    PublishSink& sink_;

    PublishSummary summary_;
    OutcomeLedger ledger_;
    SpoolStage spool_;
    BrokerLink link_;
    Shutdown shutdown_;
    Phase phase_ = Phase::reading;

    Clock::time_point started_ = Clock::now();
    Clock::time_point last_progress_ = started_;
    std::string body_; // serialization buffer, reused
    // --dedupe: events read but not checked yet, checked a batch at a time.
    std::vector<std::uint64_t> pending_;
    std::vector<Uuid> pending_ids_;
};

void Pipeline::stop_reading(StopReason reason) {
    if (reason == StopReason::signal) {
        phase_ = Phase::shutting_down;
        shutdown_.start_deadline();
        return;
    }
    if (!reading())
        return;
    phase_ = Phase::draining;
    if (reason == StopReason::broker_gone)
        summary_.input_stopped = true; // input was left unread
}

void Pipeline::invalid(std::size_t line, std::string error, std::string_view record) {
    Entry& e = ledger_.push(line);
    e.status = LineStatus::invalid;
    e.settled = true;
    e.error = std::move(error);
    if (options_.keep_envelopes)
        e.body.assign(record);
}

void Pipeline::handle(const LineReader::Item& item) {
    ++summary_.records;
    if (item.status == LineReader::Status::oversize) {
        invalid(item.line,
                fmt::format("{} of {} bytes is larger than the limit of {} bytes",
                            item.document ? "document" : "line", item.bytes,
                            reader_.max_record_bytes()),
                {});
        return;
    }
    if (item.status == LineReader::Status::unclosed) {
        invalid(
            item.line,
            fmt::format("document is not closed: line {} begins the next record", item.next_line),
            item.text);
        return;
    }
    auto envelope = prepare_envelope(item.text, recipe_);
    if (envelope && options_.replay)
        if (auto whole = check_replayable(item.text); !whole)
            envelope = whole.error();
    if (!envelope) {
        invalid(item.line, envelope.error().message, item.text);
        return;
    }
    body_.clear();
    if (options_.replay)
        body_.assign(item.text); // byte for byte: re-serializing could change the bytes
    else
        append_serialized(*envelope, body_);
    if (options_.dry_run) {
        Entry& e = ledger_.push(item.line);
        e.status = LineStatus::valid;
        e.settled = true;
        e.envelope = std::move(*envelope);
        e.has_envelope = true;
        e.body.assign(body_);
        return;
    }
    publish(item.line, std::move(*envelope));
}

void Pipeline::publish(std::size_t line, Envelope envelope) {
    Entry& e = ledger_.push(line);
    e.status = LineStatus::unconfirmed;
    e.body.assign(body_); // to send again after a reconnect, or to spool
    // Keep what the outcome and the tracker need, not the bulky parts.
    e.envelope = std::move(envelope);
    e.envelope.payload = std::string();
    e.envelope.agent_context.reset();
    e.envelope.source.meta.reset();
    e.has_envelope = true;
    if (!link_.publishing()) {
        e.settled = true; // no broker (with a spool): straight to the spool
        return;
    }
    if (options_.dedupe) {
        pending_.push_back(ledger_.tail() - 1);
        return;
    }
    link_.send(ledger_.tail() - 1);
}

// One round trip asks Redis about every event read since the last check,
// instead of one per event; those it has not seen confirmed are sent. An
// event that cannot be checked is not sent: it fails (unconfirmed), so a run
// again publishes it, and reading stops.
void Pipeline::send_pending() {
    if (pending_.empty())
        return;
    pending_ids_.clear();
    for (std::uint64_t seq : pending_)
        pending_ids_.push_back(ledger_.at(seq).envelope.event_id);
    auto seen = tracker_->recorded(pending_ids_);
    if (!seen) {
        summary_.dedupe_error =
            make_error(seen.error().kind,
                       fmt::format("--dedupe: cannot check what was published ({}); the events not "
                                   "checked were not published",
                                   seen.error().message));
        stop_reading(StopReason::dedupe_error);
    }
    for (std::size_t i = 0; i < pending_.size(); ++i) {
        Entry& e = ledger_.at(pending_[i]);
        if (seen && (*seen)[i]) {
            e.status = LineStatus::duplicate;
            e.settled = true;
        } else if (seen && link_.publishing()) {
            link_.send(pending_[i]);
        } else {
            e.status = LineStatus::unconfirmed; // never sent: nothing will answer it
            e.settled = true;
        }
    }
    pending_.clear();
}

void Pipeline::recover() {
    auto pause = [this](milliseconds delay) {
        shutdown_.sleep(delay);
        check_signals();
        return phase_ != Phase::shutting_down;
    };
    if (!link_.recover(phase_ == Phase::shutting_down, pause) && !spool_.active())
        stop_reading(StopReason::broker_gone);
}

void Pipeline::check_signals() {
    if (!shutdown_.arrived())
        return;
    if (phase_ != Phase::shutting_down) {
        summary_.signal = shutdown_.signal();
        stop_reading(StopReason::signal);
        std::size_t waiting = link_.in_flight();
        if (waiting > 0 && shutdown_.requests() < 2)
            sink_.notice(fmt::format(
                "{}: stopped reading; waiting up to {:.0f} s for {} confirms (again to stop "
                "waiting)",
                signal_name(summary_.signal),
                std::chrono::duration<double>(shutdown_.timeout()).count(), waiting));
    }
    if (shutdown_.requests() >= 2)
        link_.stop_waiting();
}

void Pipeline::commit_spool() {
    if (!spool_.commit(ledger_))
        stop_reading(StopReason::spool_error);
}

// Tracking's outages begin and end while events are confirmed: tell the user
// then, not only in the closing lines.
void Pipeline::pass_on_tracking_notices() {
    if (!tracker_)
        return;
    for (const std::string& text : tracker_->take_notices())
        sink_.notice(text);
}

void Pipeline::emit_ready() {
    pass_on_tracking_notices();
    if (!spool_.offer(ledger_))
        stop_reading(StopReason::spool_error);
    // Outcomes behind a spooled event wait until it is durable: do not let
    // them fill the ledger.
    if (spool_.held_back() >= ledger_.limit() / 2)
        commit_spool();
    ledger_.hand_out(spool_.ready_end(), sink_, summary_);
}

void Pipeline::wait_for_input() {
    pollfd fds[3] = {
        {reader_.fd(), POLLIN, 0}, {link_.fd(), POLLIN, 0}, {shutdown_.fd(), POLLIN, 0}};
    // Data already waiting: read it without flushing anything.
    int ready = ::poll(fds, 3, 0);
    if (ready == 0) {
        // Quiet input: make spooled events durable (and reported) soon, but
        // not one segment per pause of a trickling producer.
        if (spool_.waiting_for(std::chrono::seconds(1))) {
            commit_spool();
            emit_ready();
        }
        sink_.idle();
        if (tracker_)
            tracker_->flush();
        ready = ::poll(fds, 3, static_cast<int>(max_wait.count()));
    }
    if (ready < 0 && errno != EINTR) {
        summary_.input_error = make_error(ErrorKind::io, "poll failed");
        stop_reading(StopReason::input_error);
        return;
    }
    check_signals();
    // Always service the broker: reads confirms and sends heartbeats when due.
    if (link_.publishing() && (!link_.service(milliseconds(0)) || link_.confirm_deadline_passed()))
        return;
    if (reading() && ready > 0 && fds[0].revents) {
        auto more = reader_.fill();
        if (!more) {
            summary_.input_error = more.error();
            stop_reading(StopReason::input_error);
        }
    }
}

void Pipeline::wait_for_broker() {
    if (link_.in_flight() == 0 || link_.confirm_deadline_passed())
        return;
    milliseconds wait = std::min(max_wait, options_.confirm_timeout);
    if (phase_ == Phase::shutting_down)
        wait = std::min(wait, shutdown_.until_deadline());
    pollfd fds[2] = {{link_.fd(), POLLIN, 0}, {shutdown_.fd(), POLLIN, 0}};
    ::poll(fds, 2, static_cast<int>(wait.count()));
    check_signals();
    link_.service(milliseconds(0));
}

void Pipeline::maybe_progress() {
    auto now = Clock::now();
    if (now - last_progress_ < std::chrono::milliseconds(500))
        return;
    last_progress_ = now;
    summary_.elapsed = now - started_;
    sink_.progress(summary_);
}

PublishSummary Pipeline::run() {
    std::size_t handled = 0;
    for (;;) {
        check_signals();
        if (link_.state() == LinkState::lost)
            recover();
        bool need_input = false;
        while (reading() && room()) {
            LineReader::Item item = reader_.next();
            if (item.status == LineReader::Status::need_input) {
                need_input = true;
                break;
            }
            if (item.status == LineReader::Status::end) {
                stop_reading(StopReason::end_of_input);
                break;
            }
            handle(item);
            if (++handled % 256 == 0) {
                send_pending();
                emit_ready();
                maybe_progress();
            }
        }
        send_pending();
        emit_ready();
        if (!reading() && ledger_.empty())
            break;
        if (link_.state() == LinkState::lost)
            continue;
        if (phase_ == Phase::shutting_down && link_.state() != LinkState::broken &&
            shutdown_.deadline_passed())
            link_.stop_waiting();
        if (link_.in_flight() == 0 && (!reading() || !room())) {
            // Nothing can settle what is left by waiting: make it final.
            ledger_.settle_unsettled();
            commit_spool();
            continue;
        }
        if (need_input && reading())
            wait_for_input();
        else
            wait_for_broker();
        maybe_progress();
    }
    if (link_.publishing() && phase_ != Phase::shutting_down) {
        if (auto ready = link_.await_setup(); !ready)
            link_.give_up(ready.error());
    }
    if (tracker_) {
        tracker_->finish();
        pass_on_tracking_notices();
        summary_.tracking = tracker_->report();
    }
    summary_.elapsed = Clock::now() - started_;
    return summary_;
}

} // namespace

PublishSummary run_publish(LineReader& reader, const EnvelopeRecipe& recipe,
                           const PipelineOptions& options, ConfirmChannel* channel,
                           Tracker* tracker, PublishSink& sink) {
    PipelineOptions checked = options;
    checked.max_in_flight = std::max<std::size_t>(1, options.max_in_flight);
    if (checked.dry_run)
        channel = nullptr, tracker = nullptr, checked.spool = nullptr;
    checked.dedupe = options.dedupe && tracker; // the tracker is what it asks
    if (!channel && !checked.spool)
        checked.dry_run = true;
    return Pipeline(reader, recipe, checked, channel, tracker, sink).run();
}

} // namespace bb
