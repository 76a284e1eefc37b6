#include "support/services.hpp"

#include <doctest/doctest.h>

#include <cstdlib>
#include <string>

namespace bbtest {

namespace {
std::string env_or_empty(const char* name) {
    const char* v = std::getenv(name);
    return v ? v : "";
}
} // namespace

std::optional<Services> services() {
    Services s;
    s.rabbit_url = env_or_empty("BB_TEST_RABBIT_URL");
    s.amqp_host = env_or_empty("BB_TEST_AMQP_HOST");
    s.redis_host = env_or_empty("BB_TEST_REDIS_HOST");
    std::string amqp_port = env_or_empty("BB_TEST_AMQP_PORT");
    std::string redis_port = env_or_empty("BB_TEST_REDIS_PORT");
    if (s.rabbit_url.empty() || s.redis_host.empty() || amqp_port.empty() || redis_port.empty()) {
        if (env_or_empty("CI") == "true")
            FAIL_CHECK("CI=true but BB_TEST_RABBIT_URL/BB_TEST_REDIS_HOST are not set: run the "
                       "tests through scripts/test.sh, which starts the services");
        else
            MESSAGE("no test services in the environment (run scripts/test.sh): nothing checked");
        return std::nullopt;
    }
    s.amqp_port = std::stoi(amqp_port);
    s.redis_port = std::stoi(redis_port);
    return s;
}

} // namespace bbtest
