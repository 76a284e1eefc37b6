// The one TLS layer of amqps:// and rediss://, over OpenSSL: the context
// (CA certificates, client certificate and key, the server's certificate and
// name checked during the handshake) and the words for what goes wrong. The
// two differ only in their words (TlsWords) and in who owns the session:
// rabbitmq-c's SSL socket makes its own connection and session, so for AMQP
// only the context is set up here (amqp/tls.cpp); Redis's session is a
// TlsStream over our own socket.
#pragma once

#include "bloodbank/error.hpp"
#include "bloodbank/stop_signals.hpp"
#include "bloodbank/unique_fd.hpp"

#include <openssl/types.h>

#include <chrono>
#include <cstddef>
#include <memory>
#include <string>
#include <string_view>

namespace bb {

// How a TLS connection is secured. By default the server's certificate chain
// is checked against the system's CA store and must name the host connected
// to (a DNS name, or an IP address in its subjectAltName); nothing, not even
// a password, is sent to a server that fails the check.
struct TlsOptions {
    std::string ca_file;   // PEM CA certificates trusted instead of the system's; "": the system's
    std::string cert_file; // PEM client certificate (chain) shown to the server; "": none
    std::string key_file;  // PEM private key of cert_file (unencrypted); "": inside cert_file
    bool verify = true;    // false (--insecure): accept any certificate for any name
};

// What messages call the server and the settings that fix a failure.
struct TlsWords {
    std::string_view server;    // "broker"
    std::string_view ca_flag;   // "--cacert"
    std::string_view ca_env;    // "RABBIT_CACERT"
    std::string_view cert_flag; // "--cert"
    std::string_view cert_env;  // "RABBIT_CERT"
    std::string_view key_flag;  // "--key"
    std::string_view key_env;   // "RABBIT_KEY"
    std::string_view tls_port;  // "amqps:// brokers usually listen on 5671"
};

// The first certificate error of a handshake (an X509_V_ERR_*), 0 for none.
struct TlsVerification {
    int error = 0;
};

// Sets `ctx` up for a client of `host`: the CA certificates (the system's
// unless tls.ca_file), the client certificate and key, and with tls.verify
// the chain and host name checked by OpenSSL during the handshake, which it
// aborts on failure, the first error kept in `*seen` (the context's app data
// until clear_tls_verification()). Errors: a TLS file that cannot be used is
// not_found (missing), io (unreadable) or usage (not PEM, no key, a key with
// a passphrase), its message complete; anything else is unavailable.
Result<void> configure_tls_context(SSL_CTX* ctx, const TlsOptions& tls, const std::string& host,
                                   const TlsWords& words, TlsVerification* seen);
void clear_tls_verification(SSL_CTX* ctx);

// The oldest error OpenSSL recorded (the root cause), which empties its queue.
struct OpenSslError {
    unsigned long code = 0;
    std::string reason; // "" when OpenSSL recorded nothing
};
OpenSslError take_openssl_error();

// OpenSSL's reason with a hint where its words do not make the cause plain:
// "wrong version number (is this a TLS port? ...)".
std::string tls_reason(const OpenSslError& error, const TlsWords& words);

// "certificate verify failed: <OpenSSL's words> (<what to do>)".
std::string tls_verify_failure(int error, const std::string& host, const TlsWords& words);

// A TLS client session over a connected non-blocking socket, which it owns.
// Every wait ends at its deadline (and, with OnStop::end_wait, at a stop
// request). Errors are ErrorKind::unavailable with the reason alone, for the
// caller to prefix with its target; configure_tls_context()'s file errors
// keep their kinds.
class TlsStream {
public:
    static Result<TlsStream> handshake(UniqueFd socket, const std::string& host,
                                       const TlsOptions& tls, const TlsWords& words,
                                       std::chrono::steady_clock::time_point deadline,
                                       OnStop on_stop);

    // At least one byte written, or an error.
    Result<std::size_t> write_some(const char* data, std::size_t size,
                                   std::chrono::steady_clock::time_point deadline);
    // At least one byte read, 0 when the server closed the session, or an error.
    Result<std::size_t> read_some(char* data, std::size_t size,
                                  std::chrono::steady_clock::time_point deadline);

    int fd() const { return socket_.get(); }

private:
    struct Free {
        void operator()(SSL* ssl) const;
        void operator()(SSL_CTX* ctx) const;
    };
    TlsStream() = default;
    Result<void> wait(int ssl_result, std::chrono::steady_clock::time_point deadline);

    std::unique_ptr<SSL_CTX, Free> ctx_;
    std::unique_ptr<SSL, Free> ssl_;
    UniqueFd socket_;
    const TlsWords* words_ = nullptr;
    OnStop on_stop_ = OnStop::keep_waiting;
};

} // namespace bb
