// bb-publish and signals: SIGHUP stops a stream as SIGTERM does (summary,
// every line read reported), and no wait outlasts the first signal: a FIFO
// named as a password or TLS file is refused at once, a password pipe whose
// writer never finishes and a broker that never answers are both ended by
// SIGINT. Every run is bounded by the harness (Background, wait_until), so a
// regression fails instead of hanging the suite.
#include "support/background.hpp"
#include "support/process.hpp"
#include "support/silent_listener.hpp"
#include "test_bb_publish_support.hpp"

#include <doctest/doctest.h>

#include <atomic>
#include <cerrno>
#include <chrono>
#include <csignal>
#include <fcntl.h>
#include <string>
#include <sys/stat.h>
#include <thread>
#include <unistd.h>
#include <vector>

using namespace bbtest::publish;
using namespace std::chrono_literals;

namespace {

// Generous: every run here ends in well under a second when it works.
constexpr auto harness_timeout = 10s;

// A pipe whose read end the child opens by name (/proc/PID/fd/N), as it
// would open a `<(...)` process substitution's /dev/fd/N.
struct Pipe {
    int fds[2] = {-1, -1};
    Pipe() { REQUIRE(::pipe2(fds, O_CLOEXEC) == 0); }
    ~Pipe() {
        close_writer();
        ::close(fds[0]);
    }
    std::string path() const {
        return "/proc/" + std::to_string(::getpid()) + "/fd/" + std::to_string(fds[0]);
    }
    void close_writer() {
        if (fds[1] >= 0)
            ::close(fds[1]);
        fds[1] = -1;
    }
};

std::vector<std::string> publish_argv(const std::vector<std::string>& args) {
    std::vector<std::string> argv{bbtest::binary("bb-publish")};
    argv.insert(argv.end(), args.begin(), args.end());
    return argv;
}

// Runs bb-publish in the background; `signal` (if not 0) after `delay`. The
// exit status, or -1 when it had not ended within the harness timeout.
struct Ended {
    int status = -1;
    std::string err;
};
Ended run_bounded(const Bus& bus, const std::vector<std::string>& args, int signal = 0,
                  std::chrono::milliseconds delay = 1s) {
    bbtest::Background child(publish_argv(args), bus.options(canonical(EnvelopeSpec{}) + "\n"));
    if (signal) {
        std::this_thread::sleep_for(delay);
        ::kill(child.pid(), signal);
    }
    bool ended = bbtest::wait_until([&] { return !child.running(); }, harness_timeout);
    Ended e;
    e.err = child.err();
    e.status = ended ? child.stop(SIGKILL, 0ms) : -1;
    return e;
}

bool contains(const std::string& text, const std::string& part) {
    return text.find(part) != std::string::npos;
}

std::string make_fifo(const Bus& bus) {
    std::string path = bus.cwd + "/fifo";
    REQUIRE(::mkfifo(path.c_str(), 0600) == 0);
    return path;
}

} // namespace

TEST_CASE("bb-publish signals: a FIFO as --password-file is refused at once, not waited on") {
    auto s = bbtest::services();
    if (!s)
        return;
    Bus bus(*s);
    std::string fifo = make_fifo(bus);
    Ended e = run_bounded(bus, {"--password-file", fifo, "--no-track"});
    CHECK(e.status == 74);
    CHECK(e.err == "bb-publish: RABBIT_PASSWORD_FILE (flag): " + fifo +
                       ": a pipe or FIFO that nothing writes to (not a regular file)\n");
    CHECK(bus.admin.drain(bus.queue).empty());
}

TEST_CASE(
    "bb-publish signals: a FIFO as --cacert is refused at once: OpenSSL would open it again") {
    auto s = bbtest::services();
    if (!s)
        return;
    Bus bus(*s);
    std::string fifo = make_fifo(bus);
    Ended e = run_bounded(bus, {"--url", "amqps://127.0.0.1:1/", "--cacert", fifo, "--no-track"});
    CHECK(e.status == 74);
    CHECK(e.err == "bb-publish: CA file " + fifo + ": not a regular file\n");
}

TEST_CASE("bb-publish signals: a password from a pipe is read, as from <(...)") {
    auto s = bbtest::services();
    if (!s)
        return;
    Bus bus(*s);
    Pipe pipe;
    REQUIRE(::write(pipe.fds[1], "guest\n", 6) == 6); // guest's password
    pipe.close_writer();
    Ended e = run_bounded(bus, {"--password-file", pipe.path(), "--no-track", "--quiet"});
    CHECK(e.status == 0);
    CHECK(e.err.empty());
    CHECK(bus.admin.drain(bus.queue).size() == 1);
}

