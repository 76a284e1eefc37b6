// The loopback RabbitMQ and Redis started by scripts/services.sh, as the test
// environment names them (BB_TEST_RABBIT_URL, BB_TEST_REDIS_HOST,
// BB_TEST_REDIS_PORT). Under CI=true a missing service fails the test; on a
// developer machine the test says why it did nothing.
#pragma once

#include <optional>
#include <string>

namespace bbtest {

struct Services {
    std::string rabbit_url; // amqp://guest:guest@127.0.0.1:PORT/
    std::string amqp_host;
    int amqp_port = 0;
    std::string redis_host;
    int redis_port = 0;
};

// nullopt when the environment names no services (the test must return);
// records a doctest failure first when CI=true.
std::optional<Services> services();

} // namespace bbtest
