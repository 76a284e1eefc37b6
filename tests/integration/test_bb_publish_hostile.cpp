// bb-publish against hostile input, each bad record followed by a valid
// envelope: the bad one is refused with a message naming its line (and its
// field), nothing of it reaches the broker, the valid one after it is
// published, the exit code is 65, and the process stays small however large
// the input. Large inputs are streamed through a pipe by a thread, never
// built here.
//
// The peak resident set comes from GNU time (wait4's ru_maxrss), as in
// scripts/bench/publish.sh: Linux starts a forked child's peak at its
// parent's size, so bb-publish must be forked by a small process, not by
// this one.
#include "support/lines.hpp"
#include "test_bb_publish_support.hpp"

#include <algorithm>
#include <cctype>
#include <cerrno>
#include <cstdio>
#include <fcntl.h>
#include <fstream>
#include <functional>
#include <signal.h>
#include <string_view>
#include <thread>
#include <unistd.h>
#include <utility>

using namespace bbtest;
using namespace bbtest::publish;

namespace {

// bb-publish's bound with the default --max-line-bytes of 1 MiB.
constexpr long max_rss_kb = 64 * 1024;

// AddressSanitizer's shadow memory and quarantine of freed blocks are its
// own: under it the figure is printed, not bounded.
#if defined(__SANITIZE_ADDRESS__)
constexpr bool sanitized = true;
#elif defined(__has_feature)
#if __has_feature(address_sanitizer)
constexpr bool sanitized = true;
#else
constexpr bool sanitized = false;
#endif
#else
constexpr bool sanitized = false;
#endif

using Sink = std::function<void(std::string_view)>;
using Producer = std::function<void(const Sink&)>;

// A pipe that a thread fills with what a Producer writes, for a child's stdin.
class StreamedInput {
public:
    explicit StreamedInput(Producer produce) {
        signal(SIGPIPE, SIG_IGN); // a child that stops reading is an EPIPE
        int fds[2];
        REQUIRE(pipe2(fds, O_CLOEXEC) == 0);
        read_fd_ = fds[0];
        writer_ = std::thread([fd = fds[1], produce = std::move(produce)] {
            bool open = true;
            produce([&](std::string_view bytes) {
                while (open && !bytes.empty()) {
                    ssize_t n = ::write(fd, bytes.data(), bytes.size());
                    if (n < 0 && errno == EINTR)
                        continue;
                    open = n > 0; // else the child is gone
                    if (open)
                        bytes.remove_prefix(static_cast<std::size_t>(n));
                }
            });
            ::close(fd);
        });
    }
    ~StreamedInput() {
        if (read_fd_ >= 0)
            ::close(read_fd_); // never handed over: unblock the writer
        writer_.join();
    }
    StreamedInput(const StreamedInput&) = delete;
    StreamedInput& operator=(const StreamedInput&) = delete;

