// A RabbitMQ consumer over rabbitmq-c: bb-consume's link to the broker.
//
// One connection, one channel with a prefetch window (basic.qos) and manual
// acknowledgements. The channel is also in confirm mode, for the copies it
// publishes itself (an event sent back to its queue after a failed attempt,
// or to a dead-letter exchange): the original is acked only once the broker
// has confirmed its copy, so a crash in between duplicates an event, never
// loses one. receive() never blocks beyond its timeout, so the caller can
// poll the socket together with stdout, its children and the signal pipe.
#pragma once

#include "bloodbank/amqp.hpp"
#include "bloodbank/error.hpp"

#include <chrono>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

namespace bb {

// The type of a named queue (the x-queue-type argument).
enum class QueueType {
    automatic, // an existing queue as it is; a new one is declared quorum
    classic,
    quorum,
    stream,
};
std::string_view queue_type_name(QueueType type); // "classic", ...; "automatic"

// Where a consumer of a stream starts reading (the x-stream-offset argument).
struct StreamStart {
    enum class Kind { first, last, next, offset, timestamp };
    Kind kind = Kind::next;
    std::uint64_t offset = 0;      // Kind::offset: the first offset delivered
    std::int64_t unix_seconds = 0; // Kind::timestamp: from the chunk holding this time
};

struct ConsumerOptions {
    std::vector<AmqpUrl> urls; // tried in turn at connect until one works
    TlsOptions tls;            // for the amqps:// ones
    std::string exchange = "bloodbank.events.v1";
    bool declare_exchange = true;      // durable topic exchange; false: must already exist
    std::vector<std::string> patterns; // binding keys; empty: "#"
    std::string queue;                 // "": a server-named, exclusive, auto-delete queue
    bool declare_queue = true;         // false: consume `queue` as it is, bind nothing
    QueueType queue_type = QueueType::automatic; // of a named queue
    std::optional<StreamStart> stream_start;     // streams: where to start (default: next)
    std::string max_age;                         // streams: x-max-age ("7D"), "": none
    std::uint64_t max_length_bytes = 0;          // streams: x-max-length-bytes, 0: none
    std::uint16_t prefetch = 256;                // unacknowledged deliveries at most
    std::string dead_letter_exchange;            // declared (durable topic) when not empty
    std::chrono::milliseconds connect_timeout{5000};
    std::chrono::milliseconds rpc_timeout{10000};
    int heartbeat_seconds = 30; // 0 turns heartbeats off
};

// One header value as far as bb-consume needs it: scalars are kept (and
// carried over when the message is sent on), nested tables and arrays only
// as JSON text for display.
struct HeaderValue {
    std::variant<std::string, std::int64_t, bool, double> value;
    bool nested_json = false; // value is a string holding JSON (a table or array)
};
struct Header {
    std::string key;
    HeaderValue value;
};

// A message as it came from the queue.
struct Received {
    std::uint64_t tag = 0; // delivery tag on the current connection
    std::string exchange;
    std::string routing_key;
    bool redelivered = false;
    std::string body;
    std::string message_id;
    std::string correlation_id;
    std::string type;
    std::string content_type;
    std::optional<std::uint64_t> timestamp;
    std::vector<Header> headers;

