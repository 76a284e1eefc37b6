// The TLS context both amqps:// and rediss:// use. OpenSSL is told to verify
// the chain and the name (DNS name or IP address, RFC 6125) during the
// handshake and to abort it on failure; a callback keeps the first
// verification error, to name it.
#include "tls/ip_address.hpp"

#include "bloodbank/file_access.hpp"
#include "bloodbank/tls.hpp"

#include <fmt/format.h>
#include <openssl/err.h>
#include <openssl/pem.h>
#include <openssl/ssl.h>
#include <openssl/x509v3.h>

#include <arpa/inet.h>

namespace bb {
namespace {

int keep_first_error(int ok, X509_STORE_CTX* store) {
    if (ok)
        return ok;
    auto* ssl =
        static_cast<SSL*>(X509_STORE_CTX_get_ex_data(store, SSL_get_ex_data_X509_STORE_CTX_idx()));
    auto* seen =
        ssl ? static_cast<TlsVerification*>(SSL_CTX_get_app_data(SSL_get_SSL_CTX(ssl))) : nullptr;
    if (seen && seen->error == X509_V_OK)
        seen->error = X509_STORE_CTX_get_error(store);
    return ok;
}

// OpenSSL asks for the passphrase of an encrypted key on the terminal unless
// told otherwise, and a cron job has none: without one the key fails to load.
int no_passphrase(char*, int, int, void*) {
    return -1;
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

Error unusable_file(std::string_view what, const std::string& path, const TlsWords& words,
                    const OpenSslError& e = take_openssl_error()) {
    return make_error(ErrorKind::usage,
                      fmt::format("{} {}: {}", what, path,
                                  e.reason.empty() ? "cannot be used" : tls_reason(e, words)));
}

// The CA certificates to trust and the client certificate to show.
Result<void> load_files(SSL_CTX* ctx, const TlsOptions& tls, const TlsWords& words) {
    ERR_clear_error();
    if (tls.ca_file.empty()) {
        // The system's store (/etc/ssl/certs on Debian; SSL_CERT_FILE and
        // SSL_CERT_DIR override it).
        if (SSL_CTX_set_default_verify_paths(ctx) != 1)
            return make_error(ErrorKind::unavailable, "cannot load the system's CA certificates: " +
                                                          take_openssl_error().reason);
    } else {
        if (auto ok = check_file("CA file", tls.ca_file); !ok)
            return ok;
        if (SSL_CTX_load_verify_locations(ctx, tls.ca_file.c_str(), nullptr) != 1)
            return unusable_file("CA file", tls.ca_file, words);
    }
    if (tls.cert_file.empty()) {
        if (!tls.key_file.empty())
            return make_error(ErrorKind::usage,
                              fmt::format("client key {}: no client certificate given with it "
                                          "({}, {})",
                                          tls.key_file, words.cert_env, words.cert_flag));
        return {};
    }
    const std::string& key = tls.key_file.empty() ? tls.cert_file : tls.key_file;
    if (auto ok = check_file("client certificate", tls.cert_file); !ok)
        return ok;
    if (auto ok = check_file("client key", key); !ok)
        return ok;
    SSL_CTX_set_default_passwd_cb(ctx, no_passphrase);
    if (SSL_CTX_use_certificate_chain_file(ctx, tls.cert_file.c_str()) != 1)
        return unusable_file("client certificate", tls.cert_file, words);
    if (SSL_CTX_use_PrivateKey_file(ctx, key.c_str(), SSL_FILETYPE_PEM) != 1) {
        OpenSslError e = take_openssl_error();
        bool locked = ERR_GET_REASON(e.code) == ERR_R_INTERRUPTED_OR_CANCELLED;
        if (tls.key_file.empty() && !locked)
            return make_error(ErrorKind::usage,
                              fmt::format("client certificate {}: no private key in it; give "
                                          "the key with {} ({})",
                                          tls.cert_file, words.key_flag, words.key_env));
        return unusable_file("client key", key, words, e);
    }
    return {};
}

Result<void> set_verification(SSL_CTX* ctx, const std::string& host, bool verify,
                              TlsVerification* seen) {
    if (!verify) {
        SSL_CTX_set_verify(ctx, SSL_VERIFY_NONE, nullptr);
        return {};
    }
    X509_VERIFY_PARAM* param = SSL_CTX_get0_param(ctx);
    int set = tls_detail::is_ip_address(host)
                  ? X509_VERIFY_PARAM_set1_ip_asc(param, host.c_str())
                  : X509_VERIFY_PARAM_set1_host(param, host.c_str(), host.size());
    if (set != 1)
        return make_error(ErrorKind::unavailable,
                          fmt::format("cannot check certificates for the host \"{}\"", host));
    X509_VERIFY_PARAM_set_hostflags(param, X509_CHECK_FLAG_NO_PARTIAL_WILDCARDS);
    SSL_CTX_set_app_data(ctx, seen);
    SSL_CTX_set_verify(ctx, SSL_VERIFY_PEER, keep_first_error);
    return {};
}

// For the reasons whose cause OpenSSL's words do not make plain.
std::string hint_for(unsigned long code, const TlsWords& words) {
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
        return fmt::format(" (is this a TLS port? {})", words.tls_port);
    case SSL_R_TLSV1_ALERT_UNKNOWN_CA:
    case SSL_R_SSLV3_ALERT_BAD_CERTIFICATE:
    case SSL_R_SSLV3_ALERT_CERTIFICATE_UNKNOWN:
    case SSL_R_TLSV13_ALERT_CERTIFICATE_REQUIRED:
        return fmt::format(" (the {} does not accept the client certificate, or wants one: see {})",
                           words.server, words.cert_flag);
    default:
        return {};
    }
}

} // namespace

namespace tls_detail {

bool is_ip_address(const std::string& host) {
    unsigned char address[16];
    return inet_pton(AF_INET, host.c_str(), address) == 1 ||
           inet_pton(AF_INET6, host.c_str(), address) == 1;
}

} // namespace tls_detail

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

std::string tls_reason(const OpenSslError& error, const TlsWords& words) {
    return error.reason + hint_for(error.code, words);
}

std::string tls_verify_failure(int error, const std::string& host, const TlsWords& words) {
    std::string text =
        fmt::format("certificate verify failed: {}", X509_verify_cert_error_string(error));
    switch (error) {
    case X509_V_ERR_HOSTNAME_MISMATCH:
    case X509_V_ERR_IP_ADDRESS_MISMATCH:
        text += fmt::format(" (the {}'s certificate is not for {})", words.server, host);
        break;
    case X509_V_ERR_UNABLE_TO_GET_ISSUER_CERT_LOCALLY:
    case X509_V_ERR_UNABLE_TO_VERIFY_LEAF_SIGNATURE:
    case X509_V_ERR_SELF_SIGNED_CERT_IN_CHAIN:
    case X509_V_ERR_DEPTH_ZERO_SELF_SIGNED_CERT:
        text += fmt::format(" (the {}'s CA is not trusted: give it with {} or {})", words.server,
                            words.ca_flag, words.ca_env);
        break;
    default:
        break;
    }
    return text;
}

Result<void> configure_tls_context(SSL_CTX* ctx, const TlsOptions& tls, const std::string& host,
                                   const TlsWords& words, TlsVerification* seen) {
    if (auto loaded = load_files(ctx, tls, words); !loaded)
        return loaded;
    return set_verification(ctx, host, tls.verify, seen);
}

void clear_tls_verification(SSL_CTX* ctx) {
    SSL_CTX_set_app_data(ctx, nullptr);
}

} // namespace bb