    // For RunOptions::stdin_fd, which run() closes.
    int take_read_fd() { return std::exchange(read_fd_, -1); }

private:
    int read_fd_ = -1;
    std::thread writer_;
};

// `text` repeated to make exactly `size` bytes, written in pieces of ~1 MiB.
void write_repeated(const Sink& sink, std::string_view text, std::size_t size) {
    std::string piece;
    while (piece.size() < (1u << 20))
        piece += text;
    for (std::size_t left = size; left > 0;) {
        std::size_t n = std::min(left, piece.size());
        sink(std::string_view(piece).substr(0, n));
        left -= n;
    }
}

// The last line of a file: GNU time writes "Command exited with non-zero
// status N" before its figure.
long last_number_in(const std::string& path) {
    std::ifstream file(path);
    std::string line, last;
    while (std::getline(file, line))
        if (!line.empty())
            last = line;
    return last.empty() ? -1 : std::stol(last);
}

Producer literal(std::string line) {
    return [line = std::move(line)](const Sink& sink) { sink(line); };
}

// Runs bb-publish on the bad record (line 1, which `bad` writes without its
// LF) followed by a valid envelope, and checks everything the header says.
void check_refused(Bus& bus, const std::string& what, const Producer& bad,
                   const std::string& message) {
    CAPTURE(what);
    EnvelopeSpec valid;
    StreamedInput input([&](const Sink& sink) {
        bad(sink);
        sink("\n" + canonical(valid) + "\n");
    });
    RunOptions options = bus.options("");
    options.stdin_fd = input.take_read_fd();
    const std::string time = "/usr/bin/time", rss_file = bus.cwd + "/peak-rss-kb";
    REQUIRE_MESSAGE(access(time.c_str(), X_OK) == 0, "GNU time is needed (scripts/setup.sh)");
    RunResult r = run({time, "-f", "%M", "-o", rss_file, binary("bb-publish")}, options);
    long peak_rss_kb = last_number_in(rss_file);
    MESSAGE(what << ": peak RSS of bb-publish " << peak_rss_kb << " KiB");
    CHECK(r.status == 65);
    auto err = split_lines(r.err);
    REQUIRE(err.size() == 2);
    CHECK(err[0] == "bb-publish: line 1: " + message);
    CHECK(err[1].rfind("bb-publish: published 1, invalid 1, failed 0 in ", 0) == 0);
    CHECK(r.out == valid.event_id + "\n");
    auto got = bus.admin.drain(bus.queue);
    REQUIRE(got.size() == 1);
    CHECK(got[0].message_id == valid.event_id);
    CHECK(got[0].body == canonical(valid));
    CHECK(peak_rss_kb > 0);
    if (!sanitized)
        CHECK(peak_rss_kb < max_rss_kb);
}

std::string envelope_with_payload(const std::string& payload) {
    return R"({"event_type":"hostile.test","payload":)" + payload + "}";
}

// A UUID made from a number, for inputs with many distinct ids.
std::string numbered_uuid(std::size_t n) {
    char s[37];
    // Twelve digits at most, which the compiler can see fit.
    std::snprintf(s, sizeof s, "00000000-0000-4000-8000-%012zu", n % 1'000'000'000'000);
    return s;
}

} // namespace

TEST_CASE("bb-publish hostile: a 1 GiB line streams past in bounded memory and is refused") {
    auto s = services();
    if (!s)
        return;
    Bus bus(*s);
    const std::size_t gib = std::size_t(1) << 30;
    const std::string head = R"({"event_type":"hostile.test","payload":")";
    check_refused(
        bus, "1 GiB line",
        [&](const Sink& sink) {
            sink(head);
            write_repeated(sink, "x", gib - head.size() - 2);
            sink("\"}");
        },
        "line of 1073741824 bytes is larger than the limit of 1048576 bytes");
}

TEST_CASE("bb-publish hostile: 100,000 levels of nesting stop at the 65th") {
    auto s = services();
    if (!s)
        return;
    Bus bus(*s);
    const std::string head = R"({"event_type":"hostile.test","payload":)";
    const std::size_t depth = 100000;
    // The envelope is level 1: the 64th bracket of the payload is one too many.
    check_refused(
        bus, "100,000 nested arrays",
        [&](const Sink& sink) {
            sink(head);
            write_repeated(sink, "[", depth);
            write_repeated(sink, "]", depth);
            sink("}");
        },
        "nesting deeper than 64 levels at byte " + std::to_string(head.size() + 63));
    check_refused(
        bus, "100,000 nested objects",
        [&](const Sink& sink) {
            sink(head);
            write_repeated(sink, R"({"a":)", 5 * depth);
            sink("1");
            write_repeated(sink, "}", depth + 1);
        },
        "nesting deeper than 64 levels at byte " + std::to_string(head.size() + 63 * 5));
}

TEST_CASE("bb-publish hostile: invalid UTF-8 is refused at its byte, wherever it is") {
    auto s = services();
    if (!s)
        return;
    Bus bus(*s);
    struct Case {
        std::string what, line, message;
    };
    const std::vector<Case> cases = {
        {"a stray byte in the payload", envelope_with_payload("\"caf\xe9\""),
         "invalid UTF-8 at byte 43"},
        {"in a key", "{\"event_type\":\"hostile.test\",\"payload\":{\"k\xff\":1}}",
         "invalid UTF-8 at byte 42"},
        {"in the event type", "{\"event_type\":\"a\xc0\xaf\",\"payload\":1}",
         "invalid UTF-8 at byte 16"},
        {"an encoded surrogate", envelope_with_payload("\"\xed\xa0\x80\""),
         "invalid UTF-8 at byte 40"},
        {"above U+10FFFF", envelope_with_payload("\"\xf4\x90\x80\x80\""),
         "invalid UTF-8 at byte 40"},
        {"cut short by the quote", envelope_with_payload("\"\xe2\x82\""),
         "invalid UTF-8 at byte 40"},
        {"an escaped lone surrogate", envelope_with_payload(R"(["ok","\udc00"])"),
         "invalid JSON at byte 46: The surrogate pair in string is invalid."},
    };
    for (const Case& c : cases)
        check_refused(bus, c.what, literal(c.line), c.message);
}

