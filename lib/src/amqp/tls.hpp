// Private to the publisher: amqps:// connections over rabbitmq-c's OpenSSL
// socket, and the words for what goes wrong with them.
#pragma once

#include "bloodbank/amqp.hpp"

#include <amqp.h>

#include <chrono>
#include <functional>
#include <string>

namespace bb::amqp_detail {

// Makes `conn`'s socket a TLS one set up from `tls` and opens it to `url`: TCP
// connect and TLS handshake, both done by `deadline`, the broker's certificate
// checked unless tls.verify is false. rabbitmq-c's TLS socket makes its own
// TCP connection and cannot tell why that failed, so `tcp_failure` is asked
// (it connects once more, and returns the reason or "").
// Errors: ErrorKind::unavailable with the reason alone ("certificate verify
// failed: ...", "timed out"), for the caller to prefix with the URL; a TLS
// file that cannot be used is not_found, io or usage, its message complete.
Result<void> open_tls(amqp_connection_state_t conn, const AmqpUrl& url, const TlsOptions& tls,
                      std::chrono::steady_clock::time_point deadline,
                      const std::function<std::string()>& tcp_failure);

// After the TLS session failed past the handshake with rabbitmq-c's `status`
// (at login, typically: under TLS 1.3 a broker refuses a client certificate
// only then), what to say: OpenSSL's reason with a hint, e.g. "the broker
// ended the TLS session: tlsv1 alert unknown ca (...)", or for a bare
// AMQP_STATUS_SSL_ERROR the likely cause; "" when there is nothing to add.
std::string tls_session_failure(int status);

} // namespace bb::amqp_detail
