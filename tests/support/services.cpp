#include "support/services.hpp"

#include "support/skip.hpp"

#include <algorithm>
#include <cstdlib>
#include <string>

namespace bbtest {

namespace {
std::string env_or_empty(const char* name) {
    const char* v = std::getenv(name);
    return v ? v : "";
}

// Under CI=true a failure, else the test case skips; it then returns.
std::nullopt_t missing(const char* what) {
    skip_test(std::string(what) +
              " are not set: run the tests through scripts/test.sh, which starts the services");
    return std::nullopt;
}

} // namespace

std::optional<Services> services() {
    Services s;
    s.rabbit_url = env_or_empty("BB_TEST_RABBIT_URL");
    s.amqp_host = env_or_empty("BB_TEST_AMQP_HOST");
    s.redis_host = env_or_empty("BB_TEST_REDIS_HOST");
    std::string amqp_port = env_or_empty("BB_TEST_AMQP_PORT");
    std::string redis_port = env_or_empty("BB_TEST_REDIS_PORT");
    if (s.rabbit_url.empty() || s.redis_host.empty() || amqp_port.empty() || redis_port.empty())
        return missing("BB_TEST_RABBIT_URL/BB_TEST_REDIS_HOST");
    s.amqp_port = std::stoi(amqp_port);
    s.redis_port = std::stoi(redis_port);
    return s;
}

std::optional<TlsServices> tls_services() {
    auto plain = services();
    if (!plain)
        return std::nullopt;
    TlsServices t;
    t.plain = *plain;
    std::string port = env_or_empty("BB_TEST_AMQPS_PORT");
    t.ca_file = env_or_empty("BB_TEST_CA_FILE");
    t.client_cert = env_or_empty("BB_TEST_CLIENT_CERT");
    t.client_key = env_or_empty("BB_TEST_CLIENT_KEY");
    t.untrusted_ca_file = env_or_empty("BB_TEST_UNTRUSTED_CA_FILE");
    t.untrusted_client_cert = env_or_empty("BB_TEST_UNTRUSTED_CLIENT_CERT");
    t.untrusted_client_key = env_or_empty("BB_TEST_UNTRUSTED_CLIENT_KEY");
    if (port.empty() || t.ca_file.empty() || t.client_cert.empty() || t.client_key.empty() ||
        t.untrusted_ca_file.empty() || t.untrusted_client_cert.empty() ||
        t.untrusted_client_key.empty())
        return missing("BB_TEST_AMQPS_PORT/BB_TEST_CA_FILE/BB_TEST_CLIENT_*");
    t.amqps_port = std::stoi(port);
    return t;
}

std::optional<RedisTlsServices> redis_tls_services() {
    auto tls = tls_services();
    if (!tls)
        return std::nullopt;
    RedisTlsServices r;
    r.tls = *tls;
    std::string port = env_or_empty("BB_TEST_REDIS_TLS_PORT");
    r.url = env_or_empty("BB_TEST_REDIS_TLS_URL");
    r.user = env_or_empty("BB_TEST_REDIS_TLS_USER");
    r.password = env_or_empty("BB_TEST_REDIS_TLS_PASSWORD");
    r.outsider_url = env_or_empty("BB_TEST_REDIS_TLS_OUTSIDER_URL");
    if (port.empty() || r.url.empty() || r.user.empty() || r.password.empty() ||
        r.outsider_url.empty())
        return missing("BB_TEST_REDIS_TLS_*");
    r.port = std::stoi(port);
    return r;
}

std::optional<SentinelServices> sentinel_services() {
    auto plain = services();
    if (!plain)
        return std::nullopt;
    SentinelServices t;
    t.plain = *plain;
    t.url = env_or_empty("BB_TEST_REDIS_SENTINEL_URL");
    std::string master = env_or_empty("BB_TEST_REDIS_SENTINEL_MASTER_PORT");
    std::string replica = env_or_empty("BB_TEST_REDIS_SENTINEL_REPLICA_PORT");
    if (t.url.empty() || master.empty() || replica.empty())
        return missing("BB_TEST_REDIS_SENTINEL_URL/BB_TEST_REDIS_SENTINEL_*_PORT");
    t.master_port = std::stoi(master);
    t.replica_port = std::stoi(replica);
    return t;
}

std::optional<RedisClusterServices> redis_cluster_services() {
    auto plain = services();
    if (!plain)
        return std::nullopt;
    RedisClusterServices c;
    c.plain = *plain;
    c.url = env_or_empty("BB_REDIS_CLUSTER_URL");
    // redis://127.0.0.1:P1,127.0.0.1:P2,.../0: the port after each ':' but
    // the scheme's.
    std::string hosts = c.url.substr(std::min(c.url.size(), c.url.find("//") + 2));
    hosts = hosts.substr(0, hosts.find('/'));
    for (std::size_t at = hosts.find(':'); at != std::string::npos; at = hosts.find(':', at + 1))
        c.ports.push_back(std::atoi(hosts.c_str() + at + 1));
    if (c.url.empty() || c.ports.size() < 3)
        return missing("BB_REDIS_CLUSTER_URL");
    return c;
}

} // namespace bbtest
