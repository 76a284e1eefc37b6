// The publish loop: records in, outcomes out in input order. See publish.hpp.
#include "bloodbank/publish.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <cerrno>
#include <csignal>
#include <poll.h>
#include <unistd.h>

namespace bb {
namespace {

using Clock = std::chrono::steady_clock;
using std::chrono::milliseconds;

// Longest wait in one poll(): short enough to send heartbeats in time and to
// notice a confirm deadline, long enough to cost nothing while idle.
constexpr milliseconds max_wait{500};
// Service the broker's socket every this many publishes while input flows.
constexpr std::uint64_t service_every = 32;
// A slot's buffers above this size are freed once handed out, so one huge
// event does not keep its memory for the rest of the run.
constexpr std::size_t keep_capacity = 64 * 1024;

LineStatus status_of(Delivery delivery) {
    switch (delivery) {
    case Delivery::confirmed:
        return LineStatus::confirmed;
    case Delivery::nacked:
        return LineStatus::nacked;
    case Delivery::returned:
        return LineStatus::returned;
    case Delivery::unconfirmed:
        break;
    }
    return LineStatus::unconfirmed;
}

bool is_failure(LineStatus status) {
    return status == LineStatus::nacked || status == LineStatus::returned ||
           status == LineStatus::unconfirmed;
}

std::size_t power_of_two_above(std::size_t n) {
    std::size_t p = 64;
    while (p <= n)
        p *= 2;
    return p;
}

milliseconds until(Clock::time_point deadline) {
    return std::max(milliseconds(0),
                    std::chrono::duration_cast<milliseconds>(deadline - Clock::now()));
}

std::string_view signal_name(int signal) {
    return signal == SIGINT ? "SIGINT" : signal == SIGTERM ? "SIGTERM" : "a signal";
}

// One input record waiting for its outcome to be handed out.
struct Entry {
    std::size_t line = 0;
    LineStatus status = LineStatus::invalid;
    LineStatus failure = LineStatus::invalid; // what a spooled entry failed with
    bool settled = false;
    bool has_envelope = false;
    unsigned attempts = 0;
    Envelope envelope; // payload and other bulky parts dropped
    std::string body;  // the serialized envelope (or an invalid record's text)
    std::string error; // why it is invalid
};

class Pipeline {
public:
    Pipeline(LineReader& reader, const EnvelopeRecipe& recipe, const PipelineOptions& options,
             Publisher* publisher, Tracker* tracker, PublishSink& sink)
        : reader_(reader), recipe_(recipe), options_(options), publisher_(publisher),
          tracker_(tracker), sink_(sink), spool_(options.spool), signals_(options.signals),
          entries_(4), tag_entry_(power_of_two_above(options.max_in_flight)),
          queue_limit_(options.max_in_flight * 4 + 1024) {}

    PublishSummary run();

private:
    bool publishing() const { return publisher_ && !broken_ && !lost_; }
    bool room() const {
        if (lost_)
            return false; // reconnect first: new records might still be published
        return (!publishing() || publisher_->in_flight() < options_.max_in_flight) &&
               tail_ - head_ < queue_limit_;
    }
    Entry& entry(std::uint64_t seq) { return entries_[seq & (entries_.size() - 1)]; }
    Entry& push_entry(std::size_t line);
    void handle(const LineReader::Item& item);
    void invalid(std::size_t line, std::string error, std::string_view record);
    void publish(std::size_t line, Envelope envelope);
    bool send(std::uint64_t seq); // false when the connection is lost
    bool service(milliseconds wait);
    void settle(const std::vector<Settled>& settled);
    void mark_lost(Error error);
    void recover();
    bool reconnect(Error& why, std::size_t in_doubt);
    void give_up(Error why);
    void settle_in_doubt();
    void stop_waiting();
    void check_signals();
    bool pause(milliseconds delay);
    bool confirm_deadline_passed();
    void spool_settled();
    void commit_spool();
    void emit_ready();
    void count(const Entry& e);
    void wait_for_input();
    void wait_for_broker();
    void maybe_progress();

    LineReader& reader_;
    const EnvelopeRecipe& recipe_;
    const PipelineOptions& options_;
    Publisher* publisher_;
    Tracker* tracker_;
    PublishSink& sink_;
    SpoolWriter* spool_;
    const StopSignals* signals_;

