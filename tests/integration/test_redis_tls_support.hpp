// Shared by the tests of Redis over TLS with ACL users: the TLS Redis of
// scripts/services.sh (support/services.hpp), a bus of our own on the shared
// broker, bb-publish tracking into that Redis, and python3-redis (Debian's,
// with ssl) as the independent reader of what was written.
#pragma once

#include "support/process.hpp"
#include "support/services.hpp"
#include "test_bb_publish_support.hpp"

#include <doctest/doctest.h>

#include <optional>
#include <string>
#include <vector>

namespace redistls {

using bbtest::RunOptions;
using bbtest::RunResult;

// python3-redis over TLS as the bloodbank ACL user: argv[1] the URL, argv[2]
// the CA file, then a command: "links ID..." prints per id its parents (from
// the forward record) and its children (the reverse set, sorted), one line
// each; "delete ID..." deletes every key of those ids.
inline constexpr const char* python_reader = R"(
import json, sys
import redis
r = redis.Redis.from_url(sys.argv[1], ssl_ca_certs=sys.argv[2])
command, ids = sys.argv[3], sys.argv[4:]
for i in ids:
    keys = ['bloodbank:correlation:forward:' + i, 'bloodbank:correlation:reverse:' + i,
            'bloodbank:event:' + i]
    if command == 'delete':
        r.delete(*keys)
        continue
    forward = r.get(keys[0])
    parents = json.loads(forward)['parent_event_ids'] if forward else []
    children = sorted(c.decode() for c in r.smembers(keys[1]))
    print(i, 'parents', ','.join(parents) or '-', 'children', ','.join(children) or '-')
)";

struct TlsRedis {
    bbtest::RedisTlsServices r;
    bbtest::publish::Bus bus;
    std::vector<std::string> ids; // deleted from the TLS Redis at the end

    explicit TlsRedis(const bbtest::RedisTlsServices& services)
        : r(services), bus(services.tls.plain) {}
    ~TlsRedis() {
        if (!ids.empty())
            python({"delete"}, ids);
    }
    TlsRedis(const TlsRedis&) = delete;
    TlsRedis& operator=(const TlsRedis&) = delete;

    // Any tool's environment: the bus's broker, no Redis settings inherited.
    RunOptions options(const std::string& input = "") const {
        RunOptions o = bus.options(input);
        o.unset_env.insert(o.unset_env.end(), {"REDIS_USERNAME", "REDIS_TLS", "REDIS_CACERT",
                                               "REDIS_CERT", "REDIS_KEY", "REDIS_PASSWORD_FILE"});
        return o;
    }
    // The flags that name the TLS Redis as its bloodbank user.
    std::vector<std::string> flags() const {
        return {"--redis-url", r.url, "--redis-cacert", r.tls.ca_file};
    }

    RunResult python(std::vector<std::string> args, const std::vector<std::string>& more) const {
        std::vector<std::string> argv{"/usr/bin/python3", "-c", python_reader, r.url,
                                      r.tls.ca_file};
        argv.insert(argv.end(), args.begin(), args.end());
        argv.insert(argv.end(), more.begin(), more.end());
        return bbtest::run(argv);
    }

    // bb-publish of these envelopes, tracked into the TLS Redis.
    RunResult publish(const std::vector<bbtest::publish::EnvelopeSpec>& events,
                      std::vector<std::string> extra = {}) {
        std::string input;
        for (const auto& e : events) {
            input += bbtest::publish::canonical(e) + "\n";
            ids.push_back(e.event_id);
        }
        std::vector<std::string> args = flags();
        args.insert(args.end(), extra.begin(), extra.end());
        return bbtest::publish::Bus::run_publish(args, options(input));
    }

    RunResult tool(const std::string& name, std::vector<std::string> args,
                   const RunOptions& o) const {
        args.insert(args.begin(), bbtest::binary(name));
        return bbtest::run(args, o);
    }
    RunResult trace(const std::vector<std::string>& args) const {
        std::vector<std::string> all = args;
        for (const auto& f : flags())
            all.push_back(f);
        return tool("bb-trace", all, options());
    }
};

inline std::optional<TlsRedis> setup() {
    auto services = bbtest::redis_tls_services();
    if (!services)
        return std::nullopt;
    return std::optional<TlsRedis>(std::in_place, *services);
}

} // namespace redistls
