// What goes wrong with a TLS Redis and ACL users, each said in one line that
// names the redacted target, with the documented exit status: a CA that does
// not vouch for the server, a wrong password, a user without permission on
// the keys, a client certificate the server does not trust. Secrets never
// appear, in errors or in --show-config.
#include "support/lines.hpp"
#include "test_redis_tls_support.hpp"

#include <doctest/doctest.h>

using bbtest::RunOptions;
using bbtest::RunResult;
using bbtest::publish::EnvelopeSpec;
using redistls::TlsRedis;

namespace {

bool contains(const std::string& text, const std::string& part) {
    return text.find(part) != std::string::npos;
}

std::string target(const TlsRedis& t) {
    return "Redis at rediss://127.0.0.1:" + std::to_string(t.r.port) + "/0: ";
}

// The URL with another password for the same user.
std::string with_password(const TlsRedis& t, const std::string& password) {
    std::string url = t.r.url;
    auto at = url.find(t.r.password);
    REQUIRE(at != std::string::npos);
    return url.replace(at, t.r.password.size(), password);
}

// One line on stderr, naming the target and `says`, no password.
void one_line_error(const TlsRedis& t, const RunResult& r, const std::string& program,
                    const std::string& says) {
    INFO(r.err);
    CHECK(bbtest::split_lines(r.err).size() == 1);
    CHECK(r.err.starts_with(program + ": " + target(t)));
    CHECK(contains(r.err, says));
    CHECK_FALSE(contains(r.err, t.r.password));
}

} // namespace

TEST_CASE("redis tls errors: a CA that does not vouch for the server is exit 69") {
    auto t = redistls::setup();
    if (!t)
        return;
    std::string id = bbtest::publish::random_uuid();
    auto untrusted = t->tool(
        "bb-trace",
        {"parents", id, "--redis-url", t->r.url, "--redis-cacert", t->r.tls.untrusted_ca_file},
        t->options());
    CHECK(untrusted.status == 69);
    one_line_error(*t, untrusted, "bb-trace", "cannot connect: certificate verify failed: ");
    CHECK(contains(untrusted.err, "(the Redis server's CA is not trusted: give it with "
                                  "--redis-cacert or REDIS_CACERT)"));
    // Without --redis-cacert the system's CAs are used, which do not know ours.
    auto system = t->tool("bb-trace", {"parents", id, "--redis-url", t->r.url}, t->options());
    CHECK(system.status == 69);
    one_line_error(*t, system, "bb-trace", "certificate verify failed: ");
}

TEST_CASE("redis tls errors: a wrong password is exit 69 and WRONGPASS, the password unseen") {
    auto t = redistls::setup();
    if (!t)
        return;
    std::string id = bbtest::publish::random_uuid();
    auto wrong = t->tool("bb-trace",
                         {"parents", id, "--redis-url", with_password(*t, "not-the-password"),
                          "--redis-cacert", t->r.tls.ca_file},
                         t->options());
    CHECK(wrong.status == 69);
    one_line_error(*t, wrong, "bb-trace", "authentication failed: WRONGPASS");
    CHECK_FALSE(contains(wrong.err, "not-the-password"));

    // bb-publish --require-tracking checks Redis before reading: 69, nothing sent.
    EnvelopeSpec e;
    RunOptions o = t->options(bbtest::publish::canonical(e) + "\n");
    auto publish = bbtest::publish::Bus::run_publish({"--require-tracking", "--redis-url",
                                                      with_password(*t, "not-the-password"),
                                                      "--redis-cacert", t->r.tls.ca_file},
                                                     o);
    CHECK(publish.status == 69);
    CHECK(contains(publish.err, target(*t) + "authentication failed: WRONGPASS"));
    CHECK(t->bus.admin.drain(t->bus.queue).empty());
}

