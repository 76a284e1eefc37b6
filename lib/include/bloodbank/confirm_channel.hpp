// What the publish pipeline needs from a broker: a channel in confirm mode
// that sends messages, reports what the broker answered for each delivery
// tag, and can be connected again after a loss. amqp::Publisher (amqp.hpp)
// is the real one; the unit tests drive the pipeline with a scripted fake.
#pragma once

#include "bloodbank/error.hpp"

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace bb {

// bb-publish --replay: what marks a message as sent again. It travels in AMQP
// headers only (x-bloodbank-replay: true, x-bloodbank-replayed-at,
// x-bloodbank-replay-id), never in the envelope, whose bytes stay as read.
struct ReplayMark {
    std::string replay_id;   // one per run: a UUID v4
    std::string replayed_at; // when the run started, ISO-8601 UTC
};

// One message with the properties of DESIGN §3. The views must stay valid for
// the duration of publish() only; the channel copies the bytes it sends.
struct OutgoingMessage {
    std::string_view routing_key;       // the event type
    std::string_view body;              // the serialized envelope
    std::string_view message_id;        // the event id
    std::string_view correlation_id;    // first parent, empty: property not set
    std::string_view type;              // the event type
    std::int64_t timestamp = 0;         // the event's time, whole seconds since the epoch
    const ReplayMark* replay = nullptr; // set: the replay headers are added
};

// What the broker finally said about one delivery tag.
enum class Delivery {
    confirmed,   // acked and not returned: published
    nacked,      // the broker refused it (e.g. a full queue with reject-publish)
    returned,    // mandatory and unroutable: acked, but it reached no queue
    unconfirmed, // no answer before the deadline or the connection was lost
};
std::string_view to_string(Delivery delivery);

struct Settled {
    std::uint64_t tag = 0;
    Delivery delivery = Delivery::unconfirmed;
};

class ConfirmChannel {
public:
    virtual ~ConfirmChannel() = default;

    // Sends one message and returns its delivery tag (1, 2, 3, ... since the
    // last connect). An Error means the connection is gone.
    virtual Result<std::uint64_t> publish(const OutgoingMessage& message) = 0;

    // Reads what the broker has answered, waiting up to `timeout` for the
    // first answer, and appends every tag now settled to `settled`. An Error
    // means the connection is gone; the tags in flight are then in doubt.
    virtual Result<void> service(std::chrono::milliseconds timeout,
                                 std::vector<Settled>& settled) = 0;

    // Waits until the broker has answered the channel setup; the Error is its
    // refusal.
    virtual Result<void> await_setup() = 0;

    // Every tag still waiting for an answer, settled as unconfirmed.
    virtual void abandon_in_flight(std::vector<Settled>& settled) = 0;

    // Connects again after a loss; tags start again at 1.
    virtual Result<void> reconnect() = 0;

    virtual std::size_t in_flight() const = 0;
    // A descriptor that becomes readable when the broker has answered, to
    // poll() together with the input; -1 when there is none.
    virtual int fd() const = 0;
    // The broker refused the channel on purpose: connecting again would not help.
    virtual bool refused() const = 0;
    // Where it is connected, redacted, for messages.
    virtual const std::string& target() const = 0;
};

} // namespace bb
