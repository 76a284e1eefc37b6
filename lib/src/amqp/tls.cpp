// amqps:// on rabbitmq-c's OpenSSL socket. That socket cannot take a socket
// we connected, so it connects by itself; the deadline covers its TCP connect
// and the TLS handshake alike. rabbitmq-c checks the broker's certificate only
// after the handshake and matches the host name by itself, DNS names only (a
// certificate for an IP address could never pass). So OpenSSL is told instead,
// through the socket's SSL_CTX, to verify the chain and the name (DNS name or
// IP address, RFC 6125) during the handshake and to abort it on failure; a
// callback keeps the first verification error, to name it.
#include "amqp/tls.hpp"

#include "amqp/state.hpp"

#include "bloodbank/file_access.hpp"

#include <amqp_ssl_socket.h>
#include <fmt/format.h>
#include <openssl/err.h>
#include <openssl/pem.h>
#include <openssl/ssl.h>
#include <openssl/x509v3.h>

#include <arpa/inet.h>
#include <unistd.h>

namespace bb::amqp_detail {
namespace {

// The first certificate error of a handshake, kept by keep_first_error().
struct Verification {
    int error = X509_V_OK;
};

int keep_first_error(int ok, X509_STORE_CTX* store) {
    if (ok)
        return ok;
    auto* ssl =
        static_cast<SSL*>(X509_STORE_CTX_get_ex_data(store, SSL_get_ex_data_X509_STORE_CTX_idx()));
    auto* seen =
        ssl ? static_cast<Verification*>(SSL_CTX_get_app_data(SSL_get_SSL_CTX(ssl))) : nullptr;
    if (seen && seen->error == X509_V_OK)
        seen->error = X509_STORE_CTX_get_error(store);
    return ok;
}

// OpenSSL asks for the passphrase of an encrypted key on the terminal unless
// told otherwise, and a cron job has none: without one the key fails to load.
int no_passphrase(char*, int, int, void*) {
    return -1;
}

struct OpenSslError {
    unsigned long code = 0;
    std::string reason; // "" when OpenSSL recorded nothing
};

// The oldest error OpenSSL recorded (the root cause); the queue is emptied.
OpenSslError take_openssl_error() {
    OpenSslError e;
    e.code = ERR_get_error();
    if (e.code) {
        const char* reason = ERR_reason_error_string(e.code);
        e.reason = reason ? reason : fmt::format("OpenSSL error {:#x}", e.code);
    }
    ERR_clear_error();
    return e;
}

// For the reasons whose cause OpenSSL's words do not make plain.
std::string_view hint_for(unsigned long code) {
    if (ERR_GET_LIB(code) == ERR_LIB_PEM && ERR_GET_REASON(code) == PEM_R_NO_START_LINE)
        return " (not a PEM file, or not the kind expected)";
    if (ERR_GET_REASON(code) == ERR_R_INTERRUPTED_OR_CANCELLED)
        return " (the key is protected by a passphrase, which cannot be given: store it "
               "without one, e.g. with openssl pkey)";
    if (ERR_GET_LIB(code) != ERR_LIB_SSL)
        return {};
    switch (ERR_GET_REASON(code)) {
    case SSL_R_WRONG_VERSION_NUMBER:
    case SSL_R_PACKET_LENGTH_TOO_LONG:
        return " (is this a TLS port? amqps:// brokers usually listen on 5671)";
    case SSL_R_TLSV1_ALERT_UNKNOWN_CA:
    case SSL_R_SSLV3_ALERT_BAD_CERTIFICATE:
    case SSL_R_SSLV3_ALERT_CERTIFICATE_UNKNOWN:
    case SSL_R_TLSV13_ALERT_CERTIFICATE_REQUIRED:
        return " (the broker does not accept the client certificate, or wants one: see --cert)";
    default:
        return {};
    }
}

std::string with_hint(const OpenSslError& e) {
    return e.reason + std::string(hint_for(e.code));
}

// "CA file /etc/x.pem: no such file or directory": a missing file is 66, an
// unreadable one 74, before OpenSSL gets to say something vaguer. OpenSSL
// opens the file again by its name, and would wait for ever in open() for a
// FIFO's writer, reading it twice besides: only a regular file is taken.
Result<void> check_file(std::string_view what, const std::string& path) {
    OpenedInput input = open_input(path, FileKind::regular);
    if (!input.fd) {
        Error error = open_error(path, input.error);
        return make_error(error.kind, fmt::format("{} {}", what, error.message));
    }
    return {};
}

Error unusable_file(std::string_view what, const std::string& path,
                    const OpenSslError& e = take_openssl_error()) {
    return make_error(
        ErrorKind::usage,
        fmt::format("{} {}: {}", what, path, e.reason.empty() ? "cannot be used" : with_hint(e)));
}

// The CA certificates to trust and the client certificate to show.
Result<void> load_files(amqp_socket_t* socket, SSL_CTX* ctx, const TlsOptions& tls) {
    ERR_clear_error();
    if (tls.ca_file.empty()) {
        // rabbitmq-c trusts nothing by default: use the system's store
        // (/etc/ssl/certs on Debian; SSL_CERT_FILE and SSL_CERT_DIR override it).
        if (SSL_CTX_set_default_verify_paths(ctx) != 1)
            return make_error(ErrorKind::unavailable, "cannot load the system's CA certificates: " +
                                                          take_openssl_error().reason);
    } else {
        if (auto ok = check_file("CA file", tls.ca_file); !ok)
            return ok;
        if (amqp_ssl_socket_set_cacert(socket, tls.ca_file.c_str()) != AMQP_STATUS_OK)
            return unusable_file("CA file", tls.ca_file);
    }
    if (tls.cert_file.empty()) {
        if (!tls.key_file.empty())
            return make_error(ErrorKind::usage,
                              fmt::format("client key {}: no client certificate given with it "
                                          "(RABBIT_CERT, --cert)",
                                          tls.key_file));
        return {};
    }
    const std::string& key = tls.key_file.empty() ? tls.cert_file : tls.key_file;
    if (auto ok = check_file("client certificate", tls.cert_file); !ok)
        return ok;
    if (auto ok = check_file("client key", key); !ok)
        return ok;
    SSL_CTX_set_default_passwd_cb(ctx, no_passphrase);
    if (SSL_CTX_use_certificate_chain_file(ctx, tls.cert_file.c_str()) != 1)
        return unusable_file("client certificate", tls.cert_file);
    // rabbitmq-c's amqp_ssl_socket_set_key() loads both files but cannot tell
    // which one failed; the certificate is loaded above, the key here.
    if (SSL_CTX_use_PrivateKey_file(ctx, key.c_str(), SSL_FILETYPE_PEM) != 1) {
        OpenSslError e = take_openssl_error();
        bool locked = ERR_GET_REASON(e.code) == ERR_R_INTERRUPTED_OR_CANCELLED;
        if (tls.key_file.empty() && !locked)
            return make_error(ErrorKind::usage,
                              fmt::format("client certificate {}: no private key in it; give "
                                          "the key with --key (RABBIT_KEY)",
                                          tls.cert_file));
        return unusable_file("client key", key, e);
    }
    return {};
}

// Chain and name checked by OpenSSL during the handshake (see the top).
Result<void> set_verification(amqp_socket_t* socket, SSL_CTX* ctx, const AmqpUrl& url, bool verify,
                              Verification* seen) {
    amqp_ssl_socket_set_verify_hostname(socket, 0); // done by OpenSSL, IP addresses included
    amqp_ssl_socket_set_verify_peer(socket, verify ? 1 : 0);
    if (!verify) {
        SSL_CTX_set_verify(ctx, SSL_VERIFY_NONE, nullptr);
        return {};
    }
    X509_VERIFY_PARAM* param = SSL_CTX_get0_param(ctx);
    unsigned char address[16];
    bool is_ip = inet_pton(AF_INET, url.host.c_str(), address) == 1 ||
                 inet_pton(AF_INET6, url.host.c_str(), address) == 1;
    int set = is_ip ? X509_VERIFY_PARAM_set1_ip_asc(param, url.host.c_str())
                    : X509_VERIFY_PARAM_set1_host(param, url.host.c_str(), url.host.size());
    if (set != 1)
        return make_error(ErrorKind::unavailable,
                          fmt::format("cannot check certificates for the host \"{}\"", url.host));
    X509_VERIFY_PARAM_set_hostflags(param, X509_CHECK_FLAG_NO_PARTIAL_WILDCARDS);
    SSL_CTX_set_app_data(ctx, seen);
    SSL_CTX_set_verify(ctx, SSL_VERIFY_PEER, keep_first_error);
    return {};
}

std::string verify_failure(int error, const AmqpUrl& url) {
    std::string text =
        fmt::format("certificate verify failed: {}", X509_verify_cert_error_string(error));
    switch (error) {
    case X509_V_ERR_HOSTNAME_MISMATCH:
    case X509_V_ERR_IP_ADDRESS_MISMATCH:
        text += fmt::format(" (the broker's certificate is not for {})", url.host);
        break;
    case X509_V_ERR_UNABLE_TO_GET_ISSUER_CERT_LOCALLY:
    case X509_V_ERR_UNABLE_TO_VERIFY_LEAF_SIGNATURE:
    case X509_V_ERR_SELF_SIGNED_CERT_IN_CHAIN:
    case X509_V_ERR_DEPTH_ZERO_SELF_SIGNED_CERT:
        text += " (the broker's CA is not trusted: give it with --cacert or RABBIT_CACERT)";
        break;
    default:
        break;
    }
    return text;
}

std::string open_failure(int status, const Verification& seen, const AmqpUrl& url,
                         const std::function<std::string()>& tcp_failure) {
    OpenSslError e = take_openssl_error();
    if (seen.error != X509_V_OK)
        return verify_failure(seen.error, url);
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
                                : "TLS handshake failed: " + with_hint(e);
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
    if (auto loaded = load_files(socket, ctx, tls); !loaded)
        return loaded;
    Verification seen;
    if (auto set = set_verification(socket, ctx, url, tls.verify, &seen); !set)
        return set;

    auto left = std::chrono::duration_cast<std::chrono::milliseconds>(
        deadline - std::chrono::steady_clock::now());
    if (left.count() <= 0)
        return make_error(ErrorKind::unavailable, "timed out");
    timeval timeout = to_timeval(left);
    ERR_clear_error();
    int status = amqp_socket_open_noblock(socket, url.host.c_str(), url.port, &timeout);
    SSL_CTX_set_app_data(ctx, nullptr); // `seen` goes out of scope
    if (status == AMQP_STATUS_OK) {
        ERR_clear_error(); // what the session records later is about the session
        return {};
    }
    return make_error(ErrorKind::unavailable, open_failure(status, seen, url, tcp_failure));
}

std::string tls_session_failure(int status) {
    OpenSslError e = take_openssl_error();
    if (!e.reason.empty())
        return "the broker ended the TLS session: " + with_hint(e);
    // The broker's alert is lost when its close (a reset, as our first bytes
    // arrive after it) overtakes it: say what it most likely meant.
    if (status == AMQP_STATUS_SSL_ERROR)
        return "the broker broke the TLS session off at login (as it does when it does not "
               "accept the client certificate, or wants one: see --cert)";
    return {};
}

} // namespace bb::amqp_detail
