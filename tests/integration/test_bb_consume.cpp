// bb-consume against the real broker: events published by the test's own
// client, what bb-consume writes or runs, and what stays in the queue
// afterwards, counted by that independent client.
#include "test_bb_consume_support.hpp"

#include <doctest/doctest.h>

#include <csignal>

using namespace bbtest;
using namespace bbtest::consume;

TEST_CASE("bb-consume: streams every event of a durable queue once, bodies exactly as sent") {
    auto s = services();
    if (!s)
        return;
    Bus bus(*s, true, durable());
    auto bodies = publish_events(bus, 50);
    auto r = run_consume(bus, {});
    CHECK(r.status == 0);
    CHECK(lines_of(r.out) == bodies);
    CHECK(bus.admin.message_count(bus.queue) == 0);
    CHECK(r.err.empty()); // silence on success when stderr is no terminal
}

TEST_CASE("bb-consume: into head -n 3 acks exactly three events and leaves the rest queued") {
    auto s = services();
    if (!s)
        return;
    Bus bus(*s, true, durable());
    auto bodies = publish_events(bus, 20);
    std::string command =
        binary("bb-consume") + " --queue '" + bus.queue + "' --idle-timeout 2 | head -n 3";
    auto r = run({"/bin/sh", "-c", command}, bus.options(""));
    CHECK(r.status == 0);
    CHECK(lines_of(r.out) == std::vector<std::string>(bodies.begin(), bodies.begin() + 3));
    CHECK(bus.admin.message_count(bus.queue) == 17);
    // The ones left are the ones head never read, in order.
    auto rest = bus.admin.drain(bus.queue);
    REQUIRE(rest.size() == 17);
    CHECK(rest.front().body == bodies[3]);
    CHECK(rest.back().body == bodies[19]);
}

TEST_CASE("bb-consume: --count leaves the events after the count in the queue") {
    auto s = services();
    if (!s)
        return;
    Bus bus(*s, true, durable());
    auto bodies = publish_events(bus, 10);
    auto r = run_consume(bus, {"--count", "4"});
    CHECK(r.status == 0);
    CHECK(lines_of(r.out) == std::vector<std::string>(bodies.begin(), bodies.begin() + 4));
    CHECK(bus.admin.message_count(bus.queue) == 6);
}

TEST_CASE("bb-consume: binds only the patterns given on a queue of its own") {
    auto s = services();
    if (!s)
        return;
    Bus bus(*s, false);
    std::string queue = unique_name("cq");
    // Declares and binds the queue, then exits at once (nothing is there yet).
    auto first = run(
        {binary("bb-consume"), "--queue", queue, "fireflies.#", "llm.*", "--idle-timeout", "0.2"},
        bus.options(""));
    REQUIRE(first.status == 0);
    EnvelopeSpec a, b, c;
    a.event_type = "fireflies.transcript.ready";
    b.event_type = "llm.prompt";
    c.event_type = "other.thing";
    for (auto* e : {&a, &b, &c})
        bus.admin.publish(bus.exchange, e->event_type, canonical(*e), e->event_id);
    bus.admin.wait_for_confirms();
    CHECK(bus.admin.message_count(queue) == 2);
    auto r = run({binary("bb-consume"), "--queue", queue, "--no-declare", "--idle-timeout", "1"},
                 bus.options(""));
    CHECK(r.status == 0);
    CHECK(lines_of(r.out) == std::vector<std::string>{canonical(a), canonical(b)});
    bus.admin.delete_queue(queue);
}

TEST_CASE("bb-consume: --format delivery wraps each envelope with its delivery") {
    auto s = services();
    if (!s)
        return;
    Bus bus(*s, true, durable());
    EnvelopeSpec e;
    e.event_type = "demo.kind";
    bus.admin.publish(bus.exchange, "demo.kind", canonical(e), e.event_id);
    auto r = run_consume(bus, {"--format", "delivery"});
    CHECK(r.status == 0);
    std::string expected = "{\"routing_key\":\"demo.kind\",\"exchange\":\"" + bus.exchange +
                           "\",\"redelivered\":false,\"properties\":{\"message_id\":\"" +
                           e.event_id +
                           "\",\"correlation_id\":null,\"type\":null,\"timestamp\":null,"
                           "\"content_type\":\"application/json\",\"headers\":{}},\"envelope\":" +
                           canonical(e) + "}\n";
    CHECK(r.out == expected);
}

