// amqps:// and password files against the private broker's TLS listener
// (scripts/services.sh: a throwaway CA, a broker certificate for the IP
// address 127.0.0.1 only, client certificates from that CA and from one the
// broker does not trust). What bb-publish sent is read back over plain AMQP.
#include "support/silent_listener.hpp"
#include "test_bb_publish_support.hpp"

#include "bloodbank/amqp.hpp"

#include <doctest/doctest.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <string>
#include <unistd.h>
#include <vector>

using namespace bbtest::publish;

namespace {

// Neither the tests' environment nor a developer's may point OpenSSL at
// another CA store than the system's.
const std::vector<std::string> openssl_overrides = {"SSL_CERT_FILE", "SSL_CERT_DIR"};

std::string tls_url(const bbtest::TlsServices& t, const std::string& host = "127.0.0.1",
                    const std::string& userinfo = "guest:guest") {
    return "amqps://" + userinfo + "@" + host + ":" + std::to_string(t.amqps_port) + "/";
}

// The redacted form bb-publish prints.
std::string shown_url(const bbtest::TlsServices& t, const std::string& host = "127.0.0.1",
                      const std::string& user = "guest") {
    return "amqps://" + user + "@" + host + ":" + std::to_string(t.amqps_port) + "/";
}

bool contains(const std::string& text, const std::string& part) {
    return text.find(part) != std::string::npos;
}

void write_file(const std::string& path, const std::string& text) {
    std::ofstream(path, std::ios::binary) << text;
}

std::string read_text(const std::string& path) {
    std::ifstream in(path, std::ios::binary);
    return {std::istreambuf_iterator<char>(in), {}};
}

// A bus for TLS runs: the environment's RABBIT_URL (plain) is replaced by the
// flags given, and OpenSSL reads only the system's store.
struct TlsBus : Bus {
    explicit TlsBus(const bbtest::TlsServices& t) : Bus(t.plain) {}

    bbtest::RunResult publish(const std::vector<std::string>& args,
                              const std::string& input) const {
        bbtest::RunOptions o = options(input);
        o.unset_env.insert(o.unset_env.end(), openssl_overrides.begin(), openssl_overrides.end());
        return run_publish(args, o);
    }
    std::vector<bbtest::ReceivedMessage> arrived() { return admin.drain(queue); }

    // One event that must not get through: exit 69, nothing on stdout or the
    // queue. The caller checks the reason in err.
    bbtest::RunResult refused(const std::vector<std::string>& args) {
        auto r = publish(args, canonical(EnvelopeSpec{}) + "\n");
        CHECK(r.status == 69);
        CHECK(r.out.empty());
        CHECK(arrived().empty());
        return r;
    }
};

// A user of the broker with a password that nothing else in a run contains,
// removed again at the end: guest's password is also its name, so a leak of
// it would go unseen.
struct BrokerUser {
    std::string ctl = std::getenv("BB_RABBITMQCTL") ? std::getenv("BB_RABBITMQCTL") : "";
    std::string name = bbtest::unique_name("user");
    std::string password = "pw-" + random_uuid();

    BrokerUser() {
        REQUIRE_MESSAGE(!ctl.empty(), "BB_RABBITMQCTL is not set (see scripts/services.sh)");
        auto added = bbtest::run({ctl, "add_user", name, password});
        REQUIRE_MESSAGE(added.status == 0, added.err);
        auto allowed = bbtest::run({ctl, "set_permissions", "-p", "/", name, ".*", ".*", ".*"});
        REQUIRE_MESSAGE(allowed.status == 0, allowed.err);
    }
    ~BrokerUser() { (void)bbtest::run({ctl, "delete_user", name}); }
};

} // namespace

TEST_CASE("bb-publish tls: --cacert verifies the broker and the event arrives as sent") {
    auto t = bbtest::tls_services();
    if (!t)
        return;
    TlsBus bus(*t);
    EnvelopeSpec e;
    auto r = bus.publish({"--url", tls_url(*t), "--cacert", t->ca_file}, canonical(e) + "\n");
    INFO(r.err);
    REQUIRE(r.status == 0);
    CHECK(r.out == e.event_id + "\n");
    auto got = bus.arrived();
    REQUIRE(got.size() == 1);
    CHECK(got[0].body == canonical(e));
    CHECK(got[0].message_id == e.event_id);
    CHECK(got[0].routing_key == e.event_type);
    CHECK(got[0].delivery_mode == 2);
}