TEST_CASE("bb-publish hostile: a NUL byte is refused wherever it is") {
    auto s = services();
    if (!s)
        return;
    Bus bus(*s);
    using namespace std::string_literals;
    check_refused(bus, "NUL in a string", literal(envelope_with_payload("\"a\0b\""s)),
                  "NUL byte at byte 41");
    check_refused(bus, "NUL between tokens", literal(envelope_with_payload("1\0"s)),
                  "NUL byte at byte 40");
    check_refused(bus, "NUL first", literal("\0"s + envelope_with_payload("1")),
                  "NUL byte at byte 0");
}

TEST_CASE("bb-publish hostile: a duplicate key is refused at every level, however spelled") {
    auto s = services();
    if (!s)
        return;
    Bus bus(*s);
    check_refused(bus, "top level",
                  literal(R"({"event_type":"hostile.test","payload":1,"payload":2})"),
                  R"(duplicate key "payload" at byte 50)");
    check_refused(bus, "in source",
                  literal(R"({"event_type":"hostile.test","source":{"host":"a","host":"b"},)"
                          R"("payload":1})"),
                  R"(duplicate key "host" at byte 56)");
    check_refused(bus, "deep in the payload",
                  literal(envelope_with_payload(R"({"a":[{"b":{"c":1,"c":2}}]})")),
                  R"(duplicate key "c" at byte 60)");
    // The same key once escaped: both read "event_type", the routing key.
    check_refused(bus, "escaped",
                  literal(R"({"event_type":"hostile.a","\u0065vent_type":"hostile.b",)"
                          R"("payload":1})"),
                  R"(duplicate key "event_type" at byte 43)");
}

TEST_CASE("bb-publish hostile: a huge array of correlation_ids is refused") {
    auto s = services();
    if (!s)
        return;
    Bus bus(*s);
    const std::string head = R"({"event_type":"hostile.test","correlation_ids":[)";
    const std::string tail = R"(],"payload":1})";
    auto ids = [&](std::size_t count) {
        return [&, count](const Sink& sink) {
            sink(head);
            std::string batch;
            for (std::size_t i = 0; i < count; ++i) {
                batch += (i ? ",\"" : "\"") + numbered_uuid(i) + "\"";
                if (batch.size() >= (1u << 20) || i + 1 == count) {
                    sink(batch);
                    batch.clear();
                }
            }
            sink(tail);
        };
    };
    // Each id is 38 bytes and a comma: a million do not fit the line limit.
    const std::size_t million_bytes = head.size() + 1000001 * 39 - 1 + tail.size();
    check_refused(bus, "1,000,001 ids", ids(1000001),
                  "line of " + std::to_string(million_bytes) +
                      " bytes is larger than the limit of 1048576 bytes");
    // Within the line limit, the count limit applies.
    check_refused(bus, "1,001 ids", ids(1001), "correlation_ids: more than 1000 parents");
    check_refused(bus, "26,000 ids", ids(26000), "correlation_ids: more than 1000 parents");
}

TEST_CASE("bb-publish hostile: a routing key too long or with control characters is refused") {
    auto s = services();
    if (!s)
        return;
    Bus bus(*s);
    auto with_type = [](const std::string& type) {
        return literal("{\"event_type\":\"" + type + "\",\"payload\":1}");
    };
    check_refused(bus, "256 bytes", with_type(std::string(256, 'a')),
                  "event_type: longer than 255 bytes (256)");
    check_refused(bus, "1,000,000 bytes", with_type(std::string(1000000, 'a')),
                  "event_type: longer than 255 bytes (1000000)");
    // 255 bytes once escapes are read: \u0061 is one 'a'.
    std::string escaped;
    for (int i = 0; i < 256; ++i)
        escaped += "\\u0061";
    check_refused(bus, "256 escaped bytes", with_type(escaped),
                  "event_type: longer than 255 bytes (256)");
    check_refused(bus, "escaped NUL", with_type(R"(a.\u0000.b)"),
                  "event_type: control character U+0000 at byte 2");
    check_refused(bus, "escaped newline", with_type(R"(a.\n.b)"),
                  "event_type: control character U+000A at byte 2");
    check_refused(bus, "DEL", with_type(R"(a.\u007f)"),
                  "event_type: control character U+007F at byte 2");
    check_refused(bus, "C1 control", with_type("a.\xc2\x85"),
                  "event_type: control character U+0085 at byte 2");
    check_refused(bus, "raw tab", with_type("a.\tb"),
                  "unescaped control character U+0009 at byte 17");
}

