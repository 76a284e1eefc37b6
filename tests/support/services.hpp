// The loopback RabbitMQ and Redis started by scripts/services.sh, as the test
// environment names them (BB_TEST_RABBIT_URL, BB_TEST_REDIS_HOST,
// BB_TEST_REDIS_PORT). Under CI=true a missing service fails the test; on a
// developer machine the test skips (support/skip.hpp) and says why.
#pragma once

#include <optional>
#include <string>
#include <vector>

namespace bbtest {

struct Services {
    std::string rabbit_url; // amqp://guest:guest@127.0.0.1:PORT/
    std::string amqp_host;
    int amqp_port = 0;
    std::string redis_host;
    int redis_port = 0;
};

// nullopt when the environment names no services (the test must return),
// after skip_test(): a failure under CI=true, else the test case skips.
std::optional<Services> services();

// The broker's TLS listener and the throwaway certificates services.sh makes
// (BB_TEST_AMQPS_PORT, BB_TEST_CA_FILE, ...). The broker's certificate is for
// the IP address 127.0.0.1 only; the "untrusted" CA is one the broker does not
// know, and its client certificate is refused.
struct TlsServices {
    Services plain; // the same broker's plain listener, for checking what arrived
    int amqps_port = 0;
    std::string ca_file;
    std::string client_cert;
    std::string client_key;
    std::string untrusted_ca_file;
    std::string untrusted_client_cert;
    std::string untrusted_client_key;
};

// As services(): nullopt (after skip_test()) when they are not named.
std::optional<TlsServices> tls_services();

// The TLS-only Redis with ACL users that services.sh starts beside the plain
// one (BB_TEST_REDIS_TLS_*), certificates from the same throwaway CA: user
// "bloodbank" may touch keys bloodbank:* only, "bb-outsider" outsider:* only;
// the default user is off.
struct RedisTlsServices {
    TlsServices tls; // the CA and client certificates, and the broker
    int port = 0;
    std::string url;          // rediss://bloodbank:PASSWORD@127.0.0.1:PORT/0
    std::string user;         // bloodbank
    std::string password;     // its password
    std::string outsider_url; // rediss://bb-outsider:PASSWORD@127.0.0.1:PORT/0
};

// As services(): nullopt (after skip_test()) when they are not named.
std::optional<RedisTlsServices> redis_tls_services();
// The Redis master, replica and three sentinels services.sh starts
// (BB_TEST_REDIS_SENTINEL_URL, ..._MASTER_PORT, ..._REPLICA_PORT). The
// sentinels know the master as "bloodbank"; no test fails it over.
struct SentinelServices {
    Services plain;  // the broker, and the plain Redis
    std::string url; // redis-sentinel://127.0.0.1:P1,...:P3/0#bloodbank
    int master_port = 0;
    int replica_port = 0;
};

// As services(): nullopt (after skip_test()) when they are not named.
std::optional<SentinelServices> sentinel_services();

// The Redis Cluster of three masters services.sh starts (BB_REDIS_CLUSTER_URL,
// its seed nodes).
struct RedisClusterServices {
    Services plain;         // the broker, and the plain Redis
    std::string url;        // redis://127.0.0.1:P1,127.0.0.1:P2,127.0.0.1:P3/0
    std::vector<int> ports; // P1, P2, P3
};

// As services(): nullopt (after skip_test()) when it is not named.
std::optional<RedisClusterServices> redis_cluster_services();

} // namespace bbtest
