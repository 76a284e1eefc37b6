// bb-consume reading a queue while its broker goes: run in a shell pipeline,
// the fault struck once the reader has some lines, then every event counted
// by what the reader (or the command) wrote. Shared by the single-node fault
// tests and the cluster tests.
#pragma once

#include "integration/test_bb_consume_support.hpp"

#include <functional>
#include <map>
#include <set>
#include <string>

namespace bbtest::faults {

// How often each line of `path` occurs.
std::map<std::string, int> line_counts(const std::string& path);

// Runs `pipeline` (bb-consume's stderr to DIR/err) in a shell, waits until
// `seen` lines are in DIR/out, strikes `fault` (which must leave the queue
// readable again through `rabbit_url`), then waits until bb-consume
// reconnected, DIR/out holds every one of `expected` and the queue is empty;
// stops bb-consume with SIGTERM and returns its stderr. The events are
// checked by the caller.
std::string consume_through_fault(const std::string& rabbit_url, const publish::Bus& bus,
                                  const std::string& dir, const std::string& pipeline,
                                  std::size_t seen, const std::set<std::string>& expected,
                                  const std::function<void()>& fault);

// lost = 0 and nothing unexpected; duplicates only within what could have
// been written and not yet acked when the connection went (`window`).
void check_once_at_least(const std::string& out_path, const std::set<std::string>& expected,
                         int window);

// The event ids of envelope bodies.
std::set<std::string> event_ids(const std::vector<std::string>& bodies);

} // namespace bbtest::faults
