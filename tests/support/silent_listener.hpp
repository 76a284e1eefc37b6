// A loopback TCP listener that accepts connections (the kernel does, from its
// backlog) and never says a word: a broker that takes the connection and
// never answers, so a TLS or AMQP handshake with it can only time out.
#pragma once

namespace bbtest {

class SilentListener {
public:
    SilentListener(); // throws std::runtime_error when it cannot listen
    ~SilentListener();
    SilentListener(const SilentListener&) = delete;
    SilentListener& operator=(const SilentListener&) = delete;
    int port() const { return port_; }

private:
    int fd_ = -1;
    int port_ = 0;
};

} // namespace bbtest
