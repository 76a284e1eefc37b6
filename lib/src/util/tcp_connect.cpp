#include "bloodbank/tcp_connect.hpp"

#include "bloodbank/file_access.hpp"

#include <fmt/format.h>

#include <cerrno>
#include <memory>
#include <netdb.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <sys/socket.h>

namespace bb {

std::string stopped_by_signal() {
    return fmt::format("stopped by {}", signal_name(stop_requested()));
}

Result<UniqueFd> tcp_connect(const std::string& host, int port,
                             std::chrono::steady_clock::time_point deadline, OnStop on_stop) {
    addrinfo hints{};
    hints.ai_family = AF_UNSPEC;
    hints.ai_socktype = SOCK_STREAM;
    hints.ai_protocol = IPPROTO_TCP;
    addrinfo* found = nullptr;
    std::string service = std::to_string(port);
    if (int rc = ::getaddrinfo(host.c_str(), service.c_str(), &hints, &found); rc != 0)
        return make_error(ErrorKind::unavailable, gai_strerror(rc));
    std::unique_ptr<addrinfo, decltype(&::freeaddrinfo)> addresses(found, ::freeaddrinfo);

    std::string reason = "no address";
    for (const addrinfo* a = found; a; a = a->ai_next) {
        UniqueFd sock(
            ::socket(a->ai_family, a->ai_socktype | SOCK_NONBLOCK | SOCK_CLOEXEC, a->ai_protocol));
        if (!sock) {
            reason = errno_text(errno);
            continue;
        }
        int one = 1;
        ::setsockopt(sock.get(), IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
        if (::connect(sock.get(), a->ai_addr, a->ai_addrlen) == 0)
            return sock;
        if (errno != EINPROGRESS) {
            reason = errno_text(errno);
            continue;
        }
        WaitResult waited = wait_ready(sock.get(), POLLOUT, deadline, on_stop);
        if (waited != WaitResult::ready) {
            reason = waited == WaitResult::stopped ? stopped_by_signal() : "timed out";
            break;
        }
        int error = 0;
        socklen_t len = sizeof error;
        if (::getsockopt(sock.get(), SOL_SOCKET, SO_ERROR, &error, &len) != 0)
            error = errno;
        if (error == 0)
            return sock;
        reason = errno_text(error);
    }
    return make_error(ErrorKind::unavailable, reason);
}

} // namespace bb
