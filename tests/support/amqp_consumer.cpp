#include "support/amqp_consumer.hpp"

#include "bloodbank/config.hpp"

#include <amqp_tcp_socket.h>

#include <random>
#include <stdexcept>
#include <sys/time.h>

namespace bbtest {
namespace {

constexpr amqp_channel_t channel = 1;
constexpr amqp_channel_t publishing_channel = 2;

std::string text(amqp_bytes_t b) {
    return std::string(static_cast<const char*>(b.bytes), b.len);
}

std::string describe(const amqp_rpc_reply_t& r) {
    switch (r.reply_type) {
    case AMQP_RESPONSE_NORMAL:
        return "ok";
    case AMQP_RESPONSE_NONE:
        return "no reply";
    case AMQP_RESPONSE_LIBRARY_EXCEPTION:
        return amqp_error_string2(r.library_error);
    case AMQP_RESPONSE_SERVER_EXCEPTION:
        if (r.reply.id == AMQP_CHANNEL_CLOSE_METHOD)
            return text(static_cast<amqp_channel_close_t*>(r.reply.decoded)->reply_text);
        if (r.reply.id == AMQP_CONNECTION_CLOSE_METHOD)
            return text(static_cast<amqp_connection_close_t*>(r.reply.decoded)->reply_text);
        return "server exception";
    }
    return "unknown reply";
}

} // namespace

std::string unique_name(const std::string& purpose) {
    static std::mt19937_64 rng{std::random_device{}()};
    char hex[17];
    snprintf(hex, sizeof hex, "%016llx", static_cast<unsigned long long>(rng()));
    return "bbtest." + purpose + "." + hex;
}

void AmqpConsumer::Deleter::operator()(amqp_connection_state_t c) const {
    amqp_connection_close(c, AMQP_REPLY_SUCCESS);
    amqp_destroy_connection(c);
}

AmqpConsumer::AmqpConsumer(const std::string& url) {
    auto parsed = bb::parse_amqp_url(url);
    if (!parsed)
        throw std::runtime_error("test consumer: bad URL: " + parsed.error().message);
    amqp_connection_state_t c = amqp_new_connection();
    amqp_socket_t* socket = amqp_tcp_socket_new(c);
    timeval timeout{5, 0};
    if (amqp_socket_open_noblock(socket, parsed->host.c_str(), parsed->port, &timeout) !=
        AMQP_STATUS_OK) {
        amqp_destroy_connection(c);
        throw std::runtime_error("test consumer: cannot connect to " + parsed->redacted());
    }
    // Each request may take long: a quorum queue whose leader died answers
    // only after the others elected a new one, which a loaded machine
    // stretches past the 5 s allowed to connect.
    timeval rpc_timeout{30, 0};
    amqp_set_rpc_timeout(c, &rpc_timeout);
    amqp_rpc_reply_t r = amqp_login(c, parsed->vhost.c_str(), 0, 131072, 0, AMQP_SASL_METHOD_PLAIN,
                                    parsed->user.c_str(), parsed->password.c_str());
    if (r.reply_type != AMQP_RESPONSE_NORMAL) {
        amqp_destroy_connection(c);
        throw std::runtime_error("test consumer: login failed: " + describe(r));
    }
    conn_.reset(c);
    amqp_channel_open(c, channel);
    check("channel.open");
}

AmqpConsumer::~AmqpConsumer() = default;

void AmqpConsumer::reopen_channel() {
    amqp_channel_close_ok_t ok{};
    amqp_send_method(conn_.get(), channel, AMQP_CHANNEL_CLOSE_OK_METHOD, &ok);
    amqp_channel_open(conn_.get(), channel);
}

void AmqpConsumer::check(const char* what) {
    amqp_rpc_reply_t r = amqp_get_rpc_reply(conn_.get());
    if (r.reply_type == AMQP_RESPONSE_NORMAL)
        return;
    std::string why = describe(r);
    if (r.reply_type == AMQP_RESPONSE_SERVER_EXCEPTION && r.reply.id == AMQP_CHANNEL_CLOSE_METHOD)
        reopen_channel();
    throw std::runtime_error(std::string("test consumer: ") + what + ": " + why);
}

void AmqpConsumer::declare_exchange(const std::string& name, const std::string& type,
                                    bool durable) {
    amqp_exchange_declare(conn_.get(), channel, amqp_cstring_bytes(name.c_str()),
                          amqp_cstring_bytes(type.c_str()), 0, durable, 0, 0, amqp_empty_table);
    check("exchange.declare");
}

void AmqpConsumer::delete_exchange(const std::string& name) {
    amqp_exchange_delete(conn_.get(), channel, amqp_cstring_bytes(name.c_str()), 0);
    check("exchange.delete");
}

bool AmqpConsumer::exchange_exists(const std::string& name) {
    amqp_exchange_declare(conn_.get(), channel, amqp_cstring_bytes(name.c_str()),
                          amqp_cstring_bytes("topic"), /*passive=*/1, 0, 0, 0, amqp_empty_table);
    amqp_rpc_reply_t r = amqp_get_rpc_reply(conn_.get());
    if (r.reply_type == AMQP_RESPONSE_NORMAL)
        return true;
    if (r.reply_type == AMQP_RESPONSE_SERVER_EXCEPTION && r.reply.id == AMQP_CHANNEL_CLOSE_METHOD) {
        reopen_channel();
        return false;
    }
    throw std::runtime_error("test consumer: exchange.declare passive: " + describe(r));
}

void AmqpConsumer::declare_queue(const std::string& name, const QueueOptions& options) {
    amqp_table_entry_t entries[3];
    int n = 0;
    if (options.max_length) {
        entries[n].key = amqp_cstring_bytes("x-max-length");
        entries[n].value.kind = AMQP_FIELD_KIND_I64;
        entries[n].value.value.i64 = *options.max_length;
        ++n;
    }
    if (options.reject_publish) {
        entries[n].key = amqp_cstring_bytes("x-overflow");
        entries[n].value.kind = AMQP_FIELD_KIND_UTF8;
        entries[n].value.value.bytes = amqp_cstring_bytes("reject-publish");
        ++n;
    }
    if (options.type) {
        entries[n].key = amqp_cstring_bytes("x-queue-type");
        entries[n].value.kind = AMQP_FIELD_KIND_UTF8;
        entries[n].value.value.bytes = amqp_cstring_bytes(options.type->c_str());
        ++n;
    }
    amqp_table_t arguments{n, entries};
    amqp_queue_declare(conn_.get(), channel, amqp_cstring_bytes(name.c_str()), 0, options.durable,
                       0, options.auto_delete, arguments);
    check("queue.declare");
}

void AmqpConsumer::bind(const std::string& queue, const std::string& exchange,
                        const std::string& binding_key) {
    amqp_queue_bind(conn_.get(), channel, amqp_cstring_bytes(queue.c_str()),
                    amqp_cstring_bytes(exchange.c_str()), amqp_cstring_bytes(binding_key.c_str()),
                    amqp_empty_table);
    check("queue.bind");
}

void AmqpConsumer::delete_queue(const std::string& name) {
    amqp_queue_delete(conn_.get(), channel, amqp_cstring_bytes(name.c_str()), 0, 0);
    check("queue.delete");
}

std::uint32_t AmqpConsumer::message_count(const std::string& queue) {
    auto* ok = amqp_queue_declare(conn_.get(), channel, amqp_cstring_bytes(queue.c_str()),
                                  /*passive=*/1, 0, 0, 0, amqp_empty_table);
    check("queue.declare passive");
    return ok->message_count;
}

void AmqpConsumer::publish(const std::string& exchange, const std::string& routing_key,
                           const std::string& body, const std::string& message_id) {
    if (!confirming_) {
        amqp_channel_open(conn_.get(), publishing_channel);
        check("channel.open");
        amqp_confirm_select(conn_.get(), publishing_channel);
        check("confirm.select");
        confirming_ = true;
    }
    amqp_basic_properties_t props{};
    props._flags = AMQP_BASIC_DELIVERY_MODE_FLAG | AMQP_BASIC_CONTENT_TYPE_FLAG;
    props.delivery_mode = 2;
    props.content_type = amqp_cstring_bytes("application/json");
    if (!message_id.empty()) {
        props._flags |= AMQP_BASIC_MESSAGE_ID_FLAG;
        props.message_id = amqp_cstring_bytes(message_id.c_str());
    }
    amqp_bytes_t bytes{body.size(), const_cast<char*>(body.data())};
    if (amqp_basic_publish(conn_.get(), publishing_channel, amqp_cstring_bytes(exchange.c_str()),
                           amqp_cstring_bytes(routing_key.c_str()), 0, 0, &props,
                           bytes) != AMQP_STATUS_OK)
        throw std::runtime_error("test consumer: basic.publish failed");
    unconfirmed_.insert(++published_);
}

void AmqpConsumer::wait_for_confirms() {
    while (!unconfirmed_.empty()) {
        amqp_frame_t frame;
        timeval timeout{30, 0};
        if (amqp_simple_wait_frame_noblock(conn_.get(), &frame, &timeout) != AMQP_STATUS_OK)
            throw std::runtime_error("test consumer: no confirm from the broker");
        if (frame.frame_type != AMQP_FRAME_METHOD)
            continue;
        if (frame.payload.method.id == AMQP_BASIC_NACK_METHOD)
            throw std::runtime_error("test consumer: the broker nacked a message");
        if (frame.payload.method.id == AMQP_BASIC_ACK_METHOD) {
            auto* ack = static_cast<amqp_basic_ack_t*>(frame.payload.method.decoded);
            if (ack->multiple)
                unconfirmed_.erase(unconfirmed_.begin(),
                                   unconfirmed_.upper_bound(ack->delivery_tag));
            else
                unconfirmed_.erase(ack->delivery_tag);
        }
    }
    amqp_maybe_release_buffers(conn_.get());
}

std::vector<ReceivedMessage> AmqpConsumer::drain(const std::string& queue) {
    std::vector<ReceivedMessage> out;
    for (;;) {
        amqp_rpc_reply_t r =
            amqp_basic_get(conn_.get(), channel, amqp_cstring_bytes(queue.c_str()), /*no_ack=*/1);
        if (r.reply_type != AMQP_RESPONSE_NORMAL)
            check("basic.get");
        if (r.reply.id == AMQP_BASIC_GET_EMPTY_METHOD)
            return out;
        auto* get = static_cast<amqp_basic_get_ok_t*>(r.reply.decoded);
        ReceivedMessage m;
        m.exchange = text(get->exchange);
        m.routing_key = text(get->routing_key);

        amqp_message_t message;
        r = amqp_read_message(conn_.get(), channel, &message, 0);
        if (r.reply_type != AMQP_RESPONSE_NORMAL)
            throw std::runtime_error("test consumer: reading a message: " + describe(r));
        const amqp_basic_properties_t& p = message.properties;
        m.body = text(message.body);
        if (p._flags & AMQP_BASIC_CONTENT_TYPE_FLAG)
            m.content_type = text(p.content_type);
        if (p._flags & AMQP_BASIC_CONTENT_ENCODING_FLAG)
            m.content_encoding = text(p.content_encoding);
        if (p._flags & AMQP_BASIC_DELIVERY_MODE_FLAG)
            m.delivery_mode = p.delivery_mode;
        if (p._flags & AMQP_BASIC_MESSAGE_ID_FLAG)
            m.message_id = text(p.message_id);
        if (p._flags & AMQP_BASIC_CORRELATION_ID_FLAG)
            m.correlation_id = text(p.correlation_id);
        if (p._flags & AMQP_BASIC_TYPE_FLAG)
            m.type = text(p.type);
        if (p._flags & AMQP_BASIC_TIMESTAMP_FLAG)
            m.timestamp = p.timestamp;
        m.has_headers = p._flags & AMQP_BASIC_HEADERS_FLAG;
        if (m.has_headers)
            for (int i = 0; i < p.headers.num_entries; ++i) {
                const amqp_table_entry_t& e = p.headers.entries[i];
                if (e.value.kind == AMQP_FIELD_KIND_UTF8 || e.value.kind == AMQP_FIELD_KIND_BYTES)
                    m.headers[text(e.key)] = text(e.value.value.bytes);
                else if (e.value.kind == AMQP_FIELD_KIND_I64)
                    m.headers[text(e.key)] = std::to_string(e.value.value.i64);
                else if (e.value.kind == AMQP_FIELD_KIND_I32)
                    m.headers[text(e.key)] = std::to_string(e.value.value.i32);
                else if (e.value.kind == AMQP_FIELD_KIND_BOOLEAN)
                    m.headers[text(e.key)] = e.value.value.boolean ? "true" : "false";
            }
        m.has_other_properties = p._flags & (AMQP_BASIC_PRIORITY_FLAG | AMQP_BASIC_REPLY_TO_FLAG |
                                             AMQP_BASIC_EXPIRATION_FLAG | AMQP_BASIC_USER_ID_FLAG |
                                             AMQP_BASIC_APP_ID_FLAG | AMQP_BASIC_CLUSTER_ID_FLAG);
        amqp_destroy_message(&message);
        amqp_maybe_release_buffers(conn_.get());
        out.push_back(std::move(m));
    }
}

} // namespace bbtest
