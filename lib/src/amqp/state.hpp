// Private to the publisher: the rabbitmq-c handle, the window of unsettled
// delivery tags, and helpers shared by connecting and publishing.
#pragma once

#include "amqp/connection.hpp"

#include "bloodbank/amqp.hpp"

#include <amqp.h>

#include <chrono>
#include <cstdint>
#include <memory>
#include <string>
#include <vector>

namespace bb::amqp_detail {

// Delivery tags not yet answered, in a ring indexed by tag. Slots keep their
// string capacity, so a long run allocates nothing per message.
class Window {
public:
    std::uint64_t next_tag() const { return next_tag_; }
    std::size_t size() const { return static_cast<std::size_t>(next_tag_ - first_); }

    // Records the next tag and returns it.
    std::uint64_t push(std::string_view message_id);
    // Marks the in-flight message with this id as returned; false if unknown.
    bool mark_returned(std::string_view message_id);
    // Settles `tag` (or every tag up to it when multiple) with an ack or nack.
    void settle(std::uint64_t tag, bool multiple, bool ack, std::vector<Settled>& out);
    // Settles everything left as unconfirmed.
    void abandon(std::vector<Settled>& out);

private:
    struct Slot {
        std::string message_id;
        bool returned = false;
        bool settled = false;
    };
    Slot& slot(std::uint64_t tag) { return slots_[tag & (slots_.size() - 1)]; }
    void settle_one(std::uint64_t tag, bool ack, std::vector<Settled>& out);
    void grow();

    std::vector<Slot> slots_ = std::vector<Slot>(64);
    std::uint64_t first_ = 1;    // oldest tag that may be unsettled
    std::uint64_t next_tag_ = 1; // tag of the next publish
};

// After login: channel.open, confirm.select and exchange.declare, sent
// together without waiting (one round trip for the three, or none before the
// first publish when the replies are left to service()). `open_pending`:
// the login left connection.open-ok unread, so it is the first reply.
Result<void> send_setup(Publisher::State& state, bool open_pending);
// While setup replies are outstanding: true when `frame` was the next one,
// false when it is no setup reply, an Error when the broker refused a step
// ("cannot use exchange ...").
Result<bool> take_setup_reply(Publisher::State& state, const amqp_frame_t& frame);

} // namespace bb::amqp_detail

namespace bb {

struct Publisher::State {
    PublisherOptions options;
    amqp_detail::ConnectionPtr connection;
    std::string target; // redacted URL
    amqp_detail::Window window;
    std::vector<Settled> early;      // settled while publish() waited for the socket
    int setup_replies = 0;           // replies to send_setup() still to come
    std::size_t writable_budget = 0; // bytes the socket surely takes without blocking
    bool broken = false;             // the channel or connection is gone
    bool refused = false;            // by the broker's decision: reconnecting will not help
};

} // namespace bb
