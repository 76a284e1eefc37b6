// Logging in to a broker: our own non-blocking TCP connect (tcp_connect.hpp,
// so a refused or unreachable broker is named precisely and in time), or for
// amqps:// rabbitmq-c's TLS socket (tls.cpp), then the AMQP handshake
// (handshake.cpp).
#include "amqp/connection.hpp"
#include "amqp/tls.hpp"

#include "bloodbank/file_access.hpp"
#include "bloodbank/stop_signals.hpp"

#include <amqp_tcp_socket.h>
#include <fmt/format.h>

#include <utility>

namespace bb::amqp_detail {

std::string describe_status(int status) {
    return amqp_error_string2(status);
}

std::string describe_reply(const amqp_rpc_reply_t& reply) {
    switch (reply.reply_type) {
    case AMQP_RESPONSE_NORMAL:
        return "ok";
    case AMQP_RESPONSE_NONE:
        return "no reply from the broker";
    case AMQP_RESPONSE_LIBRARY_EXCEPTION:
        return describe_status(reply.library_error);
    case AMQP_RESPONSE_SERVER_EXCEPTION:
        break;
    }
    const amqp_bytes_t* text = nullptr;
    if (reply.reply.id == AMQP_CONNECTION_CLOSE_METHOD)
        text = &static_cast<const amqp_connection_close_t*>(reply.reply.decoded)->reply_text;
    else if (reply.reply.id == AMQP_CHANNEL_CLOSE_METHOD)
        text = &static_cast<const amqp_channel_close_t*>(reply.reply.decoded)->reply_text;
    if (!text)
        return fmt::format("unexpected method 0x{:08x} from the broker", reply.reply.id);
    return std::string(static_cast<const char*>(text->bytes), text->len);
}

Error cannot_connect(const std::string& target, std::string_view reason) {
    return make_error(ErrorKind::unavailable,
                      fmt::format("cannot connect to {}: {}", target, reason));
}

std::optional<Error> take_close(amqp_connection_state_t conn, const amqp_frame_t& frame,
                                const std::string& target, bool& refused) {
    auto reason = [](const amqp_bytes_t& text, int code) {
        return fmt::format("{} (code {})",
                           std::string_view(static_cast<const char*>(text.bytes), text.len), code);
    };
    if (frame.frame_type != AMQP_FRAME_METHOD)
        return std::nullopt;
    if (frame.payload.method.id == AMQP_CHANNEL_CLOSE_METHOD) {
        auto* close = static_cast<const amqp_channel_close_t*>(frame.payload.method.decoded);
        std::string why = reason(close->reply_text, close->reply_code);
        amqp_channel_close_ok_t ok{};
        amqp_send_method(conn, frame.channel, AMQP_CHANNEL_CLOSE_OK_METHOD, &ok);
        refused = true;
        return make_error(ErrorKind::unavailable,
                          fmt::format("the broker at {} closed the channel: {}", target, why));
    }
    if (frame.payload.method.id == AMQP_CONNECTION_CLOSE_METHOD) {
        auto* close = static_cast<const amqp_connection_close_t*>(frame.payload.method.decoded);
        std::string why = reason(close->reply_text, close->reply_code);
        amqp_connection_close_ok_t ok{};
        amqp_send_method(conn, 0, AMQP_CONNECTION_CLOSE_OK_METHOD, &ok);
        return connection_lost(target, "the broker closed it: " + why);
    }
    return std::nullopt;
}

Error connection_lost(const std::string& target, std::string_view reason) {
    return make_error(ErrorKind::unavailable,
                      fmt::format("connection to {} lost: {}", target, reason));
}

namespace {

using Clock = std::chrono::steady_clock;

// Why a TCP connection to `url` fails, learnt by making one; "" if it works.
std::string tcp_failure(const AmqpUrl& url, Clock::time_point deadline) {
    auto fd = tcp_connect(url.host, url.port, deadline);
    return fd ? std::string() : fd.error().message;
}

// The socket of `conn`, connected to `url` (over TLS for amqps://) by `deadline`.
Result<void> open_socket(amqp_connection_state_t conn, const AmqpUrl& url,
                         const LoginOptions& options, Clock::time_point deadline) {
    if (url.tls)
        return open_tls(conn, url, options.tls, deadline,
                        [&] { return tcp_failure(url, deadline); });
    auto fd = tcp_connect(url.host, url.port, deadline);
    if (!fd)
        return fd.error();
    amqp_socket_t* socket = amqp_tcp_socket_new(conn);
    if (!socket)
        return make_error(ErrorKind::unavailable, "out of memory");
    amqp_tcp_socket_set_sockfd(socket, fd->release()); // the connection owns it now
    return {};
}

// Why the handshake failed. RabbitMQ refuses wrong credentials or a vhost
// with a reason (a connection.close: ACCESS_REFUSED, NOT_ALLOWED), so a peer
// that says nothing, or hangs up without a reason, is named as such.
std::string login_failure(const amqp_rpc_reply_t& reply, const AmqpUrl& url,
                          const LoginOptions& options) {
    if (reply.reply_type != AMQP_RESPONSE_LIBRARY_EXCEPTION)
        return describe_reply(reply);
    if (url.tls)
        if (std::string tls = tls_session_failure(reply.library_error); !tls.empty())
            return tls;
    switch (reply.library_error) {
    case AMQP_STATUS_TIMEOUT:
        return fmt::format("no answer from the broker within {:g} s (is it an AMQP port?)",
                           std::chrono::duration<double>(options.connect_timeout).count());
    case AMQP_STATUS_CONNECTION_CLOSED:
        return "the broker closed the connection during login without saying why (is it an "
               "AMQP port?)";
    default:
        return describe_reply(reply);
    }
}

} // namespace

Result<ConnectionPtr> log_in(const AmqpUrl& url, const LoginOptions& options) {
    std::string target = url.redacted();
    auto deadline = Clock::now() + options.connect_timeout;
    ConnectionPtr connection(amqp_new_connection());
    amqp_connection_state_t conn = connection.get();
    if (!conn)
        return cannot_connect(target, "out of memory");
    if (auto opened = open_socket(conn, url, options, deadline); !opened) {
        // A TLS file that cannot be used is no fault of the broker's.
        if (opened.error().kind != ErrorKind::unavailable)
            return opened.error();
        return cannot_connect(target, opened.error().message);
    }

    timeval rpc = to_timeval(options.rpc_timeout);
    amqp_set_rpc_timeout(conn, &rpc);

    // rabbitmq-c waits for the broker's answers by itself: a stop request
    // shuts the socket down so that it stops waiting.
    CutOnStop cut(amqp_get_sockfd(conn));
    amqp_rpc_reply_t reply =
        handshake(conn, url, options.heartbeat_seconds, deadline, options.await_open);
    if (stop_requested())
        return cannot_connect(target, stopped_by_signal());
    if (reply.reply_type != AMQP_RESPONSE_NORMAL)
        return cannot_connect(target, login_failure(reply, url, options));
    return connection;
}

} // namespace bb::amqp_detail
