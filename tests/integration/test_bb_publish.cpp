// bb-publish end to end against the real broker: what arrives (bodies and
// every property), what stdout and stderr say, and the exit codes.
#include "support/lines.hpp"
#include "test_bb_publish_support.hpp"

#include <rapidjson/document.h>

#include <chrono>
#include <fcntl.h>
#include <poll.h>
#include <sys/wait.h>
#include <thread>
#include <unistd.h>

extern char** environ;

using namespace bbtest;
using namespace bbtest::publish;

namespace {

std::string field(const std::string& json, const char* name) {
    rapidjson::Document doc;
    doc.Parse(json.c_str(), json.size());
    REQUIRE_FALSE(doc.HasParseError());
    REQUIRE(doc.HasMember(name));
    return doc[name].GetString();
}

} // namespace

TEST_CASE("bb-publish: N events arrive unchanged, with every property of DESIGN §3") {
    auto s = services();
    if (!s)
        return;
    Bus bus(*s);
    const int n = 200;
    std::vector<EnvelopeSpec> specs(n);
    std::string input;
    for (int i = 0; i < n; ++i) {
        EnvelopeSpec& e = specs[i];
        e.event_type = i % 3 ? "test.kind.a" : "test.kind.b";
        e.payload = "{\"i\":" + std::to_string(i) + ",\"text\":\"caf\xc3\xa9 \\\"q\\\"\"}";
        if (i % 4 == 1)
            e.parents = {random_uuid()};
        if (i % 4 == 2)
            e.parents = {random_uuid(), random_uuid()};
        if (i % 5 == 0)
            e.app = "app-" + std::to_string(i);
        e.source_type = i % 2 ? "agent" : "scheduled";
        input += canonical(e) + "\n";
    }
    auto r = bus.publish({"--output", "json", "-v"}, input);
    CHECK(r.status == 0);
    CHECK(bbtest::split_lines(r.err).size() == 1);
    CHECK(r.err.rfind("bb-publish: published 200, invalid 0, failed 0 in ", 0) == 0);

    auto printed = bbtest::split_lines(r.out);
    auto got = bus.admin.drain(bus.queue);
    REQUIRE(printed.size() == n);
    REQUIRE(got.size() == n);
    for (int i = 0; i < n; ++i) {
        const EnvelopeSpec& e = specs[i];
        const ReceivedMessage& m = got[i];
        CAPTURE(i);
        CHECK(printed[i] == canonical(e));
        CHECK(m.body == canonical(e));
        CHECK(m.exchange == bus.exchange);
        CHECK(m.routing_key == e.event_type);
        CHECK(m.type == e.event_type);
        CHECK(m.message_id == e.event_id);
        CHECK(m.delivery_mode == 2);
        CHECK(m.content_type == "application/json");
        CHECK(m.content_encoding == "utf-8");
        CHECK(m.timestamp == epoch(2025, 10, 18, 14, 3, 7));
        if (e.parents.empty())
            CHECK_FALSE(m.correlation_id.has_value());
        else
            CHECK(m.correlation_id == e.parents.front());
        CHECK_FALSE(m.has_headers);
        CHECK_FALSE(m.has_other_properties);
    }
}

TEST_CASE("bb-publish: stdout has one event id per confirmed event, in input order") {
    auto s = services();
    if (!s)
        return;
    Bus bus(*s);
    std::vector<EnvelopeSpec> specs(20);
    std::string input;
    for (auto& e : specs)
        input += canonical(e) + "\r\n\n";
    auto r = bus.publish({"--max-in-flight", "3"}, input);
    CHECK(r.status == 0);
    auto ids = bbtest::split_lines(r.out);
    REQUIRE(ids.size() == specs.size());
    for (std::size_t i = 0; i < specs.size(); ++i)
        CHECK(ids[i] == specs[i].event_id);
    CHECK(bus.admin.drain(bus.queue).size() == specs.size());
}

