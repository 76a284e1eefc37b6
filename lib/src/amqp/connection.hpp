// Private to lib/src/amqp: a logged-in rabbitmq-c connection, shared by the
// publisher and the consumer, and the words for what goes wrong with one.
#pragma once

#include "bloodbank/amqp.hpp"
#include "bloodbank/tcp_connect.hpp" // stopped_by_signal, for every wait a stop ends
#include "bloodbank/timeval.hpp"     // to_timeval, for every amqp_* timeout

#include <amqp.h>

#include <chrono>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace bb::amqp_detail {

struct ConnectionDeleter {
    void operator()(amqp_connection_state_t connection) const {
        amqp_destroy_connection(connection);
    }
};
using ConnectionPtr = std::unique_ptr<amqp_connection_state_t_, ConnectionDeleter>;

constexpr amqp_channel_t channel = 1;

// What logging in needs, whoever logs in.
struct LoginOptions {
    const TlsOptions& tls;
    std::chrono::milliseconds connect_timeout; // TCP connect and the AMQP handshake
    std::chrono::milliseconds rpc_timeout;     // each synchronous AMQP method
    int heartbeat_seconds;                     // 0 turns heartbeats off
    // false: log_in() returns right after sending connection.open, and the
    // caller reads its open-ok (or the broker's connection.close refusing
    // the vhost) before any reply to what it sends next.
    bool await_open = true;
};

// A connection to `url`, logged in, with no channel open yet. Errors are
// ErrorKind::unavailable, "cannot connect to amqp://guest@host:1/: why",
// except a TLS file that cannot be used (not_found, io or usage).
Result<ConnectionPtr> log_in(const AmqpUrl& url, const LoginOptions& options);

// The AMQP handshake on `conn`'s open socket by `deadline` (handshake.cpp):
// what amqp_login() does, but connection.open-ok is left unread unless
// `await_open`. A refusal is the broker's connection.close, as a server
// exception.
amqp_rpc_reply_t handshake(amqp_connection_state_t conn, const AmqpUrl& url, int heartbeat,
                           std::chrono::steady_clock::time_point deadline, bool await_open);

// "cannot connect to TARGET: REASON", ErrorKind::unavailable.
Error cannot_connect(const std::string& target, std::string_view reason);
// "connection to TARGET lost: REASON", ErrorKind::unavailable.
Error connection_lost(const std::string& target, std::string_view reason);

// "connection refused", a broker's "NOT_FOUND - no exchange ...", ...
std::string describe_reply(const amqp_rpc_reply_t& reply);
std::string describe_status(int status);

// A channel.close or connection.close from the broker, answered with its
// close-ok: the Error that ends the channel ("the broker at TARGET closed the
// channel: ..."; a closed channel also sets `refused`, the broker's decision).
// nullopt for any other frame.
std::optional<Error> take_close(amqp_connection_state_t conn, const amqp_frame_t& frame,
                                const std::string& target, bool& refused);

// Waits up to `timeout` for the first frame, then takes every frame already
// read, handing each to `handle` (Result<void>(const amqp_frame_t&)). A
// failed read or handling marks the connection `broken` and is returned.
template <class HandleFrame>
Result<void> read_frames(amqp_connection_state_t conn, const std::string& target,
                         std::chrono::milliseconds timeout, bool& broken, HandleFrame&& handle) {
    if (broken)
        return connection_lost(target, "already closed");
    timeval wait = to_timeval(timeout);
    timeval none{0, 0};
    bool first = true;
    while (first || amqp_frames_enqueued(conn) || amqp_data_in_buffer(conn)) {
        amqp_frame_t frame;
        int rc = amqp_simple_wait_frame_noblock(conn, &frame, first ? &wait : &none);
        first = false;
        if (rc == AMQP_STATUS_TIMEOUT)
            break;
        if (rc != AMQP_STATUS_OK) {
            broken = true;
            return connection_lost(target, describe_status(rc));
        }
        if (auto handled = handle(frame); !handled) {
            broken = true;
            return handled;
        }
    }
    amqp_maybe_release_buffers(conn);
    return {};
}

// Calls `connect_one(url)` for each URL in turn until one works. With several
// URLs, an unreachable one is passed over and all their reasons end up in
// "no broker reachable: ..."; any other error stops at once.
template <class ConnectOne>
auto connect_first(const std::vector<AmqpUrl>& urls, ConnectOne&& connect_one)
    -> decltype(connect_one(urls.front())) {
    if (urls.empty())
        return make_error(ErrorKind::usage, "no RabbitMQ URL given");
    std::string reasons;
    for (const AmqpUrl& url : urls) {
        auto connected = connect_one(url);
        if (connected || urls.size() == 1 || connected.error().kind != ErrorKind::unavailable)
            return connected;
        reasons += reasons.empty() ? "" : "; ";
        reasons += connected.error().message;
    }
    return make_error(ErrorKind::unavailable, "no broker reachable: " + reasons);
}

} // namespace bb::amqp_detail
