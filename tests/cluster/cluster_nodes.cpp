#include "cluster/cluster_nodes.hpp"

#include "faults/fault_bus.hpp"
#include "support/process.hpp"
#include "support/skip.hpp"

namespace bbtest::cluster {

std::optional<std::vector<faults::PrivateServices>> cluster_nodes() {
    RunOptions o;
    o.env = {{"BB_CLUSTER_STATE_DIR", BB_CLUSTER_STATE_DIR},
             {"BB_CLUSTER_PORT", std::to_string(BB_CLUSTER_PORT)}};
    RunResult up = run({std::string(BB_SOURCE_DIR) + "/scripts/cluster.sh", "up", "--quiet"}, o);
    if (up.status != 0) {
        skip_test("the three-node RabbitMQ cluster did not start (scripts/cluster.sh up exited " +
                  std::to_string(up.status) + "):\n" + up.err);
        return std::nullopt;
    }
    std::vector<faults::PrivateServices> nodes;
    for (int n = 1; n <= 3; ++n) {
        auto node = faults::read_private_services(std::string(BB_CLUSTER_STATE_DIR) + "/node" +
                                                  std::to_string(n));
        if (!node)
            return std::nullopt;
        nodes.push_back(*node);
    }
    return nodes;
}

QueueOptions quorum_queue() {
    QueueOptions q = faults::durable_queue();
    q.type = "quorum";
    return q;
}

std::string urls(const std::vector<faults::PrivateServices>& nodes, const std::vector<int>& order) {
    std::string list;
    for (int n : order)
        list += (list.empty() ? "" : ",") +
                nodes.at(static_cast<std::size_t>(n - 1)).services.rabbit_url;
    return list;
}

} // namespace bbtest::cluster