TEST_CASE("bb-consume: a command that fails twice then succeeds runs three times and is acked") {
    auto s = services();
    if (!s)
        return;
    Bus bus(*s, true, durable());
    std::string dir = make_temp_dir();
    // Counts its runs in a file; succeeds on the third, and checks what it got.
    std::string cmd = script(dir, "flaky.sh",
                             "echo \"$BB_EVENT_ID $BB_ROUTING_KEY\" >> '" + dir +
                                 "/runs'\n"
                                 "[ $(wc -l < '" +
                                 dir +
                                 "/runs') -ge 3 ] || exit 1\n"
                                 "cat > '" +
                                 dir + "/stdin'\n");
    auto bodies = publish_events(bus, 1);
    EnvelopeSpec spec; // only for the id: read it back from the body
    std::string id = bodies[0].substr(std::string("{\"event_id\":\"").size(), 36);
    auto r = run_consume(bus, {"--idle-timeout", "2"}, {cmd});
    CHECK(r.status == 0);
    CHECK(read_text(dir + "/runs") ==
          id + " test.event\n" + id + " test.event\n" + id + " test.event\n");
    CHECK(read_text(dir + "/stdin") == bodies[0]);
    CHECK(bus.admin.message_count(bus.queue) == 0);
    CHECK(r.err.find("attempt 2 of 3") != std::string::npos);
}

TEST_CASE("bb-consume: an event whose command always fails ends in the dead-letter exchange") {
    auto s = services();
    if (!s)
        return;
    Bus bus(*s, true, durable());
    std::string dead = unique_name("dlx");
    std::string dead_queue = unique_name("dlq");
    bus.admin.declare_exchange(dead);
    bus.admin.declare_queue(dead_queue);
    bus.admin.bind(dead_queue, dead);
    auto bodies = publish_events(bus, 2, "orders.created");
    auto r = run_consume(bus, {"--max-attempts", "2", "--dead-letter", dead},
                         {"/bin/sh", "-c", "cat >/dev/null; exit 3"});
    CHECK(r.status == 75);
    CHECK(bus.admin.message_count(bus.queue) == 0);
    auto dead_letters = bus.admin.drain(dead_queue);
    REQUIRE(dead_letters.size() == 2);
    std::set<std::string> got;
    for (auto& m : dead_letters) {
        got.insert(m.body);
        CHECK(m.routing_key == "orders.created");
        CHECK(m.headers["x-bb-failure"] == "exit status 3");
        CHECK(m.headers["x-bb-attempts"] == "2");
        CHECK(m.headers["x-bb-queue"] == bus.queue);
    }
    CHECK(got == std::set<std::string>(bodies.begin(), bodies.end()));
    bus.admin.delete_queue(dead_queue);
    bus.admin.delete_exchange(dead);
}

TEST_CASE("bb-consume: without a dead-letter exchange a hopeless event is rejected, loudly") {
    auto s = services();
    if (!s)
        return;
    Bus bus(*s, true, durable());
    auto bodies = publish_events(bus, 1);
    auto r = run_consume(bus, {"--max-attempts", "1"}, {"false"});
    CHECK(r.status == 75);
    CHECK(r.err.find("rejected") != std::string::npos);
    CHECK(bus.admin.message_count(bus.queue) == 0);
}

TEST_CASE("bb-consume: --concurrency 4 runs up to four commands at once, never more") {
    auto s = services();
    if (!s)
        return;
    Bus bus(*s, true, durable());
    std::string dir = make_temp_dir();
    // Each run leaves a file while it sleeps and records how many it saw.
    std::string cmd = script(dir, "slow.sh",
                             "touch '" + dir +
                                 "/running.'$$\n"
                                 "ls '" +
                                 dir + "' | grep -c '^running' >> '" + dir +
                                 "/seen'\n"
                                 "sleep 0.4\n"
                                 "rm '" +
                                 dir + "/running.'$$\n");
    publish_events(bus, 12);
    auto r = run_consume(bus, {"--concurrency", "4"}, {cmd});
    CHECK(r.status == 0);
    auto seen = lines_of(read_text(dir + "/seen"));
    CHECK(seen.size() == 12);
    int most = 0;
    for (const auto& n : seen)
        most = std::max(most, std::stoi(n));
    CHECK(most <= 4);
    CHECK(most >= 2);
    CHECK(bus.admin.message_count(bus.queue) == 0);
}