TEST_CASE("bb-publish: missing fields are completed and the event time becomes the timestamp") {
    auto s = services();
    if (!s)
        return;
    Bus bus(*s);
    auto r = bus.publish({"--output", "json", "--source-app", "cron-job", "--source-type", "hook"},
                         "{\"event_type\":\"a.b\",\"timestamp\":\"2025-10-18T16:03:07+02:00\","
                         "\"payload\":[1]}\n");
    CHECK(r.status == 0);
    auto got = bus.admin.drain(bus.queue);
    REQUIRE(got.size() == 1);
    const std::string& body = got[0].body;
    CHECK(body == bbtest::split_lines(r.out).at(0));
    std::string id = field(body, "event_id");
    CHECK(got[0].message_id == id);
    CHECK(id.size() == 36);
    CHECK(id[14] == '4'); // a random (v4) id was filled in
    CHECK(field(body, "version") == "1.0.0");
    CHECK(got[0].timestamp == epoch(2025, 10, 18, 14, 3, 7));
    rapidjson::Document doc;
    doc.Parse(body.c_str());
    CHECK(std::string(doc["source"]["app"].GetString()) == "cron-job");
    CHECK(std::string(doc["source"]["type"].GetString()) == "hook");
    CHECK(doc["source"]["host"].GetStringLength() > 0);
}

TEST_CASE("bb-publish: --type wraps each line as the payload, --parent and --id-key apply") {
    auto s = services();
    if (!s)
        return;
    Bus bus(*s);
    std::string p1 = random_uuid(), p2 = random_uuid();
    auto r = bus.publish({"--type", "fireflies.transcript.upload", "--parent", p1, "--parent", p2,
                          "--id-key", "user_id=user_456", "--id-key", "meeting_id=abc123",
                          "--output", "json"},
                         "{\"media_file\":\"a.mp3\",\"media_duration_seconds\":60,"
                         "\"media_type\":\"audio/mpeg\"}\n");
    CHECK(r.status == 0);
    auto got = bus.admin.drain(bus.queue);
    REQUIRE(got.size() == 1);
    rapidjson::Document doc;
    doc.Parse(got[0].body.c_str());
    // The id DESIGN §3 gives for these fields.
    CHECK(std::string(doc["event_id"].GetString()) == "dcbf406d-aaae-5a9a-8b36-38bb4f5ac1e7");
    CHECK(got[0].message_id == "dcbf406d-aaae-5a9a-8b36-38bb4f5ac1e7");
    CHECK(got[0].routing_key == "fireflies.transcript.upload");
    CHECK(std::string(doc["event_type"].GetString()) == "fireflies.transcript.upload");
    REQUIRE(doc["correlation_ids"].Size() == 2);
    CHECK(std::string(doc["correlation_ids"][0].GetString()) == p1);
    CHECK(std::string(doc["correlation_ids"][1].GetString()) == p2);
    CHECK(got[0].correlation_id == p1);
    CHECK(got[0].body.find("\"payload\":{\"media_file\":\"a.mp3\",\"media_duration_seconds\":60,"
                           "\"media_type\":\"audio/mpeg\"}}") != std::string::npos);
}

TEST_CASE("bb-publish: a pretty-printed document is one event") {
    auto s = services();
    if (!s)
        return;
    Bus bus(*s);
    EnvelopeSpec e;
    std::string doc = "{\n  \"event_id\": \"" + e.event_id +
                      "\",\n  \"event_type\": \"test.event\",\n  \"timestamp\": \"" + e.timestamp +
                      "\",\n  \"source\": {\n    \"host\": \"test-host\",\n    \"type\": "
                      "\"manual\"\n  },\n  \"payload\": {\n    \"n\": 1\n  }\n}\n";
    auto r = bus.publish({}, doc);
    CHECK(r.status == 0);
    CHECK(r.out == e.event_id + "\n");
    auto got = bus.admin.drain(bus.queue);
    REQUIRE(got.size() == 1);
    CHECK(got[0].body == canonical(e));
}

TEST_CASE("bb-publish: --file reads a file, a missing file is 66") {
    auto s = services();
    if (!s)
        return;
    Bus bus(*s);
    EnvelopeSpec e;
    std::string path = bus.cwd + "/events.ndjson";
    FILE* f = fopen(path.c_str(), "w");
    REQUIRE(f);
    fputs((canonical(e) + "\n").c_str(), f);
    fclose(f);
    auto r = bus.publish({"--file", path}, "");
    CHECK(r.status == 0);
    CHECK(r.out == e.event_id + "\n");
    CHECK(bus.admin.drain(bus.queue).size() == 1);

    auto missing = bus.publish({"--file", bus.cwd + "/nope"}, "");
    CHECK(missing.status == 66);
    CHECK(missing.err ==
          "bb-publish: cannot open " + bus.cwd + "/nope: No such file or directory\n");
    CHECK(missing.out.empty());
}

