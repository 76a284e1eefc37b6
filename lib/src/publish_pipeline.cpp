// The publish loop: records in, outcomes out in input order. See publish.hpp.
#include "bloodbank/publish.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <cerrno>
#include <poll.h>

namespace bb {
namespace {

using Clock = std::chrono::steady_clock;
using std::chrono::milliseconds;

// Longest wait in one poll(): short enough to send heartbeats in time and to
// notice a confirm deadline, long enough to cost nothing while idle.
constexpr milliseconds max_wait{500};
// Service the broker's socket every this many publishes while input flows.
constexpr std::uint64_t service_every = 32;

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

std::size_t power_of_two_above(std::size_t n) {
    std::size_t p = 64;
    while (p <= n)
        p *= 2;
    return p;
}

// One input record waiting for its outcome to be handed out.
struct Entry {
    std::size_t line = 0;
    LineStatus status = LineStatus::invalid;
    bool settled = false;
    bool has_envelope = false;
    Envelope envelope; // payload and other bulky parts dropped
    std::string body;  // the serialized envelope, when the sink wants it
    std::string error; // why it is invalid
};

class Pipeline {
public:
    Pipeline(LineReader& reader, const EnvelopeRecipe& recipe, const PipelineOptions& options,
             Publisher* publisher, Tracker* tracker, PublishSink& sink)
        : reader_(reader), recipe_(recipe), options_(options), publisher_(publisher),
          tracker_(tracker), sink_(sink), entries_(64),
          tag_entry_(power_of_two_above(options.max_in_flight)),
          queue_limit_(options.max_in_flight * 4 + 1024) {}

    PublishSummary run();

private:
    bool room() const {
        return (!publisher_ || publisher_->in_flight() < options_.max_in_flight) &&
               tail_ - head_ < queue_limit_;
    }
    Entry& entry(std::uint64_t seq) { return entries_[seq & (entries_.size() - 1)]; }
    Entry& push_entry(std::size_t line);
    void handle(const LineReader::Item& item);
    void invalid(std::size_t line, std::string error);
    void publish(std::size_t line, Envelope envelope);
    bool service(milliseconds wait); // false when the broker is gone
    void settle(const std::vector<Settled>& settled);
    void emit_ready();
    void wait_for_input();
    void wait_for_broker();
    void lose_broker(Error error);
    void maybe_progress();

    LineReader& reader_;
    const EnvelopeRecipe& recipe_;
    const PipelineOptions& options_;
    Publisher* publisher_;
    Tracker* tracker_;
    PublishSink& sink_;

    std::vector<Entry> entries_;           // ring by sequence number
    std::uint64_t head_ = 0, tail_ = 0;    // oldest entry not handed out, next entry
    std::vector<std::uint64_t> tag_entry_; // delivery tag -> sequence number
    std::size_t queue_limit_;