TEST_CASE("bb-publish tls: thousands of events over one TLS connection all arrive") {
    auto t = bbtest::tls_services();
    if (!t)
        return;
    TlsBus bus(*t);
    const int n = 3000;
    std::string input;
    std::vector<std::string> ids;
    for (int i = 0; i < n; ++i) {
        EnvelopeSpec e;
        e.payload = "{\"n\":" + std::to_string(i) + ",\"pad\":\"" + std::string(700, 'x') + "\"}";
        ids.push_back(e.event_id);
        input += canonical(e) + "\n";
    }
    auto r = bus.publish({"--url", tls_url(*t), "--cacert", t->ca_file, "-q"}, input);
    INFO(r.err);
    REQUIRE(r.status == 0);
    auto got = bus.arrived();
    REQUIRE(got.size() == ids.size());
    for (std::size_t i = 0; i < ids.size(); ++i)
        CHECK(got[i].message_id == ids[i]);
}

TEST_CASE("bb-publish tls: without --cacert the system's CAs do not vouch for the broker") {
    auto t = bbtest::tls_services();
    if (!t)
        return;
    auto r = TlsBus(*t).refused({"--url", tls_url(*t)});
    CHECK(r.err.starts_with("bb-publish: cannot connect to " + shown_url(*t) +
                            ": certificate verify failed: "));
    CHECK(contains(r.err, "give it with --cacert or RABBIT_CACERT"));
}

TEST_CASE("bb-publish tls: a CA that did not sign the broker's certificate fails verification") {
    auto t = bbtest::tls_services();
    if (!t)
        return;
    auto r = TlsBus(*t).refused({"--url", tls_url(*t), "--cacert", t->untrusted_ca_file});
    CHECK(r.err.starts_with("bb-publish: cannot connect to " + shown_url(*t) +
                            ": certificate verify failed: "));
}

TEST_CASE("bb-publish tls: a certificate for 127.0.0.1 is refused for the name localhost") {
    auto t = bbtest::tls_services();
    if (!t)
        return;
    auto r = TlsBus(*t).refused({"--url", tls_url(*t, "localhost"), "--cacert", t->ca_file});
    CHECK(r.err == "bb-publish: cannot connect to " + shown_url(*t, "localhost") +
                       ": certificate verify failed: hostname mismatch (the broker's "
                       "certificate is not for localhost)\n");
}

TEST_CASE("bb-publish tls: --insecure connects to an unverifiable broker, and says so") {
    auto t = bbtest::tls_services();
    if (!t)
        return;
    TlsBus bus(*t);
    EnvelopeSpec e;
    // Neither the CA nor the name would pass.
    auto r =
        bus.publish({"--url", tls_url(*t, "localhost"), "--insecure", "-q"}, canonical(e) + "\n");
    REQUIRE(r.status == 0);
    CHECK(r.err.starts_with("bb-publish: warning: --insecure: "));
    auto got = bus.arrived();
    REQUIRE(got.size() == 1);
    CHECK(got[0].message_id == e.event_id);
}

TEST_CASE("bb-publish tls: a client certificate from the broker's CA is accepted, another "
          "refused") {
    auto t = bbtest::tls_services();
    if (!t)
        return;
    TlsBus bus(*t);
    EnvelopeSpec e;
    auto ok = bus.publish({"--url", tls_url(*t), "--cacert", t->ca_file, "--cert", t->client_cert,
                           "--key", t->client_key},
                          canonical(e) + "\n");
    INFO(ok.err);
    CHECK(ok.status == 0);

    // Certificate and key in one file, as many tools write them.
    std::string both = bus.cwd + "/client.pem";
    write_file(both, read_text(t->client_cert) + read_text(t->client_key));
    EnvelopeSpec e2;
    auto one_file = bus.publish({"--url", tls_url(*t), "--cacert", t->ca_file, "--cert", both},
                                canonical(e2) + "\n");
    INFO(one_file.err);
    CHECK(one_file.status == 0);

    auto got = bus.arrived();
    REQUIRE(got.size() == 2);
    CHECK(got[0].message_id == e.event_id);
    CHECK(got[1].message_id == e2.event_id);

    // The broker checks what it is shown: this one comes from a CA it does not know.
    auto refused = bus.refused({"--url", tls_url(*t), "--cacert", t->ca_file, "--cert",
                                t->untrusted_client_cert, "--key", t->untrusted_client_key});
    CHECK(refused.err.starts_with("bb-publish: cannot connect to " + shown_url(*t) + ": "));
    // Its alert ("tlsv1 alert unknown ca") may be overtaken by the broker's
    // close; either way the message points at the certificate.
    CHECK(contains(refused.err, "the client certificate"));
}

