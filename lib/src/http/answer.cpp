// Answering one request: see answer.hpp.
#include "http/answer.hpp"

#include "http/token.hpp"
#include "http/web.hpp"

#include "bloodbank/hex.hpp"
#include "bloodbank/visible_text.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <cerrno>
#include <poll.h>
#include <sys/socket.h>

namespace bb::http_detail {
namespace {

std::string_view reason_phrase(int status) {
    switch (status) {
    case 200:
        return "OK";
    case 303:
        return "See Other";
    case 401:
        return "Unauthorized";
    case 400:
        return "Bad Request";
    case 404:
        return "Not Found";
    case 405:
        return "Method Not Allowed";
    case 431:
        return "Request Header Fields Too Large";
    case 500:
        return "Internal Server Error";
    case 503:
        return "Service Unavailable";
    case 505:
        return "HTTP Version Not Supported";
    default:
        return "Unknown";
    }
}

// Milliseconds left until `deadline`, for poll(); 0 once it has passed.
int millis_until(Clock::time_point deadline) {
    auto left = std::chrono::ceil<std::chrono::milliseconds>(deadline - Clock::now()).count();
    return static_cast<int>(std::clamp<long long>(left, 0, 60'000));
}

// False when `events` did not come before the deadline.
bool wait_for(int fd, short events, Clock::time_point deadline) {
    for (;;) {
        pollfd p{fd, events, 0};
        int ready = poll(&p, 1, millis_until(deadline));
        if (ready > 0)
            return true;
        if (ready == 0 || errno != EINTR)
            return false;
    }
}

// False when the peer went away or did not take the bytes in time.
bool send_all(int fd, std::string_view bytes, Clock::time_point deadline) {
    while (!bytes.empty()) {
        // MSG_NOSIGNAL: a client gone away must not raise SIGPIPE.
        ssize_t sent = send(fd, bytes.data(), bytes.size(), MSG_NOSIGNAL);
        if (sent > 0) {
            bytes.remove_prefix(static_cast<std::size_t>(sent));
        } else if (sent < 0 && errno == EINTR) {
            continue;
        } else if (sent < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) {
            if (!wait_for(fd, POLLOUT, deadline))
                return false;
        } else {
            return false;
        }
    }
    return true;
}

// The body a request announced is never read. Closing a socket with unread
// bytes makes the kernel reset the connection, which can destroy the answer
// before the client reads it; so stop writing and read what arrives for a
// moment first.
void discard_body(int fd, Clock::time_point deadline) {
    shutdown(fd, SHUT_WR);
    char buffer[4096];
    std::size_t total = 0;
    while (total < 1024 * 1024 && wait_for(fd, POLLIN, deadline)) {
        ssize_t got = recv(fd, buffer, sizeof buffer, 0);
        if (got > 0)
            total += static_cast<std::size_t>(got);
        else if (got == 0 || (errno != EINTR && errno != EAGAIN && errno != EWOULDBLOCK))
            return;
    }
}

} // namespace

std::string http_response(const HttpReply& reply, bool head_only) {
    std::string out = fmt::format("HTTP/1.1 {} {}\r\nContent-Type: {}\r\n"
                                  "Content-Length: {}\r\nConnection: close\r\n",
                                  reply.status, reason_phrase(reply.status), reply.content_type,
                                  reply.body.size());
    for (const auto& [name, value] : reply.headers)
        out += fmt::format("{}: {}\r\n", name, value);
    out += "\r\n";
    if (!head_only)
        out += reply.body;
    return out;
}

void answer(const HttpApiOptions& options, ReadRequest request, LiveFeed* live) {
    const auto* head = std::get_if<RequestHead>(&request.head);
    HttpReply reply;
    std::string line;
    LiveAnswer streamed;
    if (head) {
        std::string path = percent_decode(split_target(head->target).first);
        auto refused = refuse_without_token(options, *head);
        if (!refused && live)
            streamed = live_route(options, *live, head->method, path, request.fd);
        if (refused)
            reply = std::move(*refused);
        else if (streamed.reply)
            reply = std::move(*streamed.reply);
        else if (!streamed.taken) // a stream is logged as the 200 it was answered
            reply = route_request(options, head->method, head->target);
        // The request is untrusted: %0a must not forge a log line, nor %1b
        // drive the terminal the log is read on.
        line =
            fmt::format("{} {} {}", visible_text(head->method), visible_text(path), reply.status);
    } else {
        const BadHead& bad = std::get<BadHead>(request.head);
        reply = detail_reply(bad.status, bad.detail);
        line = fmt::format("(malformed request) {}", reply.status);
    }
    if (options.log)
        options.log(line);
    if (streamed.taken)
        return; // the streams' thread answers it from now on

    int fd = request.fd.get();
    Clock::time_point deadline = Clock::now() + options.client_timeout;
    bool sent = send_all(fd, http_response(reply, head && head->method == "HEAD"), deadline);
    if (sent && head && head->has_body)
        discard_body(fd, std::min(deadline, Clock::now() + std::chrono::seconds(1)));
}

} // namespace bb::http_detail