TEST_CASE("bb-publish hostile: a UUID not in the 8-4-4-4-12 form is refused, naming the field") {
    auto s = services();
    if (!s)
        return;
    Bus bus(*s);
    const std::string id = "0b5e6f4a-3c2d-4e1f-9a8b-7c6d5e4f3a2b";
    const std::string no_dashes = "0b5e6f4a3c2d4e1f9a8b7c6d5e4f3a2b";
    struct Form {
        std::string what, text, reason;
    };
    const std::vector<Form> forms = {
        {"braces", "{" + id + "}", "braces are not accepted, write the bare 8-4-4-4-12 form"},
        {"no dashes", no_dashes, "expected 36 characters (8-4-4-4-12), got 32"},
        {"urn", "urn:uuid:" + id, "a urn: prefix is not accepted, write the bare 8-4-4-4-12 form"},
        {"dashes moved",
         no_dashes.substr(0, 9) + "-" + no_dashes.substr(9, 3) + "-" + no_dashes.substr(12, 4) +
             "-" + no_dashes.substr(16, 4) + "-" + no_dashes.substr(20),
         "expected '-' at position 9, got '3'"},
        {"spaces", " " + id.substr(1), "bad hex digit ' ' at position 1"},
    };
    for (const Form& f : forms) {
        std::string quoted = "\"" + f.text + "\"";
        check_refused(
            bus, "event_id with " + f.what,
            literal(R"({"event_id":)" + quoted + R"(,"event_type":"hostile.test","payload":1})"),
            "event_id: " + quoted + " is not a UUID: " + f.reason);
        check_refused(bus, "correlation_ids with " + f.what,
                      literal(R"({"event_type":"hostile.test","correlation_ids":[")" + id + "\"," +
                              quoted + R"(],"payload":1})"),
                      "correlation_ids[1]: " + quoted + " is not a UUID: " + f.reason);
    }
}

TEST_CASE("bb-publish hostile: an uppercase UUID is the same id, published in lowercase") {
    // As the Python side reads it (uuid.UUID accepts any case); only the
    // canonical form reaches the broker and Redis keys.
    auto s = services();
    if (!s)
        return;
    Bus bus(*s);
    EnvelopeSpec expected;
    expected.event_id = "0b5e6f4a-3c2d-4e1f-9a8b-7c6d5e4f3a2b";
    expected.parents = {"1c2d3e4f-5a6b-4c7d-8e9f-0a1b2c3d4e5f"};
    EnvelopeSpec upper = expected;
    for (std::string* id : {&upper.event_id, &upper.parents[0]})
        for (char& c : *id)
            c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
    auto r = bus.publish({}, canonical(upper) + "\n");
    CHECK(r.status == 0);
    CHECK(r.out == expected.event_id + "\n");
    auto got = bus.admin.drain(bus.queue);
    REQUIRE(got.size() == 1);
    CHECK(got[0].message_id == expected.event_id);
    CHECK(got[0].correlation_id == expected.parents[0]);
    CHECK(got[0].body == canonical(expected));
}

TEST_CASE("bb-publish hostile: the line that makes the parser build the most stays bounded") {
    // Just under 1 MiB of array items (each a value the parser stores) and a
    // duplicate key at the very end, so the whole document is built first.
    auto s = services();
    if (!s)
        return;
    Bus bus(*s);
    const std::string head = R"({"event_type":"hostile.test","payload":[0)";
    const std::string tail = R"(],"payload":1})";
    const std::size_t items = ((1u << 20) - head.size() - tail.size()) / 2;
    check_refused(
        bus, "half a million items",
        [&](const Sink& sink) {
            sink(head);
            write_repeated(sink, ",0", 2 * items);
            sink(tail);
        },
        R"(duplicate key "payload" at byte )" +
            std::to_string(head.size() + 2 * items + tail.size() - 3));
}