TEST_CASE("bb-publish: every bad input is reported with its line, skipped, and exits 65") {
    auto s = services();
    if (!s)
        return;
    Bus bus(*s);
    struct Bad {
        std::string line;
        std::string message; // what stderr says after "line N: "
    };
    std::string deep =
        "{\"event_type\":\"a\",\"payload\":" + std::string(100, '[') + std::string(100, ']') + "}";
    std::vector<Bad> bad = {
        {"{\"event_type\":\"a\",\"payload\":{", "invalid JSON at byte "},
        {"{\"event_type\":\"a\",\"correlation_ids\":[\"abc\"],\"payload\":1}",
         "correlation_ids[0]: \"abc\" is not a UUID"},
        {"{\"event_type\":\"a\",\"source\":{\"host\":\"h\",\"type\":\"robot\"},\"payload\":1}",
         "source.type: \"robot\" is not one of manual, agent, scheduled, file_watch, hook"},
        {"{\"payload\":1}", "event_type: required field is missing"},
        {"{\"event_type\":\"a\",\"payload\":\"caf\xe9\"}", "invalid UTF-8 at byte "},
        {deep, "nesting deeper than 64 levels"},
        {"{\"event_type\":\"a\",\"payload\":\"" + std::string(3000, 'x') + "\"}",
         "line of 3031 bytes is larger than the limit of 2048 bytes"},
    };
    for (const Bad& b : bad) {
        CAPTURE(b.message);
        EnvelopeSpec before, after;
        std::string input = canonical(before) + "\n" + b.line + "\n" + canonical(after) + "\n";
        auto r = bus.publish({"--max-line-bytes", "2048"}, input);
        CHECK(r.status == 65);
        auto err = bbtest::split_lines(r.err);
        REQUIRE(err.size() == 2);
        CHECK(err[0].rfind("bb-publish: line 2: " + b.message, 0) == 0);
        CHECK(err[1].rfind("bb-publish: published 2, invalid 1, failed 0 in ", 0) == 0);
        CHECK(r.out == before.event_id + "\n" + after.event_id + "\n");
        auto got = bus.admin.drain(bus.queue);
        REQUIRE(got.size() == 2);
        CHECK(got[0].message_id == before.event_id);
        CHECK(got[1].message_id == after.event_id);
    }
}

TEST_CASE("bb-publish: --report gives every line its status") {
    auto s = services();
    if (!s)
        return;
    Bus bus(*s);
    EnvelopeSpec a, b;
    auto r = bus.publish({"--report"}, canonical(a) + "\n\n{\"payload\":1}\n" + canonical(b));
    CHECK(r.status == 65);
    CHECK(r.out ==
          "{\"line\":1,\"event_id\":\"" + a.event_id +
              "\",\"status\":\"confirmed\",\"attempts\":1}\n"
              "{\"line\":3,\"event_id\":null,\"status\":\"invalid\",\"attempts\":0,\"error\":"
              "\"event_type: required field is missing\"}\n"
              "{\"line\":4,\"event_id\":\"" +
              b.event_id + "\",\"status\":\"confirmed\",\"attempts\":1}\n");
}

TEST_CASE("bb-publish: events the broker nacks are reported and the exit code is 69") {
    auto s = services();
    if (!s)
        return;
    QueueOptions q;
    q.max_length = 1;
    q.reject_publish = true;
    Bus bus(*s, true, q);
    std::vector<EnvelopeSpec> specs(3);
    std::string input;
    for (auto& e : specs)
        input += canonical(e) + "\n";
    auto r = bus.publish({"--report", "--max-in-flight", "1"}, input);
    CHECK(r.status == 69);
    auto report = bbtest::split_lines(r.out);
    REQUIRE(report.size() == 3);
    CHECK(report[0] == "{\"line\":1,\"event_id\":\"" + specs[0].event_id +
                           "\",\"status\":\"confirmed\",\"attempts\":1}");
    CHECK(report[1] == "{\"line\":2,\"event_id\":\"" + specs[1].event_id +
                           "\",\"status\":\"nacked\",\"attempts\":1}");
    CHECK(report[2] == "{\"line\":3,\"event_id\":\"" + specs[2].event_id +
                           "\",\"status\":\"nacked\",\"attempts\":1}");
    auto err = bbtest::split_lines(r.err);
    REQUIRE(err.size() == 3);
    CHECK(err[0] ==
          "bb-publish: line 2: event " + specs[1].event_id + " was refused by the broker (nack)");
    CHECK(err[2].rfind("bb-publish: published 1, invalid 0, failed 2 in ", 0) == 0);
    CHECK(bus.admin.drain(bus.queue).size() == 1);
}