TEST_CASE("bb-publish tls: TLS files that cannot be used stop before any connection") {
    auto t = bbtest::tls_services();
    if (!t)
        return;
    TlsBus bus(*t);
    const std::string dir = bus.cwd + "/";
    std::string not_pem = dir + "not.pem";
    write_file(not_pem, "just text\n");
    std::string locked = dir + "locked.key"; // the client key behind a passphrase
    auto encrypted = bbtest::run({"/usr/bin/openssl", "pkey", "-in", t->client_key, "-aes256",
                                  "-passout", "pass:secret", "-out", locked});
    REQUIRE_MESSAGE(encrypted.status == 0, encrypted.err);
    struct Case {
        std::vector<std::string> args;
        int status;
        std::string message;
    };
    const std::vector<Case> cases = {
        {{"--cacert", dir + "missing.pem"},
         66,
         "CA file " + dir + "missing.pem" + ": no such file or directory"},
        {{"--cacert", not_pem}, 64, "CA file " + not_pem + ": "},
        {{"--cacert", t->ca_file, "--cert", t->client_cert, "--key", dir + "missing.key"},
         66,
         "client key " + dir + "missing.key" + ": no such file or directory"},
        {{"--cacert", t->ca_file, "--cert", t->client_cert, "--key", t->untrusted_client_key},
         64,
         "client key " + t->untrusted_client_key + ": key values mismatch"},
        {{"--cacert", t->ca_file, "--key", t->client_key},
         64,
         "client key " + t->client_key + ": no client certificate given with it"},
        {{"--cacert", t->ca_file, "--cert", t->client_cert},
         64,
         "client certificate " + t->client_cert +
             ": no private key in it; give the key with --key"},
        {{"--cacert", t->ca_file, "--cert", t->client_cert, "--key", locked},
         64,
         "client key " + locked +
             ": interrupted or cancelled (the key is protected by a passphrase"},
    };
    for (const Case& c : cases) {
        std::vector<std::string> args = {"--url", tls_url(*t)};
        args.insert(args.end(), c.args.begin(), c.args.end());
        CAPTURE(c.message);
        auto r = bus.publish(args, canonical(EnvelopeSpec{}) + "\n");
        CHECK(r.status == c.status);
        CHECK(r.err.starts_with("bb-publish: " + c.message));
    }
    CHECK(bus.arrived().empty());
}

TEST_CASE("bb-publish tls: amqps:// to a plain AMQP port is named as such") {
    auto t = bbtest::tls_services();
    if (!t)
        return;
    std::string url = "amqps://guest:guest@127.0.0.1:" + std::to_string(t->plain.amqp_port) + "/";
    auto r = TlsBus(*t).refused({"--url", url, "--cacert", t->ca_file});
    CHECK(r.err == "bb-publish: cannot connect to amqps://guest@127.0.0.1:" +
                       std::to_string(t->plain.amqp_port) +
                       "/: TLS handshake failed: wrong version number (is this a TLS port? "
                       "amqps:// brokers usually listen on 5671)\n");
}

TEST_CASE("bb-publish tls: a refused amqps:// connection names the reason") {
    auto t = bbtest::tls_services();
    if (!t)
        return;
    auto r = TlsBus(*t).refused({"--url", "amqps://127.0.0.1:1/"});
    CHECK(r.err ==
          "bb-publish: cannot connect to amqps://guest@127.0.0.1:1/: connection refused\n");
}

TEST_CASE("bb-publish tls: a handshake that never comes ends at --connect-timeout") {
    auto t = bbtest::tls_services();
    if (!t)
        return;
    bbtest::SilentListener silent;
    std::string url = "amqps://127.0.0.1:" + std::to_string(silent.port()) + "/";
    auto r = TlsBus(*t).refused({"--url", url, "--connect-timeout", "0.5"});
    CHECK(r.err == "bb-publish: cannot connect to amqps://guest@127.0.0.1:" +
                       std::to_string(silent.port()) + "/: timed out\n");
}

TEST_CASE("bb-publish tls: --password-file logs in and the password is never printed") {
    auto t = bbtest::tls_services();
    if (!t)
        return;
    TlsBus bus(*t);
    BrokerUser user;
    std::string file = bus.cwd + "/rabbit.pw";
    write_file(file, user.password + "\n");
    // The URL's own password is wrong: the file's replaces it.
    std::string url = tls_url(*t, "127.0.0.1", user.name + ":url-password-" + user.name);
    std::vector<std::string> args = {"--url", url, "--cacert", t->ca_file, "--password-file", file};
    EnvelopeSpec e;
    auto r = bus.publish(args, canonical(e) + "\n");
    INFO(r.err);
    REQUIRE(r.status == 0);
    CHECK_FALSE(contains(r.out + r.err, user.password));
    auto got = bus.arrived();
    REQUIRE(got.size() == 1);
    CHECK(got[0].message_id == e.event_id);

    args.push_back("--show-config");
    auto shown = bus.publish(args, "");
    CHECK(shown.status == 0);
    CHECK(contains(shown.out, "RABBIT_PASSWORD_FILE=" + file));
    CHECK_FALSE(contains(shown.out + shown.err, user.password));
    CHECK_FALSE(contains(shown.out + shown.err, "url-password-"));

    // A wrong password in the file: refused at login, and still not shown.
    write_file(file, "wrong-" + user.password + "\r\n");
    auto wrong = bus.refused({"--url", url, "--cacert", t->ca_file, "--password-file", file});
    CHECK(wrong.err.starts_with("bb-publish: cannot connect to " +
                                shown_url(*t, "127.0.0.1", user.name) + ": "));
    CHECK(contains(wrong.err, "ACCESS_REFUSED"));
    CHECK_FALSE(contains(wrong.err, user.password));
}

