// Consuming: setup with synchronous methods (start-up time does not matter
// for a long-running consumer, a clear refusal does), then a frame loop that
// assembles deliveries (method, content header, body frames) and settles the
// copies forward() published.
#include "bloodbank/consumer.hpp"

#include "amqp/connection.hpp"
#include "amqp/queue_declare.hpp"
#include "amqp/received.hpp"

#include "bloodbank/stop_signals.hpp"

#include <fmt/format.h>

#include <deque>
#include <poll.h>

namespace bb {

using namespace amqp_detail;
using Clock = std::chrono::steady_clock;

struct Consumer::State {
    ConsumerOptions options;
    ConnectionPtr connection;
    std::string target;
    std::string queue;
    std::string consumer_tag;
    struct Forward {
        std::uint64_t publish_tag;
        std::uint64_t delivery_tag;
        std::string message_id;
        bool returned = false;
    };
    std::deque<Forward> forwards; // in publish-tag order
    std::uint64_t next_publish_tag = 1;
    std::vector<std::string> dropped;
    bool broken = false;
    bool refused = false;
};

namespace {

std::string text(const amqp_bytes_t& bytes) {
    return std::string(static_cast<const char*>(bytes.bytes), bytes.len);
}
amqp_bytes_t bytes(std::string_view s) {
    return {s.size(), const_cast<char*>(s.data())};
}

Error lost(const Consumer::State& s, std::string_view why) {
    return connection_lost(s.target, why);
}

// The reply of the synchronous method just called, as an Error naming `what`.
Result<void> check(Consumer::State& s, std::string_view what) {
    amqp_rpc_reply_t reply = amqp_get_rpc_reply(s.connection.get());
    if (reply.reply_type == AMQP_RESPONSE_NORMAL)
        return {};
    if (stop_requested())
        return cannot_connect(s.target, stopped_by_signal());
    s.broken = true;
    s.refused = reply.reply_type == AMQP_RESPONSE_SERVER_EXCEPTION;
    return make_error(ErrorKind::unavailable,
                      fmt::format("{} on {}: {}", what, s.target, describe_reply(reply)));
}

Result<void> declare_exchange(Consumer::State& s, const std::string& name, bool passive) {
    amqp_exchange_declare(s.connection.get(), channel, bytes(name), amqp_cstring_bytes("topic"),
                          passive ? 1 : 0, /*durable=*/1, /*auto_delete=*/0, /*internal=*/0,
                          amqp_empty_table);
    return check(s, fmt::format("cannot use exchange \"{}\"", name));
}

Result<void> set_up(Consumer::State& s) {
    const ConsumerOptions& o = s.options;
    amqp_connection_state_t conn = s.connection.get();
    CutOnStop cut(amqp_get_sockfd(conn));
    amqp_channel_open(conn, channel);
    if (auto r = check(s, "cannot open a channel"); !r)
        return r;
    amqp_confirm_select(conn, channel);
    if (auto r = check(s, "cannot turn on publisher confirms"); !r)
        return r;
    amqp_basic_qos(conn, channel, 0, o.prefetch, 0);
    if (auto r = check(s, "cannot set the prefetch window"); !r)
        return r;
    if (!o.dead_letter_exchange.empty())
        if (auto r = declare_exchange(s, o.dead_letter_exchange, false); !r)
            return r;
    if (o.declare_queue) {
        if (auto r = declare_exchange(s, o.exchange, !o.declare_exchange); !r)
            return r;
        if (o.queue.empty()) {
            // Private: lives as long as this connection, so classic.
            auto* declared =
                amqp_queue_declare(conn, channel, amqp_empty_bytes, /*passive=*/0, /*durable=*/0,
                                   /*exclusive=*/1, /*auto_delete=*/1, amqp_empty_table);
            if (auto r = check(s, "cannot declare a private queue"); !r)
                return r;
            s.queue = text(declared->queue);
        } else {
            if (auto r = declare_named_queue({conn, s.target, o}, s.refused); !r) {
                s.broken = true;
                return r;
            }
            s.queue = o.queue;
        }
        std::vector<std::string> patterns = o.patterns;
        if (patterns.empty())
            patterns.push_back("#");
        for (const std::string& pattern : patterns) {
            amqp_queue_bind(conn, channel, bytes(s.queue), bytes(o.exchange), bytes(pattern),
                            amqp_empty_table);
            if (auto r = check(s, fmt::format("cannot bind queue \"{}\" to \"{}\" with \"{}\"",
                                              s.queue, o.exchange, pattern));
                !r)
                return r;
        }
    } else {
        s.queue = o.queue;
    }
    amqp_table_entry_t offset;
    amqp_table_t arguments = amqp_empty_table;
    if (o.stream_start)
        arguments = stream_offset_argument(*o.stream_start, offset);
    auto* consuming = amqp_basic_consume(conn, channel, bytes(s.queue), amqp_empty_bytes,
                                         /*no_local=*/0, /*no_ack=*/0, /*exclusive=*/0, arguments);
    if (auto r = check(s, fmt::format("cannot consume from queue \"{}\"", s.queue)); !r)
        return r;
    s.consumer_tag = text(consuming->consumer_tag);
    amqp_maybe_release_buffers(conn);
    return {};
}

Result<std::unique_ptr<Consumer::State>> connect_one(const AmqpUrl& url,
                                                     const ConsumerOptions& options) {
    auto state = std::make_unique<Consumer::State>();
    state->options = options;
    state->target = url.redacted();
    auto connection = log_in(url, {options.tls, options.connect_timeout, options.rpc_timeout,
                                   options.heartbeat_seconds});
    if (!connection)
        return connection.error();
    state->connection = std::move(*connection);
    if (auto r = set_up(*state); !r)
        return r.error();
    return state;
}

// The next frame of the message being received, within rpc_timeout.
Result<amqp_frame_t> next_content_frame(Consumer::State& s) {
    timeval tv = to_timeval(s.options.rpc_timeout);
    amqp_frame_t frame;
    int rc = amqp_simple_wait_frame_noblock(s.connection.get(), &frame, &tv);
    if (rc != AMQP_STATUS_OK)
        return lost(s, describe_status(rc));
    return frame;
}

// After a basic.deliver or basic.return: its content header and body.
Result<void> read_content(Consumer::State& s, Received& out) {
    auto header = next_content_frame(s);
    if (!header)
        return header.error();
    if (header->frame_type != AMQP_FRAME_HEADER)
        return lost(s, "a message without its content header");
    read_properties(
        *static_cast<const amqp_basic_properties_t*>(header->payload.properties.decoded), out);
    std::uint64_t size = header->payload.properties.body_size;
    out.body.reserve(size);
    while (out.body.size() < size) {
        auto body = next_content_frame(s);
        if (!body)
            return body.error();
        if (body->frame_type != AMQP_FRAME_BODY)
            return lost(s, "a message cut short");
        out.body.append(static_cast<const char*>(body->payload.body_fragment.bytes),
                        body->payload.body_fragment.len);
    }
    return {};
}

Result<void> send_ack(Consumer::State& s, std::uint64_t tag, bool multiple) {
    if (s.broken)
        return lost(s, "already closed");
    if (int rc = amqp_basic_ack(s.connection.get(), channel, tag, multiple ? 1 : 0); rc != 0) {
        s.broken = true;
        return lost(s, describe_status(rc));
    }
    return {};
}

Result<void> send_nack(Consumer::State& s, std::uint64_t tag, bool requeue) {
    if (s.broken)
        return lost(s, "already closed");
    if (int rc = amqp_basic_nack(s.connection.get(), channel, tag, 0, requeue ? 1 : 0); rc != 0) {
        s.broken = true;
        return lost(s, describe_status(rc));
    }
    return {};
}

// The broker answered the copies up to `tag` (or just `tag`).
Result<void> settle_forwards(Consumer::State& s, std::uint64_t tag, bool multiple, bool ack) {
    for (auto it = s.forwards.begin(); it != s.forwards.end();) {
        bool hit = multiple ? it->publish_tag <= tag : it->publish_tag == tag;
        if (!hit) {
            ++it;
            continue;
        }
        Result<void> sent;
        if (!ack) {
            sent = send_nack(s, it->delivery_tag, true);
        } else if (it->returned) {
            s.dropped.push_back(it->message_id);
            sent = send_nack(s, it->delivery_tag, false);
        } else {
            sent = send_ack(s, it->delivery_tag, false);
        }
        if (!sent)
            return sent;
        it = s.forwards.erase(it);
    }
    return {};
}

Result<void> handle_frame(Consumer::State& s, const amqp_frame_t& frame,
                          std::vector<Received>& out) {
    if (frame.frame_type != AMQP_FRAME_METHOD)
        return {};
    if (auto closed = take_close(s.connection.get(), frame, s.target, s.refused))
        return *closed;
    switch (frame.payload.method.id) {
    case AMQP_BASIC_DELIVER_METHOD: {
        auto* d = static_cast<const amqp_basic_deliver_t*>(frame.payload.method.decoded);
        Received r;
        r.tag = d->delivery_tag;
        r.exchange = text(d->exchange);
        r.routing_key = text(d->routing_key);
        r.redelivered = d->redelivered != 0;
        if (auto content = read_content(s, r); !content)
            return content;
        out.push_back(std::move(r));
        return {};
    }
    case AMQP_BASIC_RETURN_METHOD: {
        Received returned;
        if (auto content = read_content(s, returned); !content)
            return content;
        for (auto& f : s.forwards)
            if (!f.returned && f.message_id == returned.message_id) {
                f.returned = true;
                break;
            }
        return {};
    }
    case AMQP_BASIC_ACK_METHOD: {
        auto* ack = static_cast<const amqp_basic_ack_t*>(frame.payload.method.decoded);
        return settle_forwards(s, ack->delivery_tag, ack->multiple, true);
    }
    case AMQP_BASIC_NACK_METHOD: {
        auto* nack = static_cast<const amqp_basic_nack_t*>(frame.payload.method.decoded);
        return settle_forwards(s, nack->delivery_tag, nack->multiple, false);
    }
    case AMQP_BASIC_CANCEL_METHOD: // the queue was deleted under us
        s.refused = true;
        return make_error(ErrorKind::unavailable,
                          fmt::format("the broker at {} cancelled the consumer of queue \"{}\" "
                                      "(was it deleted?)",
                                      s.target, s.queue));
    default:
        return {}; // basic.cancel-ok, connection.blocked, ...
    }
}

} // namespace

Result<Consumer> Consumer::connect(const ConsumerOptions& options) {
    return connect_first(options.urls, [&](const AmqpUrl& url) -> Result<Consumer> {
        auto state = connect_one(url, options);
        if (!state)
            return state.error();
        return Consumer(std::move(*state));
    });
}

Consumer::Consumer(std::unique_ptr<State> state) : state_(std::move(state)) {}
Consumer::Consumer(Consumer&&) noexcept = default;
Consumer& Consumer::operator=(Consumer&&) noexcept = default;
Consumer::~Consumer() = default;

Result<void> Consumer::receive(std::chrono::milliseconds timeout, std::vector<Received>& out) {
    State& s = *state_;
    return read_frames(s.connection.get(), s.target, timeout, s.broken,
                       [&](const amqp_frame_t& frame) { return handle_frame(s, frame, out); });
}

Result<void> Consumer::ack(std::uint64_t tag, bool multiple) {
    return send_ack(*state_, tag, multiple);
}

Result<void> Consumer::requeue(std::uint64_t tag) {
    return send_nack(*state_, tag, true);
}

Result<void> Consumer::reject(std::uint64_t tag) {
    return send_nack(*state_, tag, false);
}

Result<void> Consumer::forward(const Received& message, std::string_view exchange,
                               std::string_view routing_key, const std::vector<Header>& extra) {
    State& s = *state_;
    if (s.broken)
        return lost(s, "already closed");
    // The broker's own headers describe the delivery, not the copy.
    std::vector<Header> headers;
    for (Header& h : merge_headers(message.headers, extra))
        if (h.key != delivery_count_header && h.key != stream_offset_header)
            headers.push_back(std::move(h));
    std::vector<amqp_table_entry_t> entries;
    amqp_basic_properties_t props{};
    props._flags = AMQP_BASIC_DELIVERY_MODE_FLAG | AMQP_BASIC_HEADERS_FLAG;
    props.delivery_mode = 2;
    props.headers = to_table(headers, entries);
    auto set = [&](amqp_flags_t flag, amqp_bytes_t& field, const std::string& value) {
        if (!value.empty()) {
            props._flags |= flag;
            field = bytes(value);
        }
    };
    set(AMQP_BASIC_MESSAGE_ID_FLAG, props.message_id, message.message_id);
    set(AMQP_BASIC_CORRELATION_ID_FLAG, props.correlation_id, message.correlation_id);
    set(AMQP_BASIC_TYPE_FLAG, props.type, message.type);
    set(AMQP_BASIC_CONTENT_TYPE_FLAG, props.content_type, message.content_type);
    if (message.timestamp) {
        props._flags |= AMQP_BASIC_TIMESTAMP_FLAG;
        props.timestamp = *message.timestamp;
    }
    int rc = amqp_basic_publish(s.connection.get(), channel, bytes(exchange), bytes(routing_key),
                                /*mandatory=*/1, /*immediate=*/0, &props, bytes(message.body));
    if (rc != AMQP_STATUS_OK) {
        s.broken = true;
        return lost(s, describe_status(rc));
    }
    s.forwards.push_back({s.next_publish_tag++, message.tag, message.message_id});
    return {};
}

std::size_t Consumer::forwards_pending() const {
    return state_->forwards.size();
}

std::vector<std::string> Consumer::take_dropped() {
    return std::exchange(state_->dropped, {});
}

bool Consumer::has_buffered() const {
    amqp_connection_state_t conn = state_->connection.get();
    return conn && (amqp_frames_enqueued(conn) || amqp_data_in_buffer(conn));
}

Result<void> Consumer::stop_consuming() {
    State& s = *state_;
    if (s.broken || s.consumer_tag.empty())
        return {};
    amqp_basic_cancel_t cancel{};
    cancel.consumer_tag = bytes(s.consumer_tag);
    cancel.nowait = 0;
    if (int rc = amqp_send_method(s.connection.get(), channel, AMQP_BASIC_CANCEL_METHOD, &cancel);
        rc != AMQP_STATUS_OK) {
        s.broken = true;
        return lost(s, describe_status(rc));
    }
    s.consumer_tag.clear();
    return {};
}

Result<void> Consumer::reconnect() {
    ConsumerOptions options = state_->options;
    // A server-named queue went with the connection; the new one gets a new name.
    state_->broken = true;
    state_->connection.reset();
    auto fresh = Consumer::connect(options);
    if (!fresh)
        return fresh.error();
    *this = std::move(*fresh);
    return {};
}

void Consumer::resume_stream_at(std::uint64_t offset) {
    state_->options.stream_start = StreamStart{StreamStart::Kind::offset, offset, 0};
}

int Consumer::fd() const {
    return state_->connection ? amqp_get_sockfd(state_->connection.get()) : -1;
}
const std::string& Consumer::target() const {
    return state_->target;
}
const std::string& Consumer::queue() const {
    return state_->queue;
}
bool Consumer::refused() const {
    return state_->refused;
}

void Consumer::close() {
    State& s = *state_;
    if (!s.connection)
        return;
    if (!s.broken) {
        pollfd p{amqp_get_sockfd(s.connection.get()), POLLOUT, 0};
        if (::poll(&p, 1, 0) == 1 && (p.revents & POLLOUT)) {
            timeval moment =
                to_timeval(std::min(s.options.rpc_timeout, std::chrono::milliseconds(2000)));
            amqp_set_rpc_timeout(s.connection.get(), &moment);
            amqp_connection_close(s.connection.get(), AMQP_REPLY_SUCCESS);
        }
    }
    s.broken = true;
    s.connection.reset();
}

} // namespace bb