TEST_CASE("bb-consume: kill -9 in the middle loses nothing: the next consumer gets the rest") {
    auto s = services();
    if (!s)
        return;
    Bus bus(*s, true, durable());
    auto bodies = publish_events(bus, 10000);
    std::string dir = make_temp_dir();
    // Slowed by a reader that takes one line at a time, so the kill lands mid-stream.
    std::string command = binary("bb-consume") + " --queue '" + bus.queue +
                          "' | while read -r line; do echo \"$line\" >> '" + dir + "/first'; done";
    pid_t consumer_pid = 0;
    {
        Background first({"/bin/sh", "-c", "echo $$ > '" + dir + "/shell'; exec " + command},
                         bus.options(""));
        REQUIRE(wait_until([&] { return lines_of(read_text(dir + "/first")).size() >= 100; },
                           std::chrono::seconds(30)));
        // The shell's pipeline: find bb-consume among its children and kill it.
        std::string pid = run({"/bin/sh", "-c",
                               "pgrep -P $(cat '" + dir +
                                   "/shell') -x bb-consume || "
                                   "pgrep -P $(cat '" +
                                   dir + "/shell') bb-consume"})
                              .out;
        REQUIRE(!pid.empty());
        consumer_pid = std::stoi(pid);
        ::kill(consumer_pid, SIGKILL);
        first.stop(SIGTERM);
    }
    auto first_lines = lines_of(read_text(dir + "/first"));
    auto second = run_consume(bus, {"--idle-timeout", "2"});
    CHECK(second.status == 0);
    std::set<std::string> got(first_lines.begin(), first_lines.end());
    for (const auto& line : lines_of(second.out))
        got.insert(line);
    CHECK(got == std::set<std::string>(bodies.begin(), bodies.end()));
    CHECK(bus.admin.message_count(bus.queue) == 0);
}

TEST_CASE("bb-consume: SIGTERM lets the running command finish, acks it, exits 143") {
    auto s = services();
    if (!s)
        return;
    Bus bus(*s, true, durable());
    std::string dir = make_temp_dir();
    std::string cmd =
        script(dir, "long.sh", "touch '" + dir + "/started'\nsleep 1\ntouch '" + dir + "/done'\n");
    publish_events(bus, 3);
    Background consumer({binary("bb-consume"), "--queue", bus.queue, "--exec", cmd},
                        bus.options(""));
    REQUIRE(wait_until([&] { return std::filesystem::exists(dir + "/started"); },
                       std::chrono::seconds(20)));
    int status = consumer.stop(SIGTERM, std::chrono::seconds(20));
    CHECK(status == 143);
    CHECK(std::filesystem::exists(dir + "/done"));  // it was let finish
    CHECK(bus.admin.message_count(bus.queue) == 2); // that one acked, the others back
    CHECK(consumer.err().find("1 done") != std::string::npos);
}

TEST_CASE("bb-consume: a body that is no envelope is reported and rejected, exit 65") {
    auto s = services();
    if (!s)
        return;
    Bus bus(*s, true, durable());
    EnvelopeSpec good;
    bus.admin.publish(bus.exchange, "test.event", "this is not json", "id-not-json");
    bus.admin.publish(bus.exchange, "test.event", "{\"event_type\":\"x\",\"bad\":\xff}",
                      "id-bad-utf8");
    bus.admin.publish(bus.exchange, "test.event", canonical(good), good.event_id);
    bus.admin.wait_for_confirms();
    auto r = run_consume(bus, {});
    CHECK(r.status == 65);
    CHECK(lines_of(r.out) == std::vector<std::string>{canonical(good)});
    CHECK(r.err.find("id-not-json") != std::string::npos);
    CHECK(r.err.find("id-bad-utf8") != std::string::npos);
    CHECK(r.err.find("routing key test.event") != std::string::npos);
    CHECK(bus.admin.message_count(bus.queue) == 0);
}

