// The connection loop of `bb-trace serve`: one thread polls the listening
// socket and every connection still sending its request head, with a
// deadline each; complete requests go to a few workers (answer.cpp). A
// client that stalls costs a descriptor and a buffer, never a worker.
#include "http/answer.hpp"
#include "http/live_feed.hpp"
#include "http/request.hpp"

#include "bloodbank/http_api.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <arpa/inet.h>
#include <atomic>
#include <cerrno>
#include <condition_variable>
#include <cstring>
#include <deque>
#include <fcntl.h>
#include <mutex>
#include <netdb.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <thread>
#include <unistd.h>
#include <vector>

namespace bb {
namespace {

using http_detail::Clock;
using http_detail::ReadRequest;

// HTTP_HOST may be written [::1] as in a URL; the resolver wants ::1.
std::string bare_host(std::string_view host) {
    if (host.size() >= 2 && host.front() == '[' && host.back() == ']')
        host = host.substr(1, host.size() - 2);
    return std::string(host);
}

// Requests read and waiting for a worker; pop() blocks until there is one,
// and returns nullopt once close() was called and none is left.
class RequestQueue {
public:
    void push(ReadRequest request) {
        {
            std::lock_guard lock(mutex_);
            requests_.push_back(std::move(request));
        }
        ready_.notify_one();
    }
    std::optional<ReadRequest> pop() {
        std::unique_lock lock(mutex_);
        ready_.wait(lock, [&] { return closed_ || !requests_.empty(); });
        if (requests_.empty())
            return std::nullopt;
        ReadRequest request = std::move(requests_.front());
        requests_.pop_front();
        return request;
    }
    void close() {
        {
            std::lock_guard lock(mutex_);
            closed_ = true;
        }
        ready_.notify_all();
    }

private:
    std::mutex mutex_;
    std::condition_variable ready_;
    std::deque<ReadRequest> requests_;
    bool closed_ = false;
};

// A connection still sending its request head.
struct Incoming {
    UniqueFd fd;
    std::string received;
    Clock::time_point deadline;
};

int millis_until(Clock::time_point deadline) {
    auto left = std::chrono::ceil<std::chrono::milliseconds>(deadline - Clock::now()).count();
    return static_cast<int>(std::clamp<long long>(left, 0, 60'000));
}

// Answers a connection over the limit at once and closes it. The socket is
// fresh, so the few bytes fit its buffer; if they do not, it is just closed.
void refuse(UniqueFd fd) {
    std::string busy = http_detail::http_response(detail_reply(503, "Too many connections"), false);
    (void)send(fd.get(), busy.data(), busy.size(), MSG_NOSIGNAL);
}

} // namespace

std::string http_url(std::string_view host, int port) {
    std::string bare = bare_host(host);
    if (bare.find(':') != std::string::npos)
        return fmt::format("http://[{}]:{}", bare, port);
    return fmt::format("http://{}:{}", bare, port);
}

bool is_loopback_host(std::string_view host) {
    std::string bare = bare_host(host);
    in_addr v4{};
    if (inet_pton(AF_INET, bare.c_str(), &v4) == 1)
        return (ntohl(v4.s_addr) >> 24) == 127;
    in6_addr v6{};
    if (inet_pton(AF_INET6, bare.c_str(), &v6) == 1)
        return IN6_IS_ADDR_LOOPBACK(&v6);
    return bare == "localhost";
}

struct HttpApiServer::Impl {
    HttpApiOptions options;
    UniqueFd listener;
    int port = 0;
    UniqueFd wake_read, wake_write; // stop() writes a byte here
    // Connections accepted and not yet closed, wherever they are.
    std::atomic<std::size_t> open{0};

    // When accepting ran out of descriptors; until then the listener rests.
    Clock::time_point accept_paused_until{};

    void read_head(Incoming& connection, RequestQueue& queue);
    void close(Incoming& connection);
    void accept_all(std::vector<Incoming>& incoming);
};

void HttpApiServer::Impl::close(Incoming& connection) {
    connection.fd.reset();
    --open;
}

// Reads what the client sent; hands the connection to the workers once the
// head is complete (or cannot be), closes it when the client went away.
// Either way connection.fd is empty afterwards.
void HttpApiServer::Impl::read_head(Incoming& connection, RequestQueue& queue) {
    char buffer[4096];
    for (;;) {
        ssize_t got = recv(connection.fd.get(), buffer, sizeof buffer, 0);
        if (got < 0 && errno == EINTR)
            continue;
        if (got < 0 && (errno == EAGAIN || errno == EWOULDBLOCK))
            return;
        if (got <= 0) {
            close(connection);
            return;
        }
        connection.received.append(buffer, static_cast<std::size_t>(got));
        std::size_t end = http_detail::request_head_end(connection.received);
        if (end != std::string::npos) {
            queue.push({std::move(connection.fd),
                        http_detail::parse_request_head(
                            std::string_view(connection.received).substr(0, end))});
            return;
        }
        if (connection.received.size() > http_detail::max_head_bytes) {
            queue.push({std::move(connection.fd),
                        http_detail::BadHead{431, "Request Header Fields Too Large"}});
            return;
        }
    }
}

void HttpApiServer::Impl::accept_all(std::vector<Incoming>& incoming) {
    for (;;) {
        int fd = accept4(listener.get(), nullptr, nullptr, SOCK_NONBLOCK | SOCK_CLOEXEC);
        if (fd < 0 && errno == EINTR)
            continue;
        if (fd < 0 && (errno == EMFILE || errno == ENFILE || errno == ENOBUFS || errno == ENOMEM))
            // The listener stays readable: look at it again only after a
            // pause, or the loop would spin.
            accept_paused_until = Clock::now() + std::chrono::milliseconds(100);
        if (fd < 0)
            return; // nothing left to accept, or a connection aborted
        if (open.load() >= options.max_connections) {
            refuse(UniqueFd(fd));
            continue;
        }
        ++open;
        incoming.push_back({UniqueFd(fd), {}, Clock::now() + options.client_timeout});
    }
}

HttpApiServer::HttpApiServer(HttpApiOptions options) : impl_(std::make_unique<Impl>()) {
    impl_->options = std::move(options);
}

HttpApiServer::~HttpApiServer() = default;

Result<void> HttpApiServer::bind() {
    const HttpApiOptions& opts = impl_->options;
    std::string url = http_url(opts.host, opts.port);
    auto fail = [&](std::string_view reason) {
        return make_error(ErrorKind::unavailable,
                          fmt::format("cannot listen on {}: {}", url, reason));
    };
    int pipe_fds[2];
    if (pipe2(pipe_fds, O_CLOEXEC | O_NONBLOCK) != 0)
        return fail(std::strerror(errno));
    impl_->wake_read.reset(pipe_fds[0]);
    impl_->wake_write.reset(pipe_fds[1]);

    addrinfo hints{};
    hints.ai_family = AF_UNSPEC;
    hints.ai_socktype = SOCK_STREAM;
    hints.ai_flags = AI_PASSIVE | AI_NUMERICSERV;
    addrinfo* found = nullptr;
    std::string host = bare_host(opts.host);
    if (int rc = getaddrinfo(host.empty() ? nullptr : host.c_str(),
                             std::to_string(opts.port).c_str(), &hints, &found);
        rc != 0)
        return fail(gai_strerror(rc));
    int error = 0;
    for (addrinfo* at = found; at && !impl_->listener; at = at->ai_next) {
        UniqueFd fd(
            socket(at->ai_family, at->ai_socktype | SOCK_NONBLOCK | SOCK_CLOEXEC, at->ai_protocol));
        // SO_REUSEADDR for a quick restart; never SO_REUSEPORT, with which a
        // second server could bind the same port and share its requests.
        int yes = 1;
        if (fd && setsockopt(fd.get(), SOL_SOCKET, SO_REUSEADDR, &yes, sizeof yes) == 0 &&
            ::bind(fd.get(), at->ai_addr, at->ai_addrlen) == 0 && listen(fd.get(), SOMAXCONN) == 0)
            impl_->listener = std::move(fd);
        else
            error = errno;
    }
    freeaddrinfo(found);
    if (!impl_->listener)
        return fail(error ? std::strerror(error) : "address not usable");

    sockaddr_storage address{};
    socklen_t length = sizeof address;
    getsockname(impl_->listener.get(), reinterpret_cast<sockaddr*>(&address), &length);
    impl_->port =
        ntohs(address.ss_family == AF_INET6 ? reinterpret_cast<sockaddr_in6*>(&address)->sin6_port
                                            : reinterpret_cast<sockaddr_in*>(&address)->sin_port);
    return {};
}

int HttpApiServer::port() const {
    return impl_->port;
}

Result<void> HttpApiServer::run() {
    Impl& impl = *impl_;
    const HttpApiOptions& opts = impl.options;
    RequestQueue queue;
    // One consumer for every live stream; it connects to the broker only
    // under --follow or once a page asks for a stream.
    http_detail::LiveFeed live(opts);
    std::vector<std::thread> workers;
    for (unsigned i = 0; i < std::max(1u, opts.workers); ++i)
        workers.emplace_back([&] {
            while (auto request = queue.pop()) {
                http_detail::answer(opts, std::move(*request), &live);
                --impl.open;
            }
        });

    std::vector<Incoming> incoming;
    std::vector<pollfd> polled;
    int failure = 0;
    for (;;) {
        bool accepting = Clock::now() >= impl.accept_paused_until;
        // poll() skips a negative descriptor.
        polled.assign(
            {{impl.wake_read.get(), POLLIN, 0}, {accepting ? impl.listener.get() : -1, POLLIN, 0}});
        Clock::time_point next_deadline =
            accepting ? Clock::time_point::max() : impl.accept_paused_until;
        for (const Incoming& connection : incoming) {
            polled.push_back({connection.fd.get(), POLLIN, 0});
            next_deadline = std::min(next_deadline, connection.deadline);
        }
        int timeout = next_deadline == Clock::time_point::max() ? -1 : millis_until(next_deadline);
        int ready = poll(polled.data(), polled.size(), timeout);
        if (ready < 0 && errno == EINTR)
            continue;
        if (ready < 0) {
            failure = errno;
            break;
        }
        if (polled[0].revents)
            break;
        for (std::size_t i = 0; i < incoming.size(); ++i)
            if (polled[i + 2].revents)
                impl.read_head(incoming[i], queue);
        // A client out of time is closed without an answer, as uvicorn does.
        Clock::time_point now = Clock::now();
        for (Incoming& connection : incoming)
            if (connection.fd && connection.deadline <= now)
                impl.close(connection);
        incoming.erase(std::remove_if(incoming.begin(), incoming.end(),
                                      [](const Incoming& connection) { return !connection.fd; }),
                       incoming.end());
        if (polled[1].revents)
            impl.accept_all(incoming);
    }

    // Stop accepting, drop the heads not yet complete, answer those read.
    impl.listener.reset();
    for (Incoming& connection : incoming)
        impl.close(connection);
    incoming.clear();
    queue.close();
    for (std::thread& worker : workers)
        worker.join();
    live.stop(); // each stream is told `end` and closed
    if (failure)
        return make_error(ErrorKind::unavailable,
                          fmt::format("the HTTP server on {} stopped: {}",
                                      http_url(opts.host, impl.port), std::strerror(failure)));
    return {};
}

void HttpApiServer::stop() {
    char wake = 1;
    (void)!write(impl_->wake_write.get(), &wake, 1);
}

} // namespace bb
