// The broker link of the publish pipeline: sends the ledger's events on a
// ConfirmChannel, settles their entries from the broker's answers, and after
// a lost connection reconnects (with backoff, within the policy) and sends
// the events in doubt again, or gives up on them.
#pragma once

#include "publish/ledger.hpp"

#include "bloodbank/confirm_channel.hpp"
#include "bloodbank/publish.hpp"
#include "bloodbank/tracking.hpp"

#include <chrono>
#include <cstdint>
#include <functional>
#include <optional>
#include <vector>

namespace bb::publish_detail {

enum class LinkState {
    none,         // no broker: a dry run, or one never reached (with a spool)
    open,         // publishing
    lost,         // the connection just went: recover() next
    reconnecting, // inside recover(), trying again with backoff
    broken,       // gone for good, or no longer waited for (a signal)
};

class BrokerLink {
public:
    using Clock = std::chrono::steady_clock;
    // Sleeps between reconnect attempts; false: stop trying (a signal came).
    using Pause = std::function<bool(std::chrono::milliseconds)>;

    // `channel` may be null (state none); `tracker` too (tracking off).
    BrokerLink(ConfirmChannel* channel, const PipelineOptions& options, OutcomeLedger& ledger,
               PublishSummary& summary, PublishSink& sink, Tracker* tracker);

    LinkState state() const { return state_; }
    bool publishing() const { return state_ == LinkState::open; }
    std::size_t in_flight() const { return publishing() ? channel_->in_flight() : 0; }
    // Whether the window of unconfirmed messages has room for one more.
    bool window_open() const { return !publishing() || in_flight() < max_in_flight_; }
    int fd() const { return publishing() ? channel_->fd() : -1; }

    // Sends the entry; false when that lost the connection.
    bool send(std::uint64_t seq);
    // Reads the broker's answers (waiting up to `wait`) and settles their
    // entries; false when the connection is gone.
    bool service(std::chrono::milliseconds wait);
    // Nothing was confirmed for confirm_timeout although messages are in
    // flight: the connection counts as lost.
    bool confirm_deadline_passed();
    // After a loss: reconnects and sends the events in doubt again, or gives
    // up on them (false). `stopping`: a signal came, give up at once.
    bool recover(bool stopping, const Pause& pause);
    // The broker is gone for good: what is in doubt is unconfirmed.
    void give_up(Error why);
    // A signal says not to wait for the broker any longer.
    void stop_waiting();
    // With an empty input nothing has shown yet whether the exchange works.
    Result<void> await_setup() { return channel_->await_setup(); }

private:
    void settle(const std::vector<Settled>& settled);
    void mark_lost(Error error);
    bool reconnect(Error& why, std::size_t in_doubt, const Pause& pause);

    ConfirmChannel* channel_;
    const PipelineOptions& options_;
    OutcomeLedger& ledger_;
    PublishSummary& summary_;
    PublishSink& sink_;
    Tracker* tracker_;
    std::size_t max_in_flight_;

    LinkState state_;
    std::optional<Error> lost_why_;
    std::vector<std::uint64_t> tag_entry_; // delivery tag -> sequence number
    Clock::time_point last_confirm_ = Clock::now();
    bool confirmed_since_reconnect_ = false;
    int fruitless_reconnects_ = 0; // reconnects after which nothing was confirmed
    std::vector<Settled> settled_; // reused
};

} // namespace bb::publish_detail
