// The AMQP 0-9-1 handshake on an open socket, as rabbitmq-c's amqp_login()
// does it (same SASL PLAIN, tuning and capabilities), except that it can
// leave connection.open-ok unread: a publisher sends its channel setup right
// behind connection.open and reads the four replies together, one round trip
// less for a one-event run.
#include "amqp/connection.hpp"

#include <string_view>

namespace bb::amqp_detail {
namespace {

using Clock = std::chrono::steady_clock;

constexpr std::uint32_t frame_max = 131072;

amqp_rpc_reply_t library_error(int status) {
    amqp_rpc_reply_t reply{};
    reply.reply_type = AMQP_RESPONSE_LIBRARY_EXCEPTION;
    reply.library_error = status;
    return reply;
}

// The next method on channel 0 by `deadline` into `out`: `expected`, or a
// connection.close, which is the broker's refusal (a server exception).
amqp_rpc_reply_t wait_method(amqp_connection_state_t conn, amqp_method_number_t expected,
                             Clock::time_point deadline, amqp_method_t& out) {
    auto left = std::chrono::duration_cast<std::chrono::milliseconds>(deadline - Clock::now());
    timeval timeout = to_timeval(std::max(left, std::chrono::milliseconds(0)));
    amqp_frame_t frame;
    if (int rc = amqp_simple_wait_frame_noblock(conn, &frame, &timeout); rc != AMQP_STATUS_OK)
        return library_error(rc);
    if (frame.channel != 0 || frame.frame_type != AMQP_FRAME_METHOD)
        return library_error(AMQP_STATUS_WRONG_METHOD);
    out = frame.payload.method;
    amqp_rpc_reply_t reply{};
    if (out.id == AMQP_CONNECTION_CLOSE_METHOD) {
        reply.reply_type = AMQP_RESPONSE_SERVER_EXCEPTION;
        reply.reply = out;
        return reply;
    }
    if (out.id != expected)
        return library_error(AMQP_STATUS_WRONG_METHOD);
    reply.reply_type = AMQP_RESPONSE_NORMAL;
    return reply;
}

bool offers_plain(const amqp_bytes_t& mechanisms) {
    std::string_view list(static_cast<const char*>(mechanisms.bytes), mechanisms.len);
    for (std::size_t start = 0; start <= list.size();) {
        std::size_t end = std::min(list.find(' ', start), list.size());
        if (list.substr(start, end - start) == "PLAIN")
            return true;
        start = end + 1;
    }
    return false;
}

amqp_table_entry_t utf8_entry(const char* key, const char* value) {
    amqp_table_entry_t entry{};
    entry.key = amqp_cstring_bytes(key);
    entry.value.kind = AMQP_FIELD_KIND_UTF8;
    entry.value.value.bytes = amqp_cstring_bytes(value);
    return entry;
}

amqp_table_entry_t bool_entry(const char* key, bool value) {
    amqp_table_entry_t entry{};
    entry.key = amqp_cstring_bytes(key);
    entry.value.kind = AMQP_FIELD_KIND_BOOLEAN;
    entry.value.value.boolean = value ? 1 : 0;
    return entry;
}

// connection.start-ok: who we are, what we can do, and SASL PLAIN.
int send_start_ok(amqp_connection_state_t conn, const AmqpUrl& url) {
    // authentication_failure_close: a wrong password comes back as a
    // connection.close naming ACCESS_REFUSED, not as a bare hang-up.
    amqp_table_entry_t capabilities[] = {bool_entry("authentication_failure_close", true),
                                         bool_entry("exchange_exchange_bindings", true)};
    amqp_table_entry_t properties[] = {
        utf8_entry("product", "bloodbank"), utf8_entry("version", BB_VERSION),
        utf8_entry("platform", "C++ over rabbitmq-c"), amqp_table_entry_t{}};
    properties[3].key = amqp_cstring_bytes("capabilities");
    properties[3].value.kind = AMQP_FIELD_KIND_TABLE;
    properties[3].value.value.table = {static_cast<int>(std::size(capabilities)), capabilities};

    std::string response;
    response.reserve(url.user.size() + url.password.size() + 2);
    response += '\0';
    response += url.user;
    response += '\0';
    response += url.password;

    amqp_connection_start_ok_t start_ok{};
    start_ok.client_properties = {static_cast<int>(std::size(properties)), properties};
    start_ok.mechanism = amqp_cstring_bytes("PLAIN");
    start_ok.response = {response.size(), response.data()};
    start_ok.locale = amqp_cstring_bytes("en_US");
    return amqp_send_method(conn, 0, AMQP_CONNECTION_START_OK_METHOD, &start_ok);
}

} // namespace

amqp_rpc_reply_t handshake(amqp_connection_state_t conn, const AmqpUrl& url, int heartbeat,
                           Clock::time_point deadline, bool await_open) {
    if (int rc = amqp_send_header(conn); rc != AMQP_STATUS_OK)
        return library_error(rc);
    amqp_method_t method;
    amqp_rpc_reply_t reply = wait_method(conn, AMQP_CONNECTION_START_METHOD, deadline, method);
    if (reply.reply_type != AMQP_RESPONSE_NORMAL)
        return reply;
    auto* start = static_cast<const amqp_connection_start_t*>(method.decoded);
    if (start->version_major != AMQP_PROTOCOL_VERSION_MAJOR ||
        start->version_minor != AMQP_PROTOCOL_VERSION_MINOR)
        return library_error(AMQP_STATUS_INCOMPATIBLE_AMQP_VERSION);
    if (!offers_plain(start->mechanisms))
        return library_error(AMQP_STATUS_BROKER_UNSUPPORTED_SASL_METHOD);
    if (int rc = send_start_ok(conn, url); rc != AMQP_STATUS_OK)
        return library_error(rc);
    amqp_maybe_release_buffers(conn);

    reply = wait_method(conn, AMQP_CONNECTION_TUNE_METHOD, deadline, method);
    if (reply.reply_type != AMQP_RESPONSE_NORMAL)
        return reply;
    auto* tune = static_cast<const amqp_connection_tune_t*>(method.decoded);
    // The broker's limits where it sets one (0: none), as amqp_login() settles them.
    amqp_connection_tune_ok_t tune_ok{};
    tune_ok.channel_max = tune->channel_max == 0 ? UINT16_MAX : tune->channel_max;
    tune_ok.frame_max =
        tune->frame_max != 0 && tune->frame_max < frame_max ? tune->frame_max : frame_max;
    tune_ok.heartbeat = tune->heartbeat != 0 && tune->heartbeat < heartbeat
                            ? tune->heartbeat
                            : static_cast<std::uint16_t>(heartbeat); // 0 stays off
    int rc = amqp_tune_connection(conn, tune_ok.channel_max, static_cast<int>(tune_ok.frame_max),
                                  tune_ok.heartbeat);
    if (rc == AMQP_STATUS_OK)
        rc = amqp_send_method(conn, 0, AMQP_CONNECTION_TUNE_OK_METHOD, &tune_ok);
    amqp_connection_open_t open{};
    open.virtual_host = amqp_cstring_bytes(url.vhost.c_str());
    open.capabilities = amqp_empty_bytes;
    open.insist = 1;
    if (rc == AMQP_STATUS_OK)
        rc = amqp_send_method(conn, 0, AMQP_CONNECTION_OPEN_METHOD, &open);
    if (rc != AMQP_STATUS_OK)
        return library_error(rc);
    amqp_maybe_release_buffers(conn);
    if (!await_open) {
        reply.reply_type = AMQP_RESPONSE_NORMAL;
        return reply;
    }
    reply = wait_method(conn, AMQP_CONNECTION_OPEN_OK_METHOD, deadline, method);
    if (reply.reply_type == AMQP_RESPONSE_NORMAL)
        amqp_maybe_release_buffers(conn);
    return reply;
}

} // namespace bb::amqp_detail