    std::vector<Entry> entries_;        // ring by sequence number; doubles as needed,
                                        // from a size a one-event run barely touches
    std::uint64_t head_ = 0, tail_ = 0; // oldest entry not handed out, next entry
    // Entries before spooled_ have been offered to the spool; those from
    // uncommitted_ on are in it but not durable yet, so not handed out.
    std::uint64_t spooled_ = 0;
    std::optional<std::uint64_t> uncommitted_;
    Clock::time_point uncommitted_since_;
    std::vector<std::uint64_t> tag_entry_; // delivery tag -> sequence number
    std::size_t queue_limit_;

    PublishSummary summary_;
    Clock::time_point started_ = Clock::now();
    Clock::time_point last_confirm_ = started_;
    Clock::time_point last_progress_ = started_;
    bool input_done_ = false;
    bool broken_ = false;       // the broker is gone for good
    std::optional<Error> lost_; // the connection was just lost: recover() next
    bool confirmed_since_reconnect_ = false;
    int fruitless_reconnects_ = 0; // reconnects after which nothing was confirmed
    bool stopping_ = false;        // a signal arrived
    int signals_seen_ = 0;
    Clock::time_point shutdown_deadline_;
    std::string body_;             // serialization buffer, reused
    std::vector<Settled> settled_; // reused
};

Entry& Pipeline::push_entry(std::size_t line) {
    if (tail_ - head_ == entries_.size()) {
        std::vector<Entry> bigger(entries_.size() * 2);
        for (std::uint64_t s = head_; s < tail_; ++s)
            bigger[s & (bigger.size() - 1)] = std::move(entry(s));
        entries_ = std::move(bigger);
    }
    Entry& e = entry(tail_++);
    e.line = line;
    e.settled = false;
    e.has_envelope = false;
    e.attempts = 0;
    e.body.clear();
    e.error.clear();
    return e;
}

void Pipeline::invalid(std::size_t line, std::string error, std::string_view record) {
    Entry& e = push_entry(line);
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
    auto envelope = prepare_envelope(item.text, recipe_);
    if (!envelope) {
        invalid(item.line, envelope.error().message, item.text);
        return;
    }
    body_.clear();
    append_serialized(*envelope, body_);
    if (options_.dry_run) {
        Entry& e = push_entry(item.line);
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
    Entry& e = push_entry(line);
    e.status = LineStatus::unconfirmed;
    e.body.assign(body_); // to send again after a reconnect, or to spool
    // Keep what the outcome and the tracker need, not the bulky parts.
    e.envelope = std::move(envelope);
    e.envelope.payload = std::string();
    e.envelope.agent_context.reset();
    e.envelope.source.meta.reset();
    e.has_envelope = true;
    if (!publishing()) {
        e.settled = true; // no broker (with a spool): straight to the spool
        return;
    }
    send(tail_ - 1);
}

bool Pipeline::send(std::uint64_t seq) {
    Entry& e = entry(seq);
    const Envelope& sent = e.envelope;
    char id[36];
    char parent[36];
    sent.event_id.format_to(id);
    OutgoingMessage message;
    message.routing_key = sent.event_type;
    message.type = sent.event_type;
    message.body = e.body;
    message.message_id = std::string_view(id, sizeof id);
    if (!sent.correlation_ids.empty()) {
        sent.correlation_ids.front().format_to(parent);
        message.correlation_id = std::string_view(parent, sizeof parent);
    }
    message.timestamp = sent.timestamp.unix_seconds();

    ++e.attempts; // it may reach the broker even when publish() fails
    auto tag = publisher_->publish(message);
    if (!tag) {
        mark_lost(tag.error());
        return false;
    }
    if (publisher_->in_flight() == 1)
        last_confirm_ = Clock::now(); // the confirm deadline starts with the first in flight
    tag_entry_[*tag & (tag_entry_.size() - 1)] = seq;
    if (*tag % service_every == 0)
        return service(milliseconds(0));
    return true;
}

void Pipeline::settle(const std::vector<Settled>& settled) {
    for (const Settled& s : settled) {
        std::uint64_t seq = tag_entry_[s.tag & (tag_entry_.size() - 1)];
        if (seq < head_)
            continue; // given up on (a signal) and already handed out
        Entry& e = entry(seq);
        if (e.settled)
            continue;
        e.status = status_of(s.delivery);
        e.settled = true;
        if (e.status == LineStatus::confirmed) {
            confirmed_since_reconnect_ = true;
            if (tracker_)
                tracker_->record(e.envelope);
        }
    }
    if (!settled.empty())
        last_confirm_ = Clock::now();
}

bool Pipeline::service(milliseconds wait) {
    if (!publishing())
        return false;
    settled_.clear();
    auto r = publisher_->service(wait, settled_);
    settle(settled_);
    if (!r) {
        mark_lost(r.error());
        return false;
    }
    return true;
}

// The connection is gone: what was answered before it went is settled, the
// rest stays unsettled, in doubt, until recover() sends it again or gives up.
void Pipeline::mark_lost(Error error) {
    if (!lost_)
        lost_ = std::move(error);
    settled_.clear();
    publisher_->abandon_in_flight(settled_);
    std::erase_if(settled_, [](const Settled& s) { return s.delivery == Delivery::unconfirmed; });
    settle(settled_);
}

void Pipeline::recover() {
    while (lost_) {
        Error why = std::move(*lost_);
        lost_.reset();
        std::size_t in_doubt = 0;
        for (std::uint64_t s = head_; s < tail_; ++s)
            in_doubt += entry(s).settled ? 0 : 1;
        // A broker that accepts connections but fails every publish must not
        // keep the reconnects going forever.
        fruitless_reconnects_ =
            summary_.reconnects > 0 && !confirmed_since_reconnect_ ? fruitless_reconnects_ + 1 : 0;
        bool hopeless = publisher_->refused() ||
                        fruitless_reconnects_ >= std::max(1, options_.reconnect.attempts);
        if (stopping_ || hopeless || !reconnect(why, in_doubt)) {
            give_up(std::move(why));
            return;
        }
        ++summary_.reconnects;
        confirmed_since_reconnect_ = false;
        for (std::uint64_t s = head_; s < tail_ && !lost_; ++s)
            if (!entry(s).settled) {
                ++summary_.resent;
                send(s);
            }
    }
}

// Tries the broker again with backoff; `why` becomes the last failure.
bool Pipeline::reconnect(Error& why, std::size_t in_doubt) {
    const ReconnectPolicy& policy = options_.reconnect;
    if (policy.attempts <= 0)
        return false;
    sink_.notice(fmt::format("{}; reconnecting ({} events in doubt)", why.message, in_doubt));
    auto deadline = Clock::now() + policy.max_time;
    milliseconds delay = policy.first_delay;
    for (int attempt = 1; attempt <= policy.attempts; ++attempt) {
        if (!pause(std::min(delay, until(deadline))) || Clock::now() >= deadline)
            break;
        auto again = publisher_->reconnect();
        if (again) {
            sink_.notice(fmt::format("reconnected to {}; sending {} events again",
                                     publisher_->target(), in_doubt));
            last_confirm_ = Clock::now();
            return true;
        }
        why = again.error();
        delay = std::min(delay * 2, policy.max_delay);
    }
    return false;
}

void Pipeline::give_up(Error why) {
    broken_ = true;
    settle_in_doubt();
    if (!summary_.broker_error)
        summary_.broker_error = std::move(why);
    if (!spool_) {
        // Nothing more can be published or kept: stop reading.
        if (!input_done_ && !stopping_)
            summary_.input_stopped = true;
        input_done_ = true;
    }
}

void Pipeline::settle_in_doubt() {
    for (std::uint64_t s = head_; s < tail_; ++s) {
        Entry& e = entry(s);
        if (!e.settled) {
            e.settled = true;
            e.status = LineStatus::unconfirmed;
        }
    }
}

// A signal says not to wait for the broker any longer: what is in flight is
// given up on (and spooled), and nothing more is published.
void Pipeline::stop_waiting() {
    if (publishing()) {
        settled_.clear();
        publisher_->abandon_in_flight(settled_);
        settle(settled_);
    }
    settle_in_doubt();
    broken_ = true;
}

void Pipeline::check_signals() {
    if (!signals_ || signals_->count() == signals_seen_)
        return;
    char buffer[64];
    while (::read(signals_->fd(), buffer, sizeof buffer) > 0) {
    }
    signals_seen_ = signals_->count();
    if (!stopping_) {
        stopping_ = true;
        summary_.signal = signals_->first();
        input_done_ = true;
        shutdown_deadline_ = Clock::now() + options_.shutdown_timeout;
        std::size_t waiting = publishing() ? publisher_->in_flight() : 0;
        if (waiting > 0 && signals_seen_ < 2)
            sink_.notice(fmt::format(
                "{}: stopped reading; waiting up to {:.0f} s for {} confirms (again to stop "
                "waiting)",
                signal_name(summary_.signal),
                std::chrono::duration<double>(options_.shutdown_timeout).count(), waiting));
    }
    if (signals_seen_ >= 2)
        stop_waiting();
}

// Sleeps, but a signal cuts it short (returns false).
bool Pipeline::pause(milliseconds delay) {
    if (!signals_) {
        ::poll(nullptr, 0, static_cast<int>(delay.count()));
        return true;
    }
    pollfd p{signals_->fd(), POLLIN, 0};
    ::poll(&p, 1, static_cast<int>(delay.count()));
    check_signals();
    return !stopping_;
}

bool Pipeline::confirm_deadline_passed() {
    if (!publishing() || publisher_->in_flight() == 0 ||
        Clock::now() - last_confirm_ < options_.confirm_timeout)
        return false;
    mark_lost(
        make_error(ErrorKind::unavailable,
                   fmt::format("no confirms from {} for {:.0f} s", publisher_->target(),
                               std::chrono::duration<double>(options_.confirm_timeout).count())));
    return true;
}

// Offers every settled failure, in input order, to the spool.
void Pipeline::spool_settled() {
    if (spooled_ < head_)
        spooled_ = head_;
    for (; spooled_ < tail_ && entry(spooled_).settled; ++spooled_) {
        Entry& e = entry(spooled_);
        if (!spool_ || summary_.spool_error || !is_failure(e.status))
            continue;
        if (auto kept = spool_->add(e.body, e.line); !kept) {
            summary_.spool_error = kept.error();
            input_done_ = true; // nothing more can be kept: stop reading
            if (uncommitted_)
                for (std::uint64_t s = *uncommitted_; s < spooled_; ++s)
                    if (entry(s).status == LineStatus::spooled)
                        entry(s).status = entry(s).failure;
            uncommitted_.reset();
            continue;
        }
        e.failure = e.status;
        e.status = LineStatus::spooled;
        if (!uncommitted_) {
            uncommitted_ = spooled_;
            uncommitted_since_ = Clock::now();
        }
        if (spool_->pending() == 0)
            uncommitted_.reset(); // the segment filled up and was committed
    }
}

void Pipeline::commit_spool() {
    if (!spool_ || !uncommitted_ || summary_.spool_error)
        return;
    if (auto done = spool_->commit(); !done) {
        summary_.spool_error = done.error();
        input_done_ = true;
        for (std::uint64_t s = *uncommitted_; s < spooled_; ++s)
            if (entry(s).status == LineStatus::spooled)
                entry(s).status = entry(s).failure;
    }
    uncommitted_.reset();
}

void Pipeline::count(const Entry& e) {
    switch (e.status) {
    case LineStatus::confirmed:
        ++summary_.published;
        break;
    case LineStatus::nacked:
        ++summary_.nacked;
        break;
    case LineStatus::returned:
        ++summary_.returned;
        break;
    case LineStatus::unconfirmed:
        ++summary_.unconfirmed;
        break;
    case LineStatus::invalid:
        ++summary_.invalid;
        break;
    case LineStatus::spooled:
        ++summary_.spooled;
        break;
    case LineStatus::valid:
        ++summary_.valid;
        break;
    }
}

void Pipeline::emit_ready() {
    spool_settled();
    // Spooled outcomes wait until their segment is durable.
    if (uncommitted_ && *uncommitted_ - head_ >= queue_limit_ / 2)
        commit_spool();
    std::uint64_t end = uncommitted_ ? *uncommitted_ : spooled_;
    while (head_ < end) {
        Entry& e = entry(head_);
        count(e);
        LineOutcome o;
        o.line = e.line;
        o.status = e.status;
        o.attempts = e.attempts;
        if (e.has_envelope) {
            o.event_id = e.envelope.event_id;
            o.event_type = e.envelope.event_type;
            o.envelope_json = e.body;
        } else {
            o.record = e.body;
        }
        o.error = e.error;
        sink_.outcome(o);
        if (e.body.capacity() > keep_capacity)
            std::string().swap(e.body);
        ++head_;
    }
}

void Pipeline::wait_for_input() {
    pollfd fds[3] = {{reader_.fd(), POLLIN, 0},
                     {publishing() ? publisher_->fd() : -1, POLLIN, 0},
                     {signals_ ? signals_->fd() : -1, POLLIN, 0}};
    // Data already waiting: read it without flushing anything.
    int ready = ::poll(fds, 3, 0);
    if (ready == 0) {
        // Quiet input: make spooled events durable (and reported) soon, but
        // not one segment per pause of a trickling producer.
        if (uncommitted_ && Clock::now() - uncommitted_since_ >= std::chrono::seconds(1)) {
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
        input_done_ = true;
        return;
    }
    check_signals();
    // Always service the broker: reads confirms and sends heartbeats when due.
    if (publishing() && (!service(milliseconds(0)) || confirm_deadline_passed()))
        return;
    if (!input_done_ && ready > 0 && fds[0].revents) {
        auto more = reader_.fill();
        if (!more) {
            summary_.input_error = more.error();
            input_done_ = true;
        }
    }
}

void Pipeline::wait_for_broker() {
    if (!publishing() || publisher_->in_flight() == 0)
        return;
    if (confirm_deadline_passed())
        return;
    milliseconds wait = std::min(max_wait, options_.confirm_timeout);
    if (stopping_)
        wait = std::min(wait, until(shutdown_deadline_));
    pollfd fds[2] = {{publisher_->fd(), POLLIN, 0}, {signals_ ? signals_->fd() : -1, POLLIN, 0}};
    ::poll(fds, 2, static_cast<int>(wait.count()));
    check_signals();
    service(milliseconds(0));
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
        if (lost_)
            recover();
        bool need_input = false;
        while (!input_done_ && room()) {
            LineReader::Item item = reader_.next();
            if (item.status == LineReader::Status::need_input) {
                need_input = true;
                break;
            }
            if (item.status == LineReader::Status::end) {
                input_done_ = true;
                break;
            }
            handle(item);
            if (++handled % 256 == 0) {
                emit_ready();
                maybe_progress();
            }
        }
        emit_ready();
        if (input_done_ && head_ == tail_)
            break;
        if (lost_)
            continue;
        if (stopping_ && !broken_ && Clock::now() >= shutdown_deadline_)
            stop_waiting();
        bool waiting = publishing() && publisher_->in_flight() > 0;
        if (!waiting && (input_done_ || !room())) {
            // Nothing can settle what is left by waiting: make it final.
            settle_in_doubt();
            commit_spool();
            continue;
        }
        if (need_input && !input_done_)
            wait_for_input();
        else
            wait_for_broker();
        maybe_progress();
    }
    if (publishing() && !stopping_) {
        // With an empty input nothing has shown yet whether the exchange works.
        if (auto ready = publisher_->await_setup(); !ready)
            give_up(ready.error());
    }
    if (tracker_) {
        tracker_->flush();
        summary_.tracking = tracker_->report();
    }
    summary_.elapsed = Clock::now() - started_;
    return summary_;
}

} // namespace

PublishSummary run_publish(LineReader& reader, const EnvelopeRecipe& recipe,
                           const PipelineOptions& options, Publisher* publisher, Tracker* tracker,
                           PublishSink& sink) {
    PipelineOptions checked = options;
    checked.max_in_flight = std::max<std::size_t>(1, options.max_in_flight);
    if (checked.dry_run)
        publisher = nullptr, tracker = nullptr, checked.spool = nullptr;
    if (!publisher && !checked.spool)
        checked.dry_run = true;
    return Pipeline(reader, recipe, checked, publisher, tracker, sink).run();
}

} // namespace bb
