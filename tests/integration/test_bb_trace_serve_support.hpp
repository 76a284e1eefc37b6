// Helpers for the `bb-trace serve` tests: serve started on a port the system
// picks (--http-port 0, read back from the banner), requests over httplib,
// and raw loopback connections for what a well-behaved client never sends.
#pragma once

#include "support/background.hpp"
#include "test_bb_trace_fixtures.hpp"

#include <doctest/doctest.h>
#include <httplib.h>

#include <arpa/inet.h>
#include <memory>
#include <netinet/in.h>
#include <string>
#include <sys/socket.h>
#include <sys/time.h>
#include <unistd.h>
#include <utility>
#include <vector>

namespace servetest {

struct Server {
    int port = 0;
    std::unique_ptr<bbtest::Background> process;
};

// The port in "serving the debug API on http://HOST:PORT (Redis at ...)";
// 0 when there is no banner yet.
inline int banner_port(const std::string& log) {
    std::string marker = "serving the debug API on http://";
    std::size_t at = log.find(marker);
    if (at == std::string::npos)
        return 0;
    std::size_t space = log.find(' ', at + marker.size());
    std::size_t colon = log.rfind(':', space);
    return std::stoi(log.substr(colon + 1, space - colon - 1));
}

// Starts serve on a loopback port the system picks and returns once it
// holds it: the banner comes only after the bind.
inline Server start_serve(bbtest::RunOptions options,
                          const std::vector<std::string>& extra_args = {}) {
    std::vector<std::string> argv{bbtest::binary("bb-trace"), "serve", "--http-port", "0"};
    argv.insert(argv.end(), extra_args.begin(), extra_args.end());
    Server server;
    server.process = std::make_unique<bbtest::Background>(argv, options);
    bbtest::wait_until(
        [&] { return banner_port(server.process->err()) != 0 || !server.process->running(); },
        std::chrono::seconds(10));
    server.port = banner_port(server.process->err());
    REQUIRE_MESSAGE(server.port != 0, "bb-trace serve did not start: " << server.process->err());
    return server;
}

// The same, for a fixture's Redis (its options name it).
inline Server start_serve(const tracetest::Fixture&, bbtest::RunOptions options,
                          const std::vector<std::string>& extra_args = {}) {
    return start_serve(std::move(options), extra_args);
}

inline std::string get_body(int port, const std::string& path, int expected_status,
                            std::string* truncated = nullptr) {
    httplib::Client client("127.0.0.1", port);
    auto res = client.Get(path.c_str());
    REQUIRE_MESSAGE(res, "no response for " << path);
    CHECK_MESSAGE(res->status == expected_status,
                  path << " -> " << res->status << " " << res->body);
    CHECK(res->get_header_value("Content-Type") == "application/json");
    if (truncated)
        *truncated = res->get_header_value("X-Bloodbank-Truncated");
    return res->body;
}

// A loopback TCP connection that sends raw bytes; closed when it goes.
class RawConnection {
public:
    explicit RawConnection(int port) : fd_(socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0)) {
        REQUIRE(fd_ >= 0);
        sockaddr_in address{};
        address.sin_family = AF_INET;
        address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
        address.sin_port = htons(static_cast<std::uint16_t>(port));
        REQUIRE(connect(fd_, reinterpret_cast<sockaddr*>(&address), sizeof address) == 0);
    }
    ~RawConnection() { close(fd_); }
    RawConnection(const RawConnection&) = delete;
    RawConnection& operator=(const RawConnection&) = delete;

    void send_text(const std::string& text) {
        REQUIRE(send(fd_, text.data(), text.size(), MSG_NOSIGNAL) ==
                static_cast<ssize_t>(text.size()));
    }
    // Everything the server sends until it closes the connection; nullopt
    // when it neither closes nor sends for `patience` (a bound on a
    // failure, not a measurement).
    std::optional<std::string> read_until_closed(std::chrono::seconds patience) {
        timeval limit{static_cast<time_t>(patience.count()), 0};
        setsockopt(fd_, SOL_SOCKET, SO_RCVTIMEO, &limit, sizeof limit);
        std::string received;
        char buffer[4096];
        for (;;) {
            ssize_t got = recv(fd_, buffer, sizeof buffer, 0);
            if (got == 0)
                return received;
            if (got < 0)
                return errno == EAGAIN || errno == EWOULDBLOCK ? std::nullopt
                                                               : std::optional(received);
            received.append(buffer, static_cast<std::size_t>(got));
        }
    }

    // Reads on, keeping what arrives in seen(), until it holds `needle`;
    // false when the server closes first or sends nothing for `patience`
    // (a bound on a failure, not a measurement).
    bool read_until(const std::string& needle, std::chrono::seconds patience) {
        timeval limit{static_cast<time_t>(patience.count()), 0};
        setsockopt(fd_, SOL_SOCKET, SO_RCVTIMEO, &limit, sizeof limit);
        char buffer[4096];
        while (seen_.find(needle) == std::string::npos) {
            ssize_t got = recv(fd_, buffer, sizeof buffer, 0);
            if (got <= 0)
                return false;
            seen_.append(buffer, static_cast<std::size_t>(got));
        }
        return true;
    }
    const std::string& seen() const { return seen_; }

private:
    int fd_;
    std::string seen_;
};

// One request as raw bytes, answered and closed: the whole answer.
inline std::string raw_exchange(int port, const std::string& request) {
    RawConnection connection(port);
    connection.send_text(request);
    auto answer = connection.read_until_closed(std::chrono::seconds(30));
    REQUIRE_MESSAGE(answer, "no answer to " << request);
    return *answer;
}

} // namespace servetest