TEST_CASE("bb-publish: an unroutable event is returned, not published, and exits 69") {
    auto s = services();
    if (!s)
        return;
    Bus bus(*s, /*bind_queue=*/false);
    EnvelopeSpec e;
    auto r = bus.publish({}, canonical(e) + "\n");
    CHECK(r.status == 69);
    CHECK(r.out.empty());
    auto err = bbtest::split_lines(r.err);
    REQUIRE(err.size() == 2);
    CHECK(err[0] ==
          "bb-publish: line 1: event " + e.event_id +
              " was returned: no queue is bound for event type \"test.event\" (bind a queue to the "
              "exchange for it, or give --allow-unroutable to publish it anyway)");
    CHECK(err[1].rfind("bb-publish: published 0, invalid 0, failed 1 in ", 0) == 0);

    auto report = bus.publish({"--report"}, canonical(e) + "\n");
    CHECK(report.out == "{\"line\":1,\"event_id\":\"" + e.event_id +
                            "\",\"status\":\"returned\",\"attempts\":1}\n");
}

TEST_CASE("bb-publish: an exchange of another type is a clear error, exit 69") {
    auto s = services();
    if (!s)
        return;
    Bus bus(*s, false);
    std::string fanout = unique_name("fanout");
    bus.admin.declare_exchange(fanout, "fanout");
    auto o = bus.options(canonical(EnvelopeSpec{}) + "\n");
    o.env["EXCHANGE_NAME"] = fanout;
    auto r = Bus::run_publish({}, o);
    bus.admin.delete_exchange(fanout);
    CHECK(r.status == 69);
    CHECK(r.out.empty());
    CHECK(r.err.rfind("bb-publish: cannot use exchange \"" + fanout + "\" on amqp://guest@", 0) ==
          0);
    CHECK(r.err.find("PRECONDITION_FAILED - inequivalent arg 'type'") != std::string::npos);
    CHECK(r.err.find("guest:guest") == std::string::npos);
}

TEST_CASE("bb-publish: a broker that is down fails fast with exit 69 and no password shown") {
    auto s = services();
    if (!s)
        return;
    Bus bus(*s, false);
    auto o = bus.options(canonical(EnvelopeSpec{}) + "\n");
    o.env["RABBIT_URL"] = "amqp://guest:guest@127.0.0.1:1/";
    auto r = Bus::run_publish({}, o);
    CHECK(r.status == 69);
    CHECK(r.out.empty());
    CHECK(r.err == "bb-publish: cannot connect to amqp://guest@127.0.0.1:1/: connection refused\n");
}

TEST_CASE("bb-publish: --dry-run prints completed envelopes and connects to nothing") {
    auto s = services();
    if (!s)
        return;
    Bus bus(*s, false);
    EnvelopeSpec e;
    auto o = bus.options(canonical(e) + "\n{\"event_type\":\"x.y\",\"payload\":null}\n");
    o.env["RABBIT_URL"] = "amqp://guest:guest@127.0.0.1:1/";
    o.env["REDIS_HOST"] = "127.0.0.1";
    o.env["REDIS_PORT"] = "1";
    auto r = Bus::run_publish({"--dry-run", "-v"}, o);
    CHECK(r.status == 0);
    auto out = bbtest::split_lines(r.out);
    REQUIRE(out.size() == 2);
    CHECK(out[0] == canonical(e));
    CHECK(field(out[1], "event_type") == "x.y");
    CHECK(r.err.rfind("bb-publish: valid 2, invalid 0 in ", 0) == 0);

    auto ids = Bus::run_publish({"--dry-run", "--output", "id"}, o);
    CHECK(bbtest::split_lines(ids.out).at(0) == e.event_id);
}

