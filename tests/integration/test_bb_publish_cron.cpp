// bb-publish as shell scripts and cron jobs use it: silent on success, a hint
// when a new broker has no queue, text lines as payloads.
#include "support/lines.hpp"
#include "test_bb_publish_support.hpp"

using namespace bbtest;
using namespace bbtest::publish;

TEST_CASE("bb-publish: a successful run prints nothing on stderr unless -v is given") {
    auto s = services();
    if (!s)
        return;
    Bus bus(*s);
    EnvelopeSpec a;
    auto quiet = bus.publish({}, canonical(a) + "\n");
    CHECK(quiet.status == 0);
    CHECK(quiet.out == a.event_id + "\n");
    CHECK(quiet.err.empty());
    EnvelopeSpec b;
    auto verbose = bus.publish({"-v"}, canonical(b) + "\n");
    CHECK(verbose.status == 0);
    CHECK(verbose.err.rfind("bb-publish: published 1, invalid 0, failed 0 in ", 0) == 0);
    // After a failure the summary is shown, so that the mail says what happened.
    auto failed = bus.publish({}, "{\"payload\":1}\n");
    CHECK(failed.status == 65);
    auto lines = split_lines(failed.err);
    REQUIRE(lines.size() == 2);
    CHECK(lines[1].rfind("bb-publish: published 0, invalid 1, failed 0 in ", 0) == 0);
    // -q keeps even that back; -q and -v together are a usage error.
    auto silent = bus.publish({"-q"}, "{\"payload\":1}\n");
    CHECK(silent.status == 65);
    CHECK(split_lines(silent.err).size() == 1);
    CHECK(bus.publish({"-q", "-v"}, "").status == 64);
    CHECK(bus.admin.drain(bus.queue).size() == 2);
}

TEST_CASE("bb-publish: an event no queue is bound for says how to fix it, or goes with "
          "--allow-unroutable") {
    auto s = services();
    if (!s)
        return;
    Bus bus(*s, /*bind_queue=*/false);
    EnvelopeSpec e;
    auto returned = bus.publish({}, canonical(e) + "\n");
    CHECK(returned.status == 69);
    CHECK(returned.err.find("was returned: no queue is bound for event type \"test.event\" (bind "
                            "a queue to the exchange for it, or give --allow-unroutable to "
                            "publish it anyway)") != std::string::npos);
    auto allowed = bus.publish({"--allow-unroutable"}, canonical(e) + "\n");
    CHECK(allowed.status == 0);
    CHECK(allowed.out == e.event_id + "\n");
    CHECK(allowed.err.empty());
}

TEST_CASE("bb-publish: --text makes each non-blank line a string payload") {
    auto s = services();
    if (!s)
        return;
    Bus bus(*s);
    auto r = bus.publish({"--type", "host.alert", "--text", "--report"},
                         "disk full\n\n{\nsaid \"hi\" \\ tab\there\r\nbad \xff byte\n");
    CHECK(r.status == 65);
    auto report = split_lines(r.out);
    REQUIRE(report.size() == 4);
    CHECK(report[0].find("\"line\":1,") != std::string::npos);
    CHECK(report[1].find("\"line\":3,") != std::string::npos);
    CHECK(report[2].find("\"line\":4,") != std::string::npos);
    CHECK(report[3].find("\"line\":5,") != std::string::npos);
    CHECK(report[3].find("\"status\":\"invalid\"") != std::string::npos);
    auto got = bus.admin.drain(bus.queue);
    REQUIRE(got.size() == 3);
    auto payload = [](const std::string& body) {
        auto at = body.find("\"payload\":");
        REQUIRE(at != std::string::npos);
        return body.substr(at + 10, body.size() - at - 11);
    };
    CHECK(payload(got[0].body) == "\"disk full\"");
    CHECK(payload(got[1].body) == "\"{\"");
    CHECK(payload(got[2].body) == "\"said \\\"hi\\\" \\\\ tab\\there\"");
    // Without --type, --text is a usage error.
    CHECK(bus.publish({"--text"}, "x\n").status == 64);
}