TEST_CASE("bb-consume: --raw passes any body through as it is") {
    auto s = services();
    if (!s)
        return;
    Bus bus(*s, true, durable());
    bus.admin.publish(bus.exchange, "test.event", "plain text", "m1");
    bus.admin.publish(bus.exchange, "test.event", "{\"any\":[1,2]}", "m2");
    bus.admin.wait_for_confirms();
    auto r = run_consume(bus, {"--raw"});
    CHECK(r.status == 0);
    CHECK(r.out == "plain text\n{\"any\":[1,2]}\n");
}

TEST_CASE("bb-consume: a 1 MiB envelope and a v1 envelope reach the command whole") {
    auto s = services();
    if (!s)
        return;
    Bus bus(*s, true, durable());
    std::string dir = make_temp_dir();
    EnvelopeSpec big;
    big.payload = "{\"blob\":\"" + std::string(1024 * 1024 - 400, 'x') + "\"}";
    std::string parent = publish::random_uuid();
    EnvelopeSpec v1;
    std::string v1_body =
        "{\"event_id\":\"" + v1.event_id + "\",\"event_type\":\"test.event\",\"timestamp\":\"" +
        v1.timestamp +
        "\",\"version\":\"1.0.0\",\"source\":{\"host\":\"h\",\"type\":\"manual\"},"
        "\"correlation_id\":\"" +
        parent + "\",\"payload\":{}}";
    bus.admin.publish(bus.exchange, "test.event", canonical(big), big.event_id);
    bus.admin.publish(bus.exchange, "test.event", v1_body, v1.event_id);
    bus.admin.wait_for_confirms();
    std::string cmd = script(dir, "keep.sh",
                             "cat > '" + dir +
                                 "/'$BB_EVENT_ID\n"
                                 "echo \"$BB_CORRELATION_IDS\" > '" +
                                 dir + "/'$BB_EVENT_ID.parents\n");
    auto r = run_consume(bus, {}, {cmd});
    CHECK(r.status == 0);
    CHECK(read_text(dir + "/" + big.event_id) == canonical(big));
    CHECK(read_text(dir + "/" + v1.event_id) == v1_body);
    CHECK(read_text(dir + "/" + v1.event_id + ".parents") == parent + "\n");
}

TEST_CASE("bb-consume: --descends-from passes the event's descendants only") {
    auto s = services();
    if (!s)
        return;
    Bus bus(*s, true, durable());
    EnvelopeSpec root, child, grandchild, stranger;
    child.parents = {root.event_id};
    grandchild.parents = {child.event_id};
    for (auto* e : {&root, &stranger, &child, &grandchild})
        bus.admin.publish(bus.exchange, "test.event", canonical(*e), e->event_id);
    bus.admin.wait_for_confirms();
    auto options = bus.options("");
    options.env["REDIS_HOST"] = s->redis_host;
    options.env["REDIS_PORT"] = std::to_string(s->redis_port);
    auto r = run({binary("bb-consume"), "--queue", bus.queue, "--idle-timeout", "1",
                  "--descends-from", root.event_id},
                 options);
    CHECK(r.status == 0);
    CHECK(lines_of(r.out) ==
          std::vector<std::string>{canonical(root), canonical(child), canonical(grandchild)});
    CHECK(bus.admin.message_count(bus.queue) == 0); // the stranger is acked and skipped
}

TEST_CASE("bb-consume: usage errors exit 64 before connecting") {
    auto s = services();
    if (!s)
        return;
    Bus bus(*s, false);
    auto no_queue = run({binary("bb-consume"), "--no-declare"}, bus.options(""));
    CHECK(no_queue.status == 64);
    auto missing =
        run({binary("bb-consume"), "--exec", "bb-no-such-command-here"}, bus.options(""));
    CHECK(missing.status == 64);
    CHECK(missing.err.find("bb-no-such-command-here") != std::string::npos);
    auto format = run({binary("bb-consume"), "--format", "xml"}, bus.options(""));
    CHECK(format.status == 64);
}