TEST_CASE("bb-publish: usage errors exit 64") {
    auto s = services();
    if (!s)
        return;
    Bus bus(*s, false);
    struct Case {
        std::vector<std::string> args;
        std::string message;
    };
    std::vector<Case> cases = {
        {{"--parent", "nope"},
         "bb-publish: --parent \"nope\": not a UUID: expected 36 characters (8-4-4-4-12), got 4\n"},
        {{"--id-key", "novalue"}, "bb-publish: --id-key \"novalue\": expected KEY=VALUE\n"},
        {{"--id-key", "a=1", "--id-key", "a=2"}, "bb-publish: --id-key a: given more than once\n"},
        {{"--source-type", "robot"},
         "bb-publish: --source-type: \"robot\" is not one of manual, agent, scheduled, "
         "file_watch, hook\n"},
        {{"--report", "--output", "json"},
         "bb-publish: --report and --output cannot be combined\n"},
        {{"--type", ""}, "bb-publish: --type: must not be empty\n"},
        {{"--track", "--no-track"}, "bb-publish: --track and --no-track cannot be combined\n"},
    };
    for (const auto& c : cases) {
        CAPTURE(c.message);
        auto r = bus.publish(c.args, canonical(EnvelopeSpec{}) + "\n");
        CHECK(r.status == 64);
        CHECK(r.err == c.message);
        CHECK(r.out.empty());
    }
    auto flag = bus.publish({"--max-in-flight", "0"}, "");
    CHECK(flag.status == 64);
    CHECK(flag.err.find("--max-in-flight") != std::string::npos);
}

namespace {

// bb-publish with pipes we control, for a producer that writes now and then.
struct Live {
    pid_t pid = -1;
    int in = -1, out = -1;
    Live(const std::vector<std::string>& args, const RunOptions& o) {
        int to_child[2], from_child[2];
        REQUIRE(pipe(to_child) == 0);
        REQUIRE(pipe(from_child) == 0);
        std::vector<std::string> env_strings = bbtest::child_environment(o);
        pid = fork();
        REQUIRE(pid >= 0);
        if (pid == 0) {
            dup2(to_child[0], 0);
            dup2(from_child[1], 1);
            int devnull = open("/dev/null", O_WRONLY);
            dup2(devnull, 2);
            close(to_child[1]);
            close(from_child[0]);
            if (o.cwd && chdir(o.cwd->c_str()) != 0)
                _exit(127);
            std::string path = binary("bb-publish");
            std::vector<char*> argv{path.data()};
            std::vector<std::string> copy = args;
            for (auto& a : copy)
                argv.push_back(a.data());
            argv.push_back(nullptr);
            std::vector<char*> envp;
            for (auto& e : env_strings)
                envp.push_back(e.data());
            envp.push_back(nullptr);
            execve(argv[0], argv.data(), envp.data());
            _exit(127);
        }
        close(to_child[0]);
        close(from_child[1]);
        in = to_child[1];
        out = from_child[0];
    }
    void write_line(const std::string& line) {
        std::string l = line + "\n";
        REQUIRE(write(in, l.data(), l.size()) == static_cast<ssize_t>(l.size()));
    }
    // One line from stdout, waiting up to 10 s (a failure, not a timing check).
    std::string read_line() {
        std::string line;
        char c;
        while (true) {
            pollfd p{out, POLLIN, 0};
            if (poll(&p, 1, 10000) <= 0)
                return line + "<nothing within 10 s>";
            if (read(out, &c, 1) != 1 || c == '\n')
                return line;
            line += c;
        }
    }
    int finish() {
        close(in);
        int status = 0;
        waitpid(pid, &status, 0);
        close(out);
        return WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
    }
};

} // namespace

TEST_CASE("bb-publish: an idle producer keeps a live connection and sees ids promptly") {
    auto s = services();
    if (!s)
        return;
    Bus bus(*s);
    EnvelopeSpec first, second;
    // Heartbeats every second: a connection left unserviced for three seconds
    // would be closed by the broker.
    Live live({"--heartbeat", "1"}, bus.options(""));
    live.write_line(canonical(first));
    // The id arrives while stdin is still open: output is flushed when idle.
    CHECK(live.read_line() == first.event_id);
    std::this_thread::sleep_for(std::chrono::milliseconds(3500));
    live.write_line(canonical(second));
    CHECK(live.read_line() == second.event_id);
    CHECK(live.finish() == 0);
    auto got = bus.admin.drain(bus.queue);
    REQUIRE(got.size() == 2);
    CHECK(got[1].message_id == second.event_id);
}
