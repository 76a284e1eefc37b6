// Loopback TCP ports for tests that need a server to be down.
#pragma once

namespace bbtest {

// A port on 127.0.0.1 that this object keeps bound and never listens on: a
// connection to it is refused (ECONNREFUSED) and no other process can take
// the port while the object lives. A down broker or Redis, by construction.
class RefusedPort {
public:
    RefusedPort(); // throws std::runtime_error when no port can be bound
    ~RefusedPort();
    RefusedPort(const RefusedPort&) = delete;
    RefusedPort& operator=(const RefusedPort&) = delete;

    int port() const { return port_; }

private:
    int fd_ = -1;
    int port_ = 0;
};

} // namespace bbtest
