// Publishing with confirms: send without waiting, then settle delivery tags as
// acks, nacks and basic.return frames arrive (a return comes before the ack
// of the same message and names it only by its properties, so it is matched
// by message_id).
#include "amqp/state.hpp"

#include "bloodbank/stop_signals.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <cerrno>
#include <poll.h>

namespace bb {

using namespace amqp_detail;
using Clock = std::chrono::steady_clock;

std::string_view to_string(Delivery delivery) {
    switch (delivery) {
    case Delivery::confirmed:
        return "confirmed";
    case Delivery::nacked:
        return "nacked";
    case Delivery::returned:
        return "returned";
    case Delivery::unconfirmed:
        break;
    }
    return "unconfirmed";
}

namespace amqp_detail {

std::uint64_t Window::push(std::string_view message_id) {
    if (size() == slots_.size())
        grow();
    Slot& s = slot(next_tag_);
    s.message_id.assign(message_id);
    s.returned = false;
    s.settled = false;
    return next_tag_++;
}

void Window::grow() {
    std::vector<Slot> bigger(slots_.size() * 2);
    for (std::uint64_t tag = first_; tag < next_tag_; ++tag)
        bigger[tag & (bigger.size() - 1)] = std::move(slot(tag));
    slots_ = std::move(bigger);
}

bool Window::mark_returned(std::string_view message_id) {
    // The returned message is almost always among the oldest in flight.
    for (std::uint64_t tag = first_; tag < next_tag_; ++tag) {
        Slot& s = slot(tag);
        if (!s.settled && !s.returned && s.message_id == message_id) {
            s.returned = true;
            return true;
        }
    }
    return false;
}

void Window::settle_one(std::uint64_t tag, bool ack, std::vector<Settled>& out) {
    Slot& s = slot(tag);
    if (s.settled)
        return;
    s.settled = true;
    Delivery d = !ack ? Delivery::nacked : s.returned ? Delivery::returned : Delivery::confirmed;
    out.push_back({tag, d});
}

void Window::settle(std::uint64_t tag, bool multiple, bool ack, std::vector<Settled>& out) {
    if (tag < first_ || tag >= next_tag_)
        return; // already settled or never sent: nothing to report
    if (multiple) {
        for (std::uint64_t t = first_; t <= tag; ++t)
            settle_one(t, ack, out);
    } else {
        settle_one(tag, ack, out);
    }
    while (first_ < next_tag_ && slot(first_).settled)
        ++first_;
}

void Window::abandon(std::vector<Settled>& out) {
    for (; first_ < next_tag_; ++first_) {
        Slot& s = slot(first_);
        if (!s.settled)
            out.push_back({first_, Delivery::unconfirmed});
        s.settled = true;
    }
}

} // namespace amqp_detail

namespace {

Error lost(const Publisher::State& s, std::string_view why) {
    return connection_lost(s.target, why);
}

// After a basic.return come a content header and body frames; the header has
// the message_id. The body is skipped frame by frame.
Result<std::string> read_returned_message_id(Publisher::State& s) {
    amqp_connection_state_t conn = s.connection.get();
    timeval tv = to_timeval(s.options.rpc_timeout);
    amqp_frame_t frame;
    int rc = amqp_simple_wait_frame_noblock(conn, &frame, &tv);
    if (rc != AMQP_STATUS_OK)
        return lost(s, describe_status(rc));
    if (frame.frame_type != AMQP_FRAME_HEADER)
        return lost(s, "malformed basic.return (no content header)");
    std::string message_id;
    auto* props = static_cast<const amqp_basic_properties_t*>(frame.payload.properties.decoded);
    if (props && (props->_flags & AMQP_BASIC_MESSAGE_ID_FLAG))
        message_id.assign(static_cast<const char*>(props->message_id.bytes), props->message_id.len);
    std::uint64_t remaining = frame.payload.properties.body_size;
    while (remaining > 0) {
        rc = amqp_simple_wait_frame_noblock(conn, &frame, &tv);
        if (rc != AMQP_STATUS_OK)
            return lost(s, describe_status(rc));
        if (frame.frame_type != AMQP_FRAME_BODY)
            return lost(s, "malformed basic.return (body missing)");
        remaining -= std::min<std::uint64_t>(remaining, frame.payload.body_fragment.len);
    }
    return message_id;
}

// Handles one frame; an Error means the channel or connection is closed.
Result<void> handle_frame(Publisher::State& s, const amqp_frame_t& frame,
                          std::vector<Settled>& settled) {
    if (frame.frame_type != AMQP_FRAME_METHOD)
        return {}; // stray content frames: nothing we asked for
    if (s.setup_replies > 0) {
        auto taken = take_setup_reply(s, frame);
        if (!taken)
            return taken.error();
        if (*taken)
            return {};
    }
    if (auto closed = take_close(s.connection.get(), frame, s.target, s.refused))
        return *closed;
    switch (frame.payload.method.id) {
    case AMQP_BASIC_ACK_METHOD: {
        auto* ack = static_cast<const amqp_basic_ack_t*>(frame.payload.method.decoded);
        s.window.settle(ack->delivery_tag, ack->multiple, true, settled);
        return {};
    }
    case AMQP_BASIC_NACK_METHOD: {
        auto* nack = static_cast<const amqp_basic_nack_t*>(frame.payload.method.decoded);
        s.window.settle(nack->delivery_tag, nack->multiple, false, settled);
        return {};
    }
    case AMQP_BASIC_RETURN_METHOD: {
        auto id = read_returned_message_id(s);
        if (!id)
            return id.error();
        s.window.mark_returned(*id);
        return {};
    }
    default:
        return {}; // e.g. connection.blocked: the write deadline covers it
    }
}

// Waits up to `timeout` for the first frame, then takes what is already buffered.
Result<void> read_frames(Publisher::State& s, std::chrono::milliseconds timeout,
                         std::vector<Settled>& settled) {
    return amqp_detail::read_frames(
        s.connection.get(), s.target, timeout, s.broken,
        [&](const amqp_frame_t& frame) { return handle_frame(s, frame, settled); });
}

// A TCP socket reports POLLOUT only with at least a third of its send buffer
// free, and that buffer starts at 16 KiB (tcp_wmem) and only shrinks when the
// kernel is short of memory: after POLLOUT, this many bytes can be written
// without blocking. Saves a poll() per small message.
constexpr std::size_t writable_after_pollout = 4096;
// Method and header frames of one message, beyond its body and routing key.
constexpr std::size_t frame_overhead = 256;

// Waits for the socket to take data, reading the broker's frames meanwhile.
// A broker that blocks publishers (a memory or disk alarm) stops reading: the
// wait ends at write_timeout, or at once on a stop request, since nothing was
// written yet that a signal would leave half sent. Either way the connection
// counts as lost, and what is in flight as unconfirmed.
Result<void> wait_writable(Publisher::State& s) {
    int fd = amqp_get_sockfd(s.connection.get());
    auto deadline = Clock::now() + s.options.write_timeout;
    for (;;) {
        pollfd p{fd, POLLOUT, 0};
        int ready = ::poll(&p, 1, 0);
        if (ready > 0 && (p.revents & POLLOUT))
            return {};
        if (ready < 0 && errno != EINTR)
            return lost(s, "poll failed");
        switch (wait_ready(fd, POLLOUT | POLLIN, deadline)) {
        case WaitResult::stopped:
            s.broken = true;
            return lost(s, fmt::format("the broker stopped accepting data; stopped by {}",
                                       signal_name(stop_requested())));
        case WaitResult::timed_out:
            s.broken = true;
            return lost(s, "the broker stopped accepting data (timed out)");
        case WaitResult::ready:
            // Frames to read, or the socket failed: read_frames() tells.
            if (auto r = read_frames(s, std::chrono::milliseconds(0), s.early); !r)
                return r;
            break;
        }
    }
}

} // namespace

Publisher::Publisher(std::unique_ptr<State> state) : state_(std::move(state)) {}
Publisher::Publisher(Publisher&&) noexcept = default;
Publisher& Publisher::operator=(Publisher&&) noexcept = default;
Publisher::~Publisher() = default;

std::size_t Publisher::in_flight() const {
    return state_->window.size();
}
int Publisher::fd() const {
    return state_->connection ? amqp_get_sockfd(state_->connection.get()) : -1;
}
bool Publisher::refused() const {
    return state_->refused;
}
const std::string& Publisher::target() const {
    return state_->target;
}

Result<void> Publisher::service(std::chrono::milliseconds timeout, std::vector<Settled>& settled) {
    State& s = *state_;
    if (!s.early.empty()) {
        settled.insert(settled.end(), s.early.begin(), s.early.end());
        s.early.clear();
    }
    return read_frames(s, timeout, settled);
}

Result<std::uint64_t> Publisher::publish(const OutgoingMessage& message) {
    State& s = *state_;
    if (s.broken)
        return lost(s, "already closed");
    amqp_connection_state_t conn = s.connection.get();

    // rabbitmq-c writes without a deadline, so make sure the socket takes data
    // first, servicing incoming frames while the broker is slow to read.
    std::size_t size = message.body.size() + message.routing_key.size() + frame_overhead;
    if (size > s.writable_budget) {
        if (auto writable = wait_writable(s); !writable)
            return writable.error();
        s.writable_budget = writable_after_pollout;
    }
    s.writable_budget -= std::min(size, s.writable_budget);

    amqp_basic_properties_t props{};
    props._flags = AMQP_BASIC_CONTENT_TYPE_FLAG | AMQP_BASIC_CONTENT_ENCODING_FLAG |
                   AMQP_BASIC_DELIVERY_MODE_FLAG | AMQP_BASIC_MESSAGE_ID_FLAG |
                   AMQP_BASIC_TIMESTAMP_FLAG | AMQP_BASIC_TYPE_FLAG;
    props.content_type = amqp_cstring_bytes("application/json");
    props.content_encoding = amqp_cstring_bytes("utf-8");
    props.delivery_mode = 2;
    props.message_id = {message.message_id.size(), const_cast<char*>(message.message_id.data())};
    props.type = {message.type.size(), const_cast<char*>(message.type.data())};
    props.timestamp = static_cast<std::uint64_t>(message.timestamp);
    if (!message.correlation_id.empty()) {
        props._flags |= AMQP_BASIC_CORRELATION_ID_FLAG;
        props.correlation_id = {message.correlation_id.size(),
                                const_cast<char*>(message.correlation_id.data())};
    }
    amqp_table_entry_t replay[3];
    if (message.replay) {
        replay[0].key = amqp_cstring_bytes("x-bloodbank-replay");
        replay[0].value.kind = AMQP_FIELD_KIND_BOOLEAN;
        replay[0].value.value.boolean = 1;
        const std::string& at = message.replay->replayed_at;
        replay[1].key = amqp_cstring_bytes("x-bloodbank-replayed-at");
        replay[1].value.kind = AMQP_FIELD_KIND_UTF8;
        replay[1].value.value.bytes = {at.size(), const_cast<char*>(at.data())};
        const std::string& id = message.replay->replay_id;
        replay[2].key = amqp_cstring_bytes("x-bloodbank-replay-id");
        replay[2].value.kind = AMQP_FIELD_KIND_UTF8;
        replay[2].value.value.bytes = {id.size(), const_cast<char*>(id.data())};
        props._flags |= AMQP_BASIC_HEADERS_FLAG;
        props.headers = {3, replay};
    }
    amqp_bytes_t exchange{s.options.exchange.size(), s.options.exchange.data()};
    amqp_bytes_t key{message.routing_key.size(), const_cast<char*>(message.routing_key.data())};
    amqp_bytes_t body{message.body.size(), const_cast<char*>(message.body.data())};

    int rc = amqp_basic_publish(conn, channel, exchange, key, s.options.mandatory ? 1 : 0,
                                /*immediate=*/0, &props, body);
    if (rc != AMQP_STATUS_OK) {
        s.broken = true;
        return lost(s, describe_status(rc));
    }
    return s.window.push(message.message_id);
}

Result<void> Publisher::await_setup() {
    State& s = *state_;
    auto deadline = Clock::now() + s.options.rpc_timeout;
    while (s.setup_replies > 0) {
        auto left = std::chrono::duration_cast<std::chrono::milliseconds>(deadline - Clock::now());
        if (left.count() <= 0) {
            s.broken = true;
            return lost(s, "no answer to the channel setup (timed out)");
        }
        if (auto r = read_frames(s, left, s.early); !r)
            return r;
    }
    return {};
}

void Publisher::abandon_in_flight(std::vector<Settled>& settled) {
    State& s = *state_;
    settled.insert(settled.end(), s.early.begin(), s.early.end());
    s.early.clear();
    s.window.abandon(settled);
}

Result<void> Publisher::reconnect() {
    PublisherOptions options = state_->options;
    state_->broken = true;
    state_->connection.reset(); // the socket is closed, the broker sees the connection go
    auto fresh = Publisher::connect(options);
    if (!fresh)
        return fresh.error();
    *this = std::move(*fresh);
    return {};
}

void Publisher::close() {
    State& s = *state_;
    if (!s.connection)
        return;
    if (!s.broken && !stop_requested()) {
        // A polite close, but not worth more than a moment at the very end.
        timeval moment =
            to_timeval(std::min(s.options.rpc_timeout, std::chrono::milliseconds(2000)));
        amqp_set_rpc_timeout(s.connection.get(), &moment);
        amqp_connection_close(s.connection.get(), AMQP_REPLY_SUCCESS);
    } else if (!s.broken) {
        // After a signal the time promised (--shutdown-timeout, or none after
        // a second one) is used up: say goodbye without waiting for the answer,
        // which a blocked broker would not give, and only if the socket takes
        // the few bytes at once (rabbitmq-c's writes wait without a deadline).
        pollfd p{amqp_get_sockfd(s.connection.get()), POLLOUT, 0};
        amqp_connection_close_t close{};
        close.reply_code = AMQP_REPLY_SUCCESS;
        close.reply_text = amqp_cstring_bytes("");
        if (::poll(&p, 1, 0) == 1 && (p.revents & POLLOUT))
            amqp_send_method(s.connection.get(), 0, AMQP_CONNECTION_CLOSE_METHOD, &close);
    }
    s.broken = true;
    s.connection.reset();
}

} // namespace bb