TEST_CASE("bb-publish signals: SIGINT ends the wait for a password pipe's writer") {
    auto s = bbtest::services();
    if (!s)
        return;
    Bus bus(*s);
    Pipe pipe; // the writer stays, and writes nothing
    Ended e = run_bounded(bus, {"--password-file", pipe.path(), "--no-track"}, SIGINT);
    CHECK(e.status == 130);
    CHECK(e.err == "bb-publish: RABBIT_PASSWORD_FILE (flag): " + pipe.path() +
                       ": stopped by SIGINT while waiting for the pipe's writer\n");
}

namespace {

// bb-publish against a broker that takes the connection and never answers:
// its stderr is checked against `after_url`, the message after
// "cannot connect to amqp://guest@127.0.0.1:PORT/: ".
void run_against_silent_broker(const std::string& connect_timeout, int signal, int status,
                               const std::string& after_url) {
    auto s = bbtest::services();
    if (!s)
        return;
    Bus bus(*s);
    bbtest::SilentListener silent;
    std::string url = "amqp://127.0.0.1:" + std::to_string(silent.port()) + "/";
    Ended e = run_bounded(bus, {"--url", url, "--connect-timeout", connect_timeout, "--no-track"},
                          signal);
    CHECK(e.status == status);
    CHECK(e.err == "bb-publish: cannot connect to amqp://guest@127.0.0.1:" +
                       std::to_string(silent.port()) + "/: " + after_url + "\n");
}

} // namespace

TEST_CASE("bb-publish signals: SIGINT ends the handshake with a broker that never answers") {
    // Without the signal it would wait the whole minute.
    run_against_silent_broker("60", SIGINT, 130, "stopped by SIGINT");
}

TEST_CASE("bb-publish signals: a broker that never answers is named as such, not the password") {
    run_against_silent_broker("0.5", 0, 69,
                              "no answer from the broker within 0.5 s (is it an AMQP port?)");
}

namespace {

// Writes envelopes into a pipe without end, in small batches, until stopped;
// never blocks for long (the write end is non-blocking), so stopping works
// also when the reader is gone.
class EndlessInput {
public:
    EndlessInput() {
        ::fcntl(pipe_.fds[1], F_SETFL, O_NONBLOCK);
        thread_ = std::thread([this] { write_until_stopped(); });
    }
    ~EndlessInput() {
        stop_ = true;
        thread_.join();
    }
    std::string path() const { return pipe_.path(); }

private:
    void write_until_stopped() {
        std::string pending;
        while (!stop_) {
            if (pending.empty())
                for (int i = 0; i < 50; ++i)
                    pending += canonical(EnvelopeSpec{}) + "\n";
            ssize_t n = ::write(pipe_.fds[1], pending.data(), pending.size());
            if (n > 0)
                pending.erase(0, static_cast<std::size_t>(n));
            std::this_thread::sleep_for(5ms);
        }
    }

    Pipe pipe_;
    std::atomic<bool> stop_{false};
    std::thread thread_;
};

std::vector<std::string> lines_of(const std::string& text) {
    std::vector<std::string> lines;
    std::size_t start = 0;
    for (std::size_t end; (end = text.find('\n', start)) != std::string::npos; start = end + 1)
        lines.push_back(text.substr(start, end - start));
    return lines;
}

} // namespace

TEST_CASE("bb-publish signals: SIGHUP mid-stream stops it as SIGTERM does: summary, every line "
          "read reported") {
    auto s = bbtest::services();
    if (!s)
        return;
    Bus bus(*s);
    EndlessInput input;
    bbtest::Background child(publish_argv({"--file", input.path(), "--report", "--no-track"}),
                             bus.options(""));
    REQUIRE(
        bbtest::wait_until([&] { return lines_of(child.out()).size() >= 500; }, harness_timeout));
    ::kill(child.pid(), SIGHUP);
    bool ended = bbtest::wait_until([&] { return !child.running(); }, harness_timeout);
    REQUIRE(ended);
    int status = child.stop(SIGKILL, 0ms);
    std::vector<std::string> report = lines_of(child.out());
    std::string err = child.err();

    CHECK(status == 129);
    CHECK(contains(err, "bb-publish: published "));
    // One line per record read, in input order, each confirmed, and the
    // broker has exactly those.
    for (std::size_t i = 0; i < report.size(); ++i) {
        CAPTURE(report[i]);
        CHECK(report[i].rfind("{\"line\":" + std::to_string(i + 1) + ",", 0) == 0);
        CHECK(contains(report[i], "\"status\":\"confirmed\""));
    }
    CHECK(bus.admin.drain(bus.queue).size() == report.size());
}
