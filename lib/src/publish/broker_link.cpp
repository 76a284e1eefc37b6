// The broker link of the publish pipeline: see broker_link.hpp.
#include "publish/broker_link.hpp"

#include <fmt/format.h>

#include <algorithm>

namespace bb::publish_detail {
namespace {

using std::chrono::milliseconds;

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

milliseconds until(BrokerLink::Clock::time_point deadline) {
    return std::max(milliseconds(0),
                    std::chrono::duration_cast<milliseconds>(deadline - BrokerLink::Clock::now()));
}

} // namespace

BrokerLink::BrokerLink(ConfirmChannel* channel, const PipelineOptions& options,
                       OutcomeLedger& ledger, PublishSummary& summary, PublishSink& sink,
                       Tracker* tracker)
    : channel_(channel), options_(options), ledger_(ledger), summary_(summary), sink_(sink),
      tracker_(tracker), max_in_flight_(options.max_in_flight),
      state_(channel ? LinkState::open : LinkState::none),
      tag_entry_(power_of_two_above(options.max_in_flight)) {}

bool BrokerLink::send(std::uint64_t seq) {
    Entry& e = ledger_.at(seq);
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
    message.replay = options_.replay ? &*options_.replay : nullptr;

    ++e.attempts; // it may reach the broker even when publish() fails
    auto tag = channel_->publish(message);
    if (!tag) {
        mark_lost(tag.error());
        return false;
    }
    if (channel_->in_flight() == 1)
        last_confirm_ = Clock::now(); // the confirm deadline starts with the first in flight
    tag_entry_[*tag & (tag_entry_.size() - 1)] = seq;
    if (*tag % service_every == 0)
        return service(milliseconds(0));
    return true;
}

void BrokerLink::settle(const std::vector<Settled>& settled) {
    for (const Settled& s : settled) {
        std::uint64_t seq = tag_entry_[s.tag & (tag_entry_.size() - 1)];
        if (seq < ledger_.head())
            continue; // given up on (a signal) and already handed out
        Entry& e = ledger_.at(seq);
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

bool BrokerLink::service(milliseconds wait) {
    if (!publishing())
        return false;
    settled_.clear();
    auto r = channel_->service(wait, settled_);
    settle(settled_);
    if (!r) {
        mark_lost(r.error());
        return false;
    }
    return true;
}

// The connection is gone: what was answered before it went is settled, the
// rest stays unsettled, in doubt, until recover() sends it again or gives up.
void BrokerLink::mark_lost(Error error) {
    if (state_ != LinkState::lost)
        lost_why_ = std::move(error);
    state_ = LinkState::lost;
    settled_.clear();
    channel_->abandon_in_flight(settled_);
    std::erase_if(settled_, [](const Settled& s) { return s.delivery == Delivery::unconfirmed; });
    settle(settled_);
}

bool BrokerLink::confirm_deadline_passed() {
    if (!publishing() || channel_->in_flight() == 0 ||
        Clock::now() - last_confirm_ < options_.confirm_timeout)
        return false;
    mark_lost(
        make_error(ErrorKind::unavailable,
                   fmt::format("no confirms from {} for {:.0f} s", channel_->target(),
                               std::chrono::duration<double>(options_.confirm_timeout).count())));
    return true;
}

bool BrokerLink::recover(bool stopping, const Pause& pause) {
    while (state_ == LinkState::lost) {
        Error why = std::move(*lost_why_);
        lost_why_.reset();
        state_ = LinkState::reconnecting;
        std::size_t in_doubt = ledger_.unsettled();
        // A broker that accepts connections but fails every publish must not
        // keep the reconnects going forever.
        fruitless_reconnects_ =
            summary_.reconnects > 0 && !confirmed_since_reconnect_ ? fruitless_reconnects_ + 1 : 0;
        bool hopeless = channel_->refused() ||
                        fruitless_reconnects_ >= std::max(1, options_.reconnect.attempts);
        if (stopping || hopeless || !reconnect(why, in_doubt, pause)) {
            give_up(std::move(why));
            return false;
        }
        state_ = LinkState::open;
        ++summary_.reconnects;
        confirmed_since_reconnect_ = false;
        for (std::uint64_t s = ledger_.head(); s < ledger_.tail() && publishing(); ++s)
            if (!ledger_.at(s).settled) {
                ++summary_.resent;
                send(s);
            }
    }
    return true;
}

// Tries the broker again with backoff; `why` becomes the last failure.
bool BrokerLink::reconnect(Error& why, std::size_t in_doubt, const Pause& pause) {
    const ReconnectPolicy& policy = options_.reconnect;
    if (policy.attempts <= 0)
        return false;
    sink_.notice(fmt::format("{}; reconnecting ({} events in doubt)", why.message, in_doubt));
    auto deadline = Clock::now() + policy.max_time;
    milliseconds delay = policy.first_delay;
    for (int attempt = 1; attempt <= policy.attempts; ++attempt) {
        if (!pause(std::min(delay, until(deadline))) || Clock::now() >= deadline)
            break;
        auto again = channel_->reconnect();
        if (again) {
            sink_.notice(fmt::format("reconnected to {}; sending {} events again",
                                     channel_->target(), in_doubt));
            last_confirm_ = Clock::now();
            return true;
        }
        why = again.error();
        delay = std::min(delay * 2, policy.max_delay);
    }
    return false;
}

void BrokerLink::give_up(Error why) {
    state_ = LinkState::broken;
    ledger_.settle_unsettled();
    if (!summary_.broker_error)
        summary_.broker_error = std::move(why);
}

void BrokerLink::stop_waiting() {
    if (publishing()) {
        settled_.clear();
        channel_->abandon_in_flight(settled_);
        settle(settled_);
    }
    ledger_.settle_unsettled();
    state_ = LinkState::broken;
}

} // namespace bb::publish_detail
