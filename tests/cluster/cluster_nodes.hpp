// The cluster tests' three-node RabbitMQ cluster (scripts/cluster.sh, state
// folder and ports from tests/CMakeLists.txt): a CTest fixture starts it
// once for the label, and every test calls cluster_nodes() first, which also
// brings back, with its data, a node an earlier test left killed or stopped.
#pragma once

#include "faults/private_services.hpp"
#include "support/amqp_consumer.hpp"

#include <optional>
#include <string>
#include <vector>

namespace bbtest::cluster {

// Node N (1 to 3) is element N - 1: its URL in .services.rabbit_url, its
// set's state folder and rabbitmqctl. Node 1's set also runs the epmd and
// the Redis of the cluster, so a test that kills a node kills node 2 or 3.
// When the cluster cannot start: skip_test() (a failure under CI=true) and
// nullopt (the test must return).
std::optional<std::vector<faults::PrivateServices>> cluster_nodes();

// A durable quorum queue: what the cluster tests publish to and consume from.
QueueOptions quorum_queue();

// "URL,URL,URL": the nodes' URLs in the order given (1-based), for --url.
std::string urls(const std::vector<faults::PrivateServices>& nodes, const std::vector<int>& order);

} // namespace bbtest::cluster
