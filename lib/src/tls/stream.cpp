// A TLS client session on our own socket (Redis's; rabbitmq-c keeps its
// own). Non-blocking throughout: OpenSSL says which way it waits
// (SSL_ERROR_WANT_READ/WRITE), and we wait with the caller's deadline.
#include "tls/ip_address.hpp"

#include "bloodbank/tcp_connect.hpp"
#include "bloodbank/tls.hpp"

#include <fmt/format.h>
#include <openssl/err.h>
#include <openssl/ssl.h>

#include <cerrno>
#include <poll.h>

namespace bb {

void TlsStream::Free::operator()(SSL* ssl) const {
    SSL_free(ssl);
}

void TlsStream::Free::operator()(SSL_CTX* ctx) const {
    SSL_CTX_free(ctx);
}

Result<void> TlsStream::wait(int ssl_result, std::chrono::steady_clock::time_point deadline) {
    int error = SSL_get_error(ssl_.get(), ssl_result);
    short events = 0;
    if (error == SSL_ERROR_WANT_READ)
        events = POLLIN;
    else if (error == SSL_ERROR_WANT_WRITE)
        events = POLLOUT;
    if (events == 0) {
        OpenSslError e = take_openssl_error();
        if (!e.reason.empty())
            return make_error(ErrorKind::unavailable, tls_reason(e, *words_));
        if (error == SSL_ERROR_ZERO_RETURN || error == SSL_ERROR_SYSCALL)
            return make_error(ErrorKind::unavailable,
                              fmt::format("the {} closed the connection", words_->server));
        return make_error(ErrorKind::unavailable, fmt::format("TLS error {}", error));
    }
    switch (wait_ready(socket_.get(), events, deadline, on_stop_)) {
    case WaitResult::ready:
        return {};
    case WaitResult::timed_out:
        // A server that is not speaking TLS on that port waits for a
        // command, silent, where a TLS server would have answered.
        return make_error(
            ErrorKind::unavailable,
            SSL_is_init_finished(ssl_.get())
                ? std::string("timed out")
                : fmt::format("timed out (is this a TLS port? {})", words_->tls_port));
    case WaitResult::stopped:
        return make_error(ErrorKind::unavailable, stopped_by_signal());
    }
    return {};
}

Result<TlsStream> TlsStream::handshake(UniqueFd socket, const std::string& host,
                                       const TlsOptions& tls, const TlsWords& words,
                                       std::chrono::steady_clock::time_point deadline,
                                       OnStop on_stop) {
    TlsStream stream;
    stream.socket_ = std::move(socket);
    stream.words_ = &words;
    stream.on_stop_ = on_stop;
    ERR_clear_error();
    stream.ctx_.reset(SSL_CTX_new(TLS_client_method()));
    if (!stream.ctx_)
        return make_error(ErrorKind::unavailable,
                          "cannot set up TLS: " + take_openssl_error().reason);
    SSL_CTX_set_min_proto_version(stream.ctx_.get(), TLS1_2_VERSION);
    TlsVerification seen;
    auto configured = configure_tls_context(stream.ctx_.get(), tls, host, words, &seen);
    if (!configured)
        return configured.error();
    stream.ssl_.reset(SSL_new(stream.ctx_.get()));
    if (!stream.ssl_ || SSL_set_fd(stream.ssl_.get(), stream.socket_.get()) != 1) {
        clear_tls_verification(stream.ctx_.get());
        return make_error(ErrorKind::unavailable,
                          "cannot set up TLS: " + take_openssl_error().reason);
    }
    // SNI names a host, never an address (RFC 6066).
    if (!tls_detail::is_ip_address(host))
        SSL_set_tlsext_host_name(stream.ssl_.get(), host.c_str());
    // A write that moves its buffer after a partial SSL_write is allowed.
    SSL_set_mode(stream.ssl_.get(), SSL_MODE_ACCEPT_MOVING_WRITE_BUFFER);

    for (;;) {
        int result = SSL_connect(stream.ssl_.get());
        if (result == 1)
            break;
        if (seen.error != 0) {
            clear_tls_verification(stream.ctx_.get());
            ERR_clear_error();
            return make_error(ErrorKind::unavailable, tls_verify_failure(seen.error, host, words));
        }
        if (auto waited = stream.wait(result, deadline); !waited) {
            clear_tls_verification(stream.ctx_.get());
            Error error = waited.error();
            error.message = "TLS handshake failed: " + error.message;
            return error;
        }
    }
    clear_tls_verification(stream.ctx_.get()); // `seen` goes out of scope
    ERR_clear_error();
    return stream;
}

Result<std::size_t> TlsStream::write_some(const char* data, std::size_t size,
                                          std::chrono::steady_clock::time_point deadline) {
    for (;;) {
        std::size_t written = 0;
        int result = SSL_write_ex(ssl_.get(), data, size, &written);
        if (result == 1)
            return written;
        if (auto waited = wait(result, deadline); !waited)
            return waited.error();
    }
}

Result<std::size_t> TlsStream::read_some(char* data, std::size_t size,
                                         std::chrono::steady_clock::time_point deadline) {
    for (;;) {
        std::size_t read = 0;
        errno = 0; // an EOF leaves it as it was
        int result = SSL_read_ex(ssl_.get(), data, size, &read);
        if (result == 1)
            return read;
        // A close_notify, or the connection ended (or reset, our request
        // unread) without one: all are the server's close, which the caller
        // names.
        int error = SSL_get_error(ssl_.get(), result);
        if (error == SSL_ERROR_ZERO_RETURN ||
            (error == SSL_ERROR_SYSCALL && ERR_peek_error() == 0 &&
             (errno == 0 || errno == ECONNRESET)))
            return std::size_t{0};
        if (auto waited = wait(result, deadline); !waited)
            return waited.error();
    }
}

} // namespace bb