    // Failed attempts recorded so far: the x-bb-attempts header (failures
    // bb-consume recorded when it sent the event back), plus on a quorum
    // queue the broker's x-delivery-count (deliveries that ended without a
    // verdict: the consumer died or lost its connection while handling it).
    int attempts() const;
    // The x-stream-offset header: where a stream delivery sits in its stream.
    std::optional<std::uint64_t> stream_offset() const;
    // The x-bloodbank-replay header is true: bb-publish --replay sent it again.
    bool replay() const;
    // The routing key the event was first published with (x-bb-routing-key,
    // set when it was sent back to its queue), else routing_key.
    std::string_view original_routing_key() const;
};

// The headers bloodbank adds when it sends a message on (DESIGN: bb-consume).
inline constexpr std::string_view attempts_header = "x-bb-attempts";
inline constexpr std::string_view routing_key_header = "x-bb-routing-key";
inline constexpr std::string_view failure_header = "x-bb-failure";
inline constexpr std::string_view queue_header = "x-bb-queue";
// The headers of bb-publish --replay: the marker, when, and which replay run.
inline constexpr std::string_view replay_header = "x-bloodbank-replay";
inline constexpr std::string_view replayed_at_header = "x-bloodbank-replayed-at";
inline constexpr std::string_view replay_id_header = "x-bloodbank-replay-id";
// The broker's: redeliveries of a quorum queue message, a stream delivery's offset.
inline constexpr std::string_view delivery_count_header = "x-delivery-count";
inline constexpr std::string_view stream_offset_header = "x-stream-offset";

class Consumer {
public:
    // Connects to the first reachable URL, opens the channel, declares the
    // exchange (and the dead-letter exchange), declares and binds the queue
    // unless told not to, and starts consuming. Errors are connect()'s of
    // Publisher, or the broker's refusal of a step, ErrorKind::unavailable;
    // a queue that exists with another type than asked is ErrorKind::usage,
    // naming both types.
    static Result<Consumer> connect(const ConsumerOptions& options);

    Consumer(Consumer&&) noexcept;
    Consumer& operator=(Consumer&&) noexcept;
    ~Consumer();

    // Reads what the broker sent, waiting up to `timeout` for the first frame
    // (zero: do not wait), and appends each complete delivery to `out`. Also
    // settles the copies sent by forward() and sends heartbeats when due. An
    // Error means the connection or channel is gone: every delivery not yet
    // acked goes back to the queue by itself.
    Result<void> receive(std::chrono::milliseconds timeout, std::vector<Received>& out);

    // basic.ack of one delivery, or of every one up to `tag` when multiple.
    Result<void> ack(std::uint64_t tag, bool multiple = false);
    // Back to the queue as it is (basic.nack with requeue).
    Result<void> requeue(std::uint64_t tag);
    // basic.reject without requeue: dropped, or to the queue's own
    // dead-letter exchange if it has one.
    Result<void> reject(std::uint64_t tag);
    // Publishes a persistent copy of `message` to `exchange` with
    // `routing_key`, its headers replaced or extended by `extra`, and acks
    // `message` once the broker confirmed the copy (a nacked copy sends the
    // original back to the queue).
    Result<void> forward(const Received& message, std::string_view exchange,
                         std::string_view routing_key, const std::vector<Header>& extra);
    // Copies sent but not yet confirmed.
    std::size_t forwards_pending() const;
    // The message ids of copies that the broker routed nowhere (no queue is
    // bound for them on their exchange), whose originals were therefore
    // rejected; each is returned once.
    std::vector<std::string> take_dropped();
    // Frames already read from the socket and not yet taken by receive():
    // poll() on fd() would not show them.
    bool has_buffered() const;

    // basic.cancel: the broker sends nothing more; what it sent is still
    // received, and may be acked.
    Result<void> stop_consuming();

    // After a lost connection: connects again as connect() does. Delivery
    // tags start again at 1; what was not acked is redelivered (on a stream:
    // read again from the offset given to resume_stream_at()).
    Result<void> reconnect();
    // Where reconnect() starts reading a stream again.
    void resume_stream_at(std::uint64_t offset);

    int fd() const;
    const std::string& target() const; // the URL connected to, redacted
    const std::string& queue() const;  // the queue consumed (its server-given name too)
    // The broker closed the channel on purpose (a missing queue or exchange,
    // no permission, an exclusive queue in use): connecting again would not help.
    bool refused() const;

    // Closes politely (bounded by rpc_timeout); unacked deliveries return to
    // the queue.
    void close();

    struct State; // opaque: the rabbitmq-c handle, private to lib/src
    explicit Consumer(std::unique_ptr<State> state);

private:
    std::unique_ptr<State> state_;
};

} // namespace bb