TEST_CASE("redis tls errors: a user without permission on the keys gets NOPERM") {
    auto t = redistls::setup();
    if (!t)
        return;
    std::string id = bbtest::publish::random_uuid();
    std::vector<std::string> outsider{"--redis-url", t->r.outsider_url, "--redis-cacert",
                                      t->r.tls.ca_file};
    std::vector<std::string> args{"parents", id};
    args.insert(args.end(), outsider.begin(), outsider.end());
    auto read = t->tool("bb-trace", args, t->options());
    CHECK(read.status == 69);
    one_line_error(*t, read, "bb-trace", "NOPERM");

    // Tracking: the event is published, its records refused; the warning says
    // why (not just that the transaction was discarded), and
    // --require-tracking makes it 79.
    EnvelopeSpec parent, child;
    child.parents = {parent.event_id};
    std::string input =
        bbtest::publish::canonical(parent) + "\n" + bbtest::publish::canonical(child) + "\n";
    std::vector<std::string> publish_args{"--require-tracking"};
    publish_args.insert(publish_args.end(), outsider.begin(), outsider.end());
    auto publish = bbtest::publish::Bus::run_publish(publish_args, t->options(input));
    INFO(publish.err);
    CHECK(publish.status == 79);
    CHECK(t->bus.admin.drain(t->bus.queue).size() == 2);
    CHECK(contains(publish.err, "correlation tracking unavailable (" + target(*t) + "NOPERM"));
    CHECK_FALSE(contains(publish.err, "EXECABORT"));
}

TEST_CASE("redis tls errors: mutual TLS with our client certificate works, an unknown one not") {
    auto t = redistls::setup();
    if (!t)
        return;
    std::string id = bbtest::publish::random_uuid();
    std::vector<std::string> base{"parents",       id, "--redis-url", t->r.url, "--redis-cacert",
                                  t->r.tls.ca_file};
    auto with = [&](const std::string& cert, const std::string& key) {
        std::vector<std::string> args = base;
        args.insert(args.end(), {"--redis-cert", cert, "--redis-key", key});
        return t->tool("bb-trace", args, t->options());
    };
    auto ours = with(t->r.tls.client_cert, t->r.tls.client_key);
    INFO(ours.err);
    CHECK(ours.status == 66); // connected and logged in: the event is not there
    CHECK(contains(ours.err, "not found"));

    auto unknown = with(t->r.tls.untrusted_client_cert, t->r.tls.untrusted_client_key);
    CHECK(unknown.status == 69);
    one_line_error(*t, unknown, "bb-trace", "--redis-cert");

    // A key without its certificate is a usage error, before connecting.
    std::vector<std::string> args = base;
    args.insert(args.end(), {"--redis-key", t->r.tls.client_key});
    auto lone_key = t->tool("bb-trace", args, t->options());
    CHECK(lone_key.status == 64);
    CHECK(contains(lone_key.err, "no client certificate given with it (REDIS_CERT, --redis-cert)"));
}

TEST_CASE("redis tls errors: a TLS file for a Redis without TLS is a usage error") {
    auto t = redistls::setup();
    if (!t)
        return;
    const auto& plain = t->r.tls.plain;
    auto r = t->tool("bb-trace",
                     {"parents", bbtest::publish::random_uuid(), "--redis-host", plain.redis_host,
                      "--redis-port", std::to_string(plain.redis_port), "--redis-cacert",
                      t->r.tls.ca_file},
                     t->options());
    CHECK(r.status == 64);
    CHECK(r.err == "bb-trace: REDIS_CACERT=" + t->r.tls.ca_file +
                       " (flag): set, but the Redis connection is not TLS: use a rediss:// URL "
                       "(or REDIS_TLS=true)\n");
}

TEST_CASE("redis tls errors: --show-config shows rediss://, the user and the CA, not secrets") {
    auto t = redistls::setup();
    if (!t)
        return;
    RunOptions o = t->options();
    o.env["REDIS_CACERT"] = t->r.tls.ca_file;
    auto r = t->tool("bb-trace", {"--show-config", "--redis-url", t->r.url}, o);
    CHECK(r.status == 0);
    CHECK(contains(
        r.out, "REDIS_URL=rediss://bloodbank:***@127.0.0.1:" + std::to_string(t->r.port) + "/0"));
    CHECK(contains(r.out, "REDIS_CACERT=" + t->r.tls.ca_file));
    CHECK(contains(r.out, "(environment)"));
    CHECK_FALSE(contains(r.out + r.err, t->r.password));

    auto malformed = t->tool("bb-trace",
                             {"parents", bbtest::publish::random_uuid(), "--redis-url",
                              "rediss://bloodbank:" + t->r.password + "@127.0.0.1:99999/0"},
                             o);
    CHECK(malformed.status == 64);
    CHECK(contains(malformed.err, "the port must be a number from 1 to 65535"));
    CHECK_FALSE(contains(malformed.err, t->r.password));
}
