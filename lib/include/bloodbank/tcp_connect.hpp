// Our own TCP connect, shared by RabbitMQ's and Redis's connections: one
// non-blocking connect per address the name resolves to, within a deadline,
// so that a refused or unreachable server is named precisely and in time.
#pragma once

#include "bloodbank/error.hpp"
#include "bloodbank/stop_signals.hpp"
#include "bloodbank/unique_fd.hpp"

#include <chrono>
#include <string>

namespace bb {

// A connected non-blocking socket with TCP_NODELAY (requests are written
// whole, replies awaited), by `deadline`. Errors are ErrorKind::unavailable
// with the reason alone ("Connection refused", "timed out", "stopped by
// SIGTERM", the resolver's words) for the caller to prefix with its target.
Result<UniqueFd> tcp_connect(const std::string& host, int port,
                             std::chrono::steady_clock::time_point deadline,
                             OnStop on_stop = OnStop::end_wait);

// "stopped by SIGTERM": the reason a wait ended by a stop request gives.
std::string stopped_by_signal();

} // namespace bb
