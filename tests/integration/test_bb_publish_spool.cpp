// bb-publish's spool, --drain, signals and a closed stdout, against the real
// broker. Faults that stop or pause the broker are in tests/faults/.
#include "support/background.hpp"
#include "support/lines.hpp"
#include "support/ports.hpp"
#include "support/temp_dir.hpp"
#include "test_bb_publish_spool_support.hpp"

#include "bloodbank/spool.hpp"

#include <csignal>
#include <ctime>
#include <fcntl.h>
#include <filesystem>
#include <fstream>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

namespace fs = std::filesystem;
using namespace bbtest;
using namespace bbtest::publish;

TEST_CASE("publish: with the broker down, a spool keeps every valid event and --drain "
          "publishes them in order") {
    auto services = bbtest::services();
    if (!services)
        return;
    SpoolBus bus(*services);
    const std::string& spool = bus.spool;
    std::vector<EnvelopeSpec> events(5);
    events[3].parents = {events[1].event_id};
    std::string input;
    for (std::size_t i = 0; i < events.size(); ++i) {
        input += canonical(events[i]) + "\n";
        if (i == 1)
            input += "{\"event_type\":\"no.payload\"}\n"; // line 3: invalid, never spooled
    }

    RunResult r = Bus::run_publish({"--report", "--spool", spool}, broker_down(bus, input));
    CHECK(r.status == 75);
    CHECK(contains(r.err, "spooled 5"));
    CHECK(contains(r.err, "5 events kept in the spool " + spool));
    std::vector<std::string> report = split_lines(r.out);
    REQUIRE(report.size() == 6);
    CHECK(report[0] == "{\"line\":1,\"event_id\":\"" + events[0].event_id +
                           "\",\"status\":\"spooled\",\"attempts\":0}");
    CHECK(contains(report[2], "\"line\":3,\"event_id\":null,\"status\":\"invalid\""));

    // 0700 folder, 0600 files, whole segments only, the completed envelopes in input order.
    CHECK((fs::status(spool).permissions() & fs::perms::all) == fs::perms::owner_all);
    auto segments = segments_in(spool);
    REQUIRE(segments.size() == 1);
    CHECK((fs::status(segments[0]).permissions() & fs::perms::all) ==
          (fs::perms::owner_read | fs::perms::owner_write));
    CHECK(hidden_files_in(spool).empty());
    std::string expected;
    for (const auto& e : events)
        expected += canonical(e) + "\n";
    CHECK(read_file(segments[0]) == expected);
    CHECK(bus.admin.message_count(bus.queue) == 0);

    RunResult drained = bus.publish({"--drain", spool, "-v"}, "");
    CHECK(drained.status == 0);
    CHECK(contains(drained.err, "drained 1 of 1 segments"));
    std::vector<std::string> sent_ids;
    for (const auto& e : events)
        sent_ids.push_back(e.event_id);
    CHECK(split_lines(drained.out) == sent_ids);
    auto received = bus.admin.drain(bus.queue);
    CHECK(ids_of(received) == sent_ids);
    REQUIRE(received.size() == events.size());
    CHECK(received[3].body == canonical(events[3]));
    CHECK(received[3].correlation_id == events[1].event_id);
    CHECK(segments_in(spool).empty());

    RunResult again = bus.publish({"--drain", spool, "-v"}, "");
    CHECK(again.status == 0);
    CHECK(contains(again.err, "is empty"));
}

TEST_CASE("publish: BB_SPOOL_DIR is the default spool") {
    auto services = bbtest::services();
    if (!services)
        return;
    Bus bus(*services);
    TempDir tmp("bb-spool");
    EnvelopeSpec e;
    RunOptions down = broker_down(bus, canonical(e) + "\n");
    down.env["BB_SPOOL_DIR"] = tmp.file("from-env");
    RunResult r = Bus::run_publish({"--quiet"}, down);
    CHECK(r.status == 75);
    REQUIRE(fs::exists(tmp.file("from-env")));
    CHECK(segments_in(tmp.file("from-env")).size() == 1);
}