    PublishSummary summary_;
    Clock::time_point started_ = Clock::now();
    Clock::time_point last_confirm_ = started_;
    Clock::time_point last_progress_ = started_;
    bool input_done_ = false;
    bool broken_ = false;
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
    e.body.clear();
    e.error.clear();
    return e;
}

void Pipeline::invalid(std::size_t line, std::string error) {
    ++summary_.invalid;
    Entry& e = push_entry(line);
    e.status = LineStatus::invalid;
    e.settled = true;
    e.error = std::move(error);
}

void Pipeline::handle(const LineReader::Item& item) {
    ++summary_.records;
    if (item.status == LineReader::Status::oversize) {
        invalid(item.line, fmt::format("{} of {} bytes is larger than the limit of {} bytes",
                                       item.document ? "document" : "line", item.bytes,
                                       reader_.max_record_bytes()));
        return;
    }
    auto envelope = prepare_envelope(item.text, recipe_);
    if (!envelope) {
        invalid(item.line, envelope.error().message);
        return;
    }
    body_.clear();
    append_serialized(*envelope, body_);
    if (options_.dry_run) {
        ++summary_.valid;
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
    if (options_.keep_envelopes)
        e.body.assign(body_);
    // Keep what the outcome and the tracker need, not the bulky parts.
    e.envelope = std::move(envelope);
    e.envelope.payload = std::string();
    e.envelope.agent_context.reset();
    e.envelope.source.meta.reset();
    e.has_envelope = true;

    const Envelope& sent = e.envelope;
    char id[36];
    char parent[36];
    sent.event_id.format_to(id);
    OutgoingMessage message;
    message.routing_key = sent.event_type;
    message.type = sent.event_type;
    message.body = body_;
    message.message_id = std::string_view(id, sizeof id);
    if (!sent.correlation_ids.empty()) {
        sent.correlation_ids.front().format_to(parent);
        message.correlation_id = std::string_view(parent, sizeof parent);
    }
    message.timestamp = sent.timestamp.unix_seconds();

    auto tag = publisher_->publish(message);
    if (!tag) {
        e.settled = true; // unconfirmed: it may or may not have reached the broker
        ++summary_.unconfirmed;
        lose_broker(tag.error());
        return;
    }
    if (publisher_->in_flight() == 1)
        last_confirm_ = Clock::now(); // the confirm deadline starts with the first in flight
    tag_entry_[*tag & (tag_entry_.size() - 1)] = tail_ - 1;
    if (*tag % service_every == 0)
        service(milliseconds(0));
}

void Pipeline::settle(const std::vector<Settled>& settled) {
    for (const Settled& s : settled) {
        Entry& e = entry(tag_entry_[s.tag & (tag_entry_.size() - 1)]);
        e.status = status_of(s.delivery);
        e.settled = true;
        switch (e.status) {
        case LineStatus::confirmed:
            ++summary_.published;
            if (tracker_)
                tracker_->record(e.envelope);
            break;
        case LineStatus::nacked:
            ++summary_.nacked;
            break;
        case LineStatus::returned:
            ++summary_.returned;
            break;
        default:
            ++summary_.unconfirmed;
            break;
        }
    }
    if (!settled.empty())
        last_confirm_ = Clock::now();
}

bool Pipeline::service(milliseconds wait) {
    if (!publisher_ || broken_)
        return !broken_;
    settled_.clear();
    auto r = publisher_->service(wait, settled_);
    settle(settled_);
    if (!r) {
        lose_broker(r.error());
        return false;
    }
    return true;
}

void Pipeline::lose_broker(Error error) {
    if (!summary_.broker_error)
        summary_.broker_error = std::move(error);
    broken_ = true;
    input_done_ = true; // stop reading: nothing more can be published
    settled_.clear();
    publisher_->abandon_in_flight(settled_);
    settle(settled_);
}

void Pipeline::emit_ready() {
    while (head_ < tail_ && entry(head_).settled) {
        const Entry& e = entry(head_);
        LineOutcome o;
        o.line = e.line;
        o.status = e.status;
        if (e.has_envelope) {
            o.event_id = e.envelope.event_id;
            o.event_type = e.envelope.event_type;
        }
        o.envelope_json = e.body;
        o.error = e.error;
        sink_.outcome(o);
        ++head_;
    }
}

void Pipeline::wait_for_input() {
    pollfd fds[2] = {{reader_.fd(), POLLIN, 0}, {publisher_ ? publisher_->fd() : -1, POLLIN, 0}};
    // Data already waiting: read it without flushing anything.
    int ready = ::poll(fds, 2, 0);
    if (ready == 0) {
        sink_.idle();
        if (tracker_)
            tracker_->flush();
        ready = ::poll(fds, 2, static_cast<int>(max_wait.count()));
    }
    if (ready < 0 && errno != EINTR) {
        summary_.input_error = make_error(ErrorKind::io, "poll failed");
        input_done_ = true;
        return;
    }
    // Always service the broker: reads confirms and sends heartbeats when due.
    if (!service(milliseconds(0)))
        return;
    if (ready > 0 && fds[0].revents) {
        auto more = reader_.fill();
        if (!more) {
            summary_.input_error = more.error();
            input_done_ = true;
        }
    }
}

void Pipeline::wait_for_broker() {
    if (!publisher_ || publisher_->in_flight() == 0)
        return;
    auto left = options_.confirm_timeout -
                std::chrono::duration_cast<milliseconds>(Clock::now() - last_confirm_);
    if (left <= milliseconds(0)) {
        lose_broker(make_error(
            ErrorKind::unavailable,
            fmt::format("no confirms from {} for {} s", publisher_->target(),
                        std::chrono::duration<double>(options_.confirm_timeout).count())));
        return;
    }
    service(std::min(left, max_wait));
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
        if (head_ != tail_ && publisher_ && publisher_->in_flight() == 0 &&
            (input_done_ || !room())) {
            // Nothing in flight yet an entry is unsettled: cannot happen; do
            // not wait for it forever.
            for (std::uint64_t s = head_; s < tail_; ++s)
                if (!entry(s).settled) {
                    entry(s).settled = true;
                    entry(s).status = LineStatus::unconfirmed;
                    ++summary_.unconfirmed;
                }
            continue;
        }
        if (need_input && !input_done_)
            wait_for_input();
        else
            wait_for_broker();
        maybe_progress();
    }
    if (publisher_ && !broken_) {
        // With an empty input nothing has shown yet whether the exchange works.
        if (auto ready = publisher_->await_setup(); !ready)
            lose_broker(ready.error());
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
        publisher = nullptr, tracker = nullptr;
    if (!publisher)
        checked.dry_run = true;
    return Pipeline(reader, recipe, checked, publisher, tracker, sink).run();
}

} // namespace bb
