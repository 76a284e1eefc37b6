// bb-consume --queue-type: the type of the queue it declares, checked by the
// test's own client (declaring the queue again with a type succeeds only
// when that is its type), the refusal of a queue of another type, and the
// broker's delivery count on quorum queues.
#include "test_bb_consume_support.hpp"

#include <doctest/doctest.h>

using namespace bbtest;
using namespace bbtest::consume;

namespace {

QueueOptions typed(const std::string& type) {
    QueueOptions q;
    q.durable = true;
    q.type = type;
    return q;
}

// bb-consume declares and binds `queue` (with `args`) and exits at once.
RunResult declare(const Bus& bus, const std::string& queue, std::vector<std::string> args = {}) {
    std::vector<std::string> argv{binary("bb-consume"), "--queue", queue, "--idle-timeout", "0.2"};
    argv.insert(argv.end(), args.begin(), args.end());
    return run(argv, bus.options(""));
}

} // namespace

TEST_CASE("bb-consume: a new named queue is a quorum queue unless --queue-type says otherwise") {
    auto s = services();
    if (!s)
        return;
    Bus bus(*s, false);
    std::string queue = unique_name("cq");
    auto r = declare(bus, queue);
    REQUIRE(r.status == 0);
    CHECK_NOTHROW(bus.admin.declare_queue(queue, typed("quorum")));
    CHECK_THROWS(bus.admin.declare_queue(queue, typed("classic")));
    bus.admin.delete_queue(queue);

    for (std::string type : {"classic", "quorum", "stream"}) {
        CAPTURE(type);
        std::string named = unique_name("cq");
        auto typed_run = declare(bus, named, {"--queue-type", type});
        REQUIRE(typed_run.status == 0);
        CHECK_NOTHROW(bus.admin.declare_queue(named, typed(type)));
        CHECK_THROWS(bus.admin.declare_queue(named, typed(type == "quorum" ? "stream" : "quorum")));
        bus.admin.delete_queue(named);
    }
}

TEST_CASE("bb-consume: a queue of another type than --queue-type is a usage error naming both") {
    auto s = services();
    if (!s)
        return;
    Bus bus(*s, true, durable()); // classic, declared without x-queue-type
    auto bodies = publish_events(bus, 3);
    auto quorum = declare(bus, bus.queue, {"--queue-type", "quorum"});
    CHECK(quorum.status == 64);
    CHECK(quorum.err.find("queue \"" + bus.queue +
                          "\" is a classic queue, not a quorum queue: consume it with "
                          "--queue-type classic") != std::string::npos);
    CHECK(quorum.err.find("closed the channel") == std::string::npos);
    CHECK(quorum.out.empty());
    CHECK(bus.admin.message_count(bus.queue) == 3);

    std::string stream = unique_name("cs");
    bus.admin.declare_queue(stream, typed("stream"));
    auto classic = declare(bus, stream, {"--queue-type", "classic"});
    CHECK(classic.status == 64);
    CHECK(classic.err.find("is a stream queue, not a classic queue") != std::string::npos);
    bus.admin.delete_queue(stream);

    // Without --queue-type an existing queue is consumed as it is.
    auto as_it_is = run_consume(bus, {});
    CHECK(as_it_is.status == 0);
    CHECK(lines_of(as_it_is.out) == bodies);
}

TEST_CASE("bb-consume: on a quorum queue the broker's delivery count counts as attempts") {
    auto s = services();
    if (!s)
        return;
    Bus bus(*s, true, typed("quorum"));
    std::string dir = make_temp_dir();
    // First run: brings bb-consume down (no verdict); second: fails; third: succeeds.
    std::string cmd = script(dir, "crash_fail_pass.sh",
                             "cat >/dev/null\n"
                             "echo \"$BB_ATTEMPT\" >> '" +
                                 dir +
                                 "/attempts'\n"
                                 "n=$(wc -l < '" +
                                 dir +
                                 "/attempts')\n"
                                 "[ \"$n\" -eq 1 ] && kill -9 $PPID && exit 1\n"
                                 "[ \"$n\" -eq 2 ] && exit 1\n"
                                 "exit 0\n");
    publish_events(bus, 1);
    auto crashed = run_consume(bus, {"--max-attempts", "5"}, {cmd});
    CHECK(crashed.status == 128 + 9);
    auto r = run_consume(bus, {"--max-attempts", "5", "--idle-timeout", "2"}, {cmd});
    CHECK(r.status == 0);
    // The copy sent back after the failure carries the count on, once.
    CHECK(read_text(dir + "/attempts") == "1\n2\n3\n");
    CHECK(bus.admin.message_count(bus.queue) == 0);
}

TEST_CASE("bb-consume: an event that keeps bringing its consumer down is dead-lettered") {
    auto s = services();
    if (!s)
        return;
    Bus bus(*s, true, typed("quorum"));
    std::string dead = unique_name("dlx");
    std::string dead_queue = unique_name("dlq");
    bus.admin.declare_exchange(dead);
    bus.admin.declare_queue(dead_queue);
    bus.admin.bind(dead_queue, dead);
    std::string dir = make_temp_dir();
    std::string cmd = script(
        dir, "crash.sh", "cat >/dev/null\necho run >> '" + dir + "/runs'\nkill -9 $PPID\nexit 1\n");
    auto bodies = publish_events(bus, 1, "orders.created");
    std::vector<std::string> args{"--max-attempts", "2", "--dead-letter", dead};
    CHECK(run_consume(bus, args, {cmd}).status == 128 + 9);
    CHECK(run_consume(bus, args, {cmd}).status == 128 + 9);
    auto r = run_consume(bus, args, {cmd});
    CHECK(r.status == 75);
    CHECK(read_text(dir + "/runs") == "run\nrun\n"); // not run a third time
    CHECK(r.err.find("delivered 2 times without a verdict") != std::string::npos);
    auto dead_letters = bus.admin.drain(dead_queue);
    REQUIRE(dead_letters.size() == 1);
    CHECK(dead_letters[0].body == bodies[0]);
    CHECK(dead_letters[0].routing_key == "orders.created");
    CHECK(dead_letters[0].headers["x-bb-attempts"] == "2");
    CHECK(bus.admin.message_count(bus.queue) == 0);
    bus.admin.delete_queue(dead_queue);
    bus.admin.delete_exchange(dead);
}