TEST_CASE("publish: nacked events go to the spool, and a drain keeps what is still refused") {
    auto services = bbtest::services();
    if (!services)
        return;
    QueueOptions full;
    full.max_length = 1;
    full.reject_publish = true;
    Bus bus(*services, true, full);
    TempDir tmp("bb-spool");
    std::string spool = tmp.file("spool");
    std::vector<EnvelopeSpec> events(3);
    std::string input;
    for (const auto& e : events)
        input += canonical(e) + "\n";

    // One window at a time, so the queue is full before the second arrives.
    RunResult r = bus.publish({"--report", "--max-in-flight", "1", "--spool", spool}, input);
    CHECK(r.status == 75);
    auto report = split_lines(r.out);
    REQUIRE(report.size() == 3);
    CHECK(contains(report[0], "\"status\":\"confirmed\""));
    CHECK(contains(report[1], "\"status\":\"spooled\",\"attempts\":1"));
    CHECK(contains(report[2], "\"status\":\"spooled\",\"attempts\":1"));
    auto segments = segments_in(spool);
    REQUIRE(segments.size() == 1);
    CHECK(read_file(segments[0]) == canonical(events[1]) + "\n" + canonical(events[2]) + "\n");

    // Still full: both are refused again, and stay, rewritten in place.
    RunResult blocked = bus.publish({"--drain", spool, "--max-in-flight", "1"}, "");
    CHECK(blocked.status == 75);
    CHECK(contains(blocked.err, "1 left"));
    segments = segments_in(spool);
    REQUIRE(segments.size() == 1);
    CHECK(read_file(segments[0]) == canonical(events[1]) + "\n" + canonical(events[2]) + "\n");
    CHECK(hidden_files_in(spool).empty());

    // Room for one: the first is published, the segment keeps the second.
    CHECK(ids_of(bus.admin.drain(bus.queue)) == std::vector<std::string>{events[0].event_id});
    RunResult partly = bus.publish({"--drain", spool, "--max-in-flight", "1"}, "");
    CHECK(partly.status == 75);
    CHECK(split_lines(partly.out) == std::vector<std::string>{events[1].event_id});
    segments = segments_in(spool);
    REQUIRE(segments.size() == 1);
    CHECK(read_file(segments[0]) == canonical(events[2]) + "\n");

    CHECK(ids_of(bus.admin.drain(bus.queue)) == std::vector<std::string>{events[1].event_id});
    RunResult rest = bus.publish({"--drain", spool}, "");
    CHECK(rest.status == 0);
    CHECK(ids_of(bus.admin.drain(bus.queue)) == std::vector<std::string>{events[2].event_id});
    CHECK(segments_in(spool).empty());
}

TEST_CASE("publish: a drain refuses to run while another holds the spool") {
    auto services = bbtest::services();
    if (!services)
        return;
    SpoolBus bus(*services);
    const std::string& spool = bus.spool;
    EnvelopeSpec e = spool_one_event(bus, spool);

    {
        auto held = bb::SpoolLock::acquire(spool);
        REQUIRE(held.has_value());
        RunResult r = bus.publish({"--drain", spool}, "");
        CHECK(r.status == 75);
        CHECK(contains(r.err, "another drain is running"));
        CHECK(bus.admin.message_count(bus.queue) == 0);
        CHECK(segments_in(spool).size() == 1);
    }
    RunResult r = bus.publish({"--drain", spool}, "");
    CHECK(r.status == 0);
    CHECK(ids_of(bus.admin.drain(bus.queue)) == std::vector<std::string>{e.event_id});
}

TEST_CASE("publish: a drain publishes the whole lines a killed writer left in its temporary "
          "file") {
    auto services = bbtest::services();
    if (!services)
        return;
    SpoolBus bus(*services);
    const std::string& spool = bus.spool;
    EnvelopeSpec first = spool_one_event(bus, spool);

    // Whole lines and one cut short.
    std::vector<EnvelopeSpec> kept(2);
    leave_dead_writers_file(spool, canonical(kept[0]) + "\n" + canonical(kept[1]) + "\n" +
                                       canonical(EnvelopeSpec{}).substr(0, 30));

    RunResult r = bus.publish({"--drain", spool, "-v"}, "");
    CHECK(r.status == 0);
    CHECK(contains(r.err, "recovered 2 events from 1 unfinished spool files"));
    CHECK(contains(r.err, "drained 2 of 2 segments"));
    // By time: the dead writer's lines were written an hour before `first`.
    std::vector<std::string> expected{kept[0].event_id, kept[1].event_id, first.event_id};
    CHECK(ids_of(bus.admin.drain(bus.queue)) == expected);
    CHECK(segments_in(spool).empty());
    CHECK(hidden_files_in(spool).empty());
}

TEST_CASE("publish: a drain that recovers one event from a killed writer's file says \"1 event\"") {
    auto services = bbtest::services();
    if (!services)
        return;
    SpoolBus bus(*services);
    const std::string& spool = bus.spool;
    spool_one_event(bus, spool);
    leave_dead_writers_file(spool, canonical(EnvelopeSpec{}) + "\n");

    RunResult r = bus.publish({"--drain", spool, "-v"}, "");
    CHECK(r.status == 0);
    CHECK(contains(r.err, "recovered 1 event from 1 unfinished spool files"));
    CHECK(bus.admin.drain(bus.queue).size() == 2);
}

