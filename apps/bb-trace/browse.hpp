// bb-trace browse: the full-screen browser over the graph around an event.
// The model is bb::TraceBrowser; this is the terminal and the keys.
#pragma once

#include "bloodbank/config.hpp"
#include "bloodbank/uuid.hpp"

#include <chrono>
#include <cstddef>
#include <string>

namespace bbtrace {

// Draws on /dev/tty, so that stdout carries only the id chosen with y (or
// Enter on the details). Refuses with ErrorKind::usage without a terminal.
// Returns the exit status.
int browse(const bb::RedisTarget& target, std::chrono::milliseconds timeout, const bb::Uuid& id,
           std::size_t max_nodes);

} // namespace bbtrace
