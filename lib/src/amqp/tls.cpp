// amqps:// on rabbitmq-c's OpenSSL socket. That socket cannot take a socket
// we connected, so it connects by itself; the deadline covers its TCP connect
// and the TLS handshake alike. rabbitmq-c checks the broker's certificate only
// after the handshake and matches the host name by itself, DNS names only (a
// certificate for an IP address could never pass). So its socket's SSL_CTX
// is set up by the shared TLS layer (bloodbank/tls.hpp) instead, which has
// OpenSSL verify the chain and the name during the handshake. What stays here
// is what rabbitmq-c owns: its socket, its status codes and its session.
#include "amqp/tls.hpp"

#include "amqp/state.hpp"

#include <amqp_ssl_socket.h>
#include <fmt/format.h>
#include <openssl/err.h>
#include <openssl/ssl.h>

namespace bb::amqp_detail {
namespace {

constexpr TlsWords broker_words{
    "broker",      "--cacert", "RABBIT_CACERT", "--cert",
    "RABBIT_CERT", "--key",    "RABBIT_KEY",    "amqps:// brokers usually listen on 5671"};

std::string open_failure(int status, const TlsVerification& seen, const AmqpUrl& url,
                         const std::function<std::string()>& tcp_failure) {
    OpenSslError e = take_openssl_error();
    if (seen.error != X509_V_OK)
        return tls_verify_failure(seen.error, url.host, broker_words);
    switch (status) {
    case AMQP_STATUS_TIMEOUT:
        return "timed out";
    case AMQP_STATUS_SOCKET_ERROR:
    case AMQP_STATUS_HOSTNAME_RESOLUTION_FAILED:
        if (std::string why = tcp_failure(); !why.empty())
            return why;
        break;
    case AMQP_STATUS_SSL_PEER_VERIFY_FAILED:
        return "certificate verify failed: the broker showed no certificate";
    case AMQP_STATUS_SSL_CONNECTION_FAILED:
        return e.reason.empty() ? "TLS handshake failed: the broker closed the connection"
                                : "TLS handshake failed: " + tls_reason(e, broker_words);
    default:
        break;
    }
    return describe_status(status);
}

} // namespace

Result<void> open_tls(amqp_connection_state_t conn, const AmqpUrl& url, const TlsOptions& tls,
                      std::chrono::steady_clock::time_point deadline,
                      const std::function<std::string()>& tcp_failure) {
    amqp_socket_t* socket = amqp_ssl_socket_new(conn); // owned by conn from now on
    if (!socket)
        return make_error(ErrorKind::unavailable,
                          "cannot set up TLS: " + take_openssl_error().reason);
    auto* ctx = static_cast<SSL_CTX*>(amqp_ssl_socket_get_context(socket));
    amqp_ssl_socket_set_verify_hostname(socket, 0); // done by OpenSSL, IP addresses included
    amqp_ssl_socket_set_verify_peer(socket, tls.verify ? 1 : 0);
    TlsVerification seen;
    if (auto set = configure_tls_context(ctx, tls, url.host, broker_words, &seen); !set)
        return set;

    auto left = std::chrono::duration_cast<std::chrono::milliseconds>(
        deadline - std::chrono::steady_clock::now());
    if (left.count() <= 0)
        return make_error(ErrorKind::unavailable, "timed out");
    timeval timeout = to_timeval(left);
    ERR_clear_error();
    int status = amqp_socket_open_noblock(socket, url.host.c_str(), url.port, &timeout);
    clear_tls_verification(ctx); // `seen` goes out of scope
    if (status == AMQP_STATUS_OK) {
        ERR_clear_error(); // what the session records later is about the session
        return {};
    }
    return make_error(ErrorKind::unavailable, open_failure(status, seen, url, tcp_failure));
}

std::string tls_session_failure(int status) {
    OpenSslError e = take_openssl_error();
    if (!e.reason.empty())
        return "the broker ended the TLS session: " + tls_reason(e, broker_words);
    // The broker's alert is lost when its close (a reset, as our first bytes
    // arrive after it) overtakes it: say what it most likely meant.
    if (status == AMQP_STATUS_SSL_ERROR)
        return "the broker broke the TLS session off at login (as it does when it does not "
               "accept the client certificate, or wants one: see --cert)";
    return {};
}

} // namespace bb::amqp_detail