TEST_CASE("publish: --drain errors: a missing spool, an unreachable broker, bad combinations") {
    auto services = bbtest::services();
    if (!services)
        return;
    Bus bus(*services);
    TempDir tmp("bb-spool");

    RunResult missing = bus.publish({"--drain", tmp.file("nothing-here")}, "");
    CHECK(missing.status == 66);
    CHECK(contains(missing.err, tmp.file("nothing-here")));

    std::string spool = tmp.file("spool");
    spool_one_event(bus, spool);
    RunOptions down = broker_down(bus, "");
    RunResult unreachable = Bus::run_publish({"--drain", spool}, down);
    CHECK(unreachable.status == 75);
    CHECK(contains(unreachable.err, "connection refused"));
    CHECK(contains(unreachable.err, "1 segments left in the spool"));
    CHECK(segments_in(spool).size() == 1);

    for (const auto& extra : std::vector<std::vector<std::string>>{
             {"--dry-run"}, {"--type", "a.b"}, {"--spool", spool}, {"--file", "x"}}) {
        std::vector<std::string> args{"--drain", spool};
        args.insert(args.end(), extra.begin(), extra.end());
        RunResult r = bus.publish(args, "");
        CAPTURE(extra[0]);
        CHECK(r.status == 64);
        CHECK(contains(r.err, "--drain"));
    }
}

TEST_CASE("publish: SIGTERM while the input is idle ends the run with 143 after the summary") {
    auto services = bbtest::services();
    if (!services)
        return;
    Bus bus(*services);
    TempDir tmp("bb-signal");
    std::string fifo = tmp.file("input");
    REQUIRE(::mkfifo(fifo.c_str(), 0600) == 0);
    // Held open for writing, so the input never ends by itself.
    int writer = ::open(fifo.c_str(), O_RDWR);
    REQUIRE(writer >= 0);
    EnvelopeSpec e;
    std::string line = canonical(e) + "\n";
    REQUIRE(::write(writer, line.data(), line.size()) == static_cast<ssize_t>(line.size()));

    RunOptions options = bus.options("");
    Background publisher({binary("bb-publish"), "--file", fifo}, options);
    CHECK(wait_until([&] { return contains(publisher.out(), e.event_id); },
                     std::chrono::seconds(20)));
    int status = publisher.stop(SIGTERM);
    ::close(writer);
    CHECK(status == 143);
    CHECK(contains(publisher.err(), "published 1, invalid 0, failed 0"));
    CHECK(ids_of(bus.admin.drain(bus.queue)) == std::vector<std::string>{e.event_id});
}

TEST_CASE("publish: a closed stdout does not kill the run: every event is published, exit 74") {
    auto services = bbtest::services();
    if (!services)
        return;
    Bus bus(*services);
    TempDir tmp("bb-stdout");
    std::vector<EnvelopeSpec> events(200);
    std::string input;
    for (const auto& e : events)
        input += canonical(e) + "\n";
    std::ofstream(tmp.file("in.ndjson")) << input;

    // The reader of stdout is gone before bb-publish writes a byte.
    int pipe_fds[2];
    REQUIRE(::pipe(pipe_fds) == 0);
    ::close(pipe_fds[0]);
    RunOptions options = bus.options("");
    std::vector<std::string> env = child_environment(options);
    std::vector<char*> envp;
    for (auto& item : env)
        envp.push_back(item.data());
    envp.push_back(nullptr);
    std::string bin = binary("bb-publish");
    std::string file = tmp.file("in.ndjson");
    std::string err_path = tmp.file("err");
    pid_t pid = ::fork();
    REQUIRE(pid >= 0);
    if (pid == 0) {
        ::dup2(pipe_fds[1], STDOUT_FILENO);
        int err = ::open(err_path.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0600);
        ::dup2(err, STDERR_FILENO);
        char* argv[] = {bin.data(), const_cast<char*>("--file"), file.data(), nullptr};
        ::execve(bin.c_str(), argv, envp.data());
        ::_exit(127);
    }
    ::close(pipe_fds[1]);
    int status = 0;
    REQUIRE(::waitpid(pid, &status, 0) == pid);
    REQUIRE(WIFEXITED(status)); // not killed by SIGPIPE
    CHECK(WEXITSTATUS(status) == 74);
    CHECK(contains(read_file(err_path), "write error on stdout"));
    CHECK(bus.admin.drain(bus.queue).size() == events.size());
}