TEST_CASE("bb-publish tls: a missing or empty password file is an error naming it") {
    auto t = bbtest::tls_services();
    if (!t)
        return;
    TlsBus bus(*t);
    std::string gone = bus.cwd + "/gone";
    auto missing = bus.publish({"--url", tls_url(*t), "--password-file", gone},
                               canonical(EnvelopeSpec{}) + "\n");
    CHECK(missing.status == 66);
    CHECK(missing.err ==
          "bb-publish: RABBIT_PASSWORD_FILE (flag): " + gone + ": no such file or directory\n");
    std::string empty = bus.cwd + "/empty";
    write_file(empty, "\n");
    bbtest::RunOptions o = bus.options(canonical(EnvelopeSpec{}) + "\n");
    o.env["RABBIT_PASSWORD_FILE"] = empty;
    auto from_env = Bus::run_publish({"--url", tls_url(*t)}, o);
    CHECK(from_env.status == 64);
    CHECK(from_env.err == "bb-publish: RABBIT_PASSWORD_FILE (environment): " + empty +
                              ": the first line is empty\n");
    CHECK(bus.arrived().empty());
}

TEST_CASE("bb-trace: a bad --redis-password-file or rediss:// URL is refused before connecting") {
    auto s = bbtest::services();
    if (!s)
        return;
    const std::string dir = bbtest::make_temp_dir(); // no .env in it
    bbtest::RunOptions o;
    o.cwd = dir;
    o.unset_env = {"REDIS_URL", "REDIS_PASSWORD", "REDIS_PASSWORD_FILE"};
    const std::string id = "6ba7b812-9dad-11d1-80b4-00c04fd430c8";
    const std::string gone = dir + "/gone";
    auto missing =
        bbtest::run({bbtest::binary("bb-trace"), "parents", id, "--redis-password-file", gone}, o);
    CHECK(missing.status == 66);
    CHECK(missing.err ==
          "bb-trace: REDIS_PASSWORD_FILE (flag): " + gone + ": no such file or directory\n");

    auto tls = bbtest::run({bbtest::binary("bb-trace"), "parents", id, "--redis-url",
                            "rediss://:hunter2@127.0.0.1:6380/zero"},
                           o);
    CHECK(tls.status == 64);
    CHECK(contains(tls.err, "the database (the path) must be a number"));
    CHECK_FALSE(contains(tls.err, "hunter2"));
    std::filesystem::remove_all(dir);
}

TEST_CASE("amqp tls: a TLS file that cannot be used stops connect() before the next URL") {
    auto t = bbtest::tls_services();
    if (!t)
        return;
    bb::AmqpUrl secure;
    secure.tls = true;
    secure.host = "127.0.0.1";
    secure.port = t->amqps_port;
    bb::AmqpUrl plain;
    plain.host = t->plain.amqp_host;
    plain.port = t->plain.amqp_port;
    bb::PublisherOptions options;
    options.urls = {secure, plain}; // the plain one would work
    options.exchange = bbtest::unique_name("ex");
    options.tls.ca_file = "/nonexistent/ca.pem";
    auto publisher = bb::Publisher::connect(options);
    REQUIRE_FALSE(publisher.has_value());
    CHECK(publisher.error().kind == bb::ErrorKind::not_found);
    CHECK(publisher.error().message == "CA file /nonexistent/ca.pem: no such file or directory");

    // A broker that is merely unreachable is skipped as before.
    bb::AmqpUrl down = secure;
    down.port = 1;
    options.urls = {down, secure};
    options.tls.ca_file = t->ca_file;
    auto second = bb::Publisher::connect(options);
    REQUIRE_MESSAGE(second.has_value(), second.error().message);
    CHECK(second->target() == secure.redacted());
    second->close();
    bbtest::AmqpConsumer(t->plain.rabbit_url).delete_exchange(options.exchange);
}
