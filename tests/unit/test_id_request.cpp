#include "python_oracle.hpp"

#include "bloodbank/id_request.hpp"

#include <doctest/doctest.h>

#include <cmath>
#include <cstdio>
#include <cstring>
#include <fcntl.h>
#include <filesystem>
#include <fstream>
#include <random>
#include <string>
#include <unistd.h>
#include <utility>
#include <vector>

namespace {

std::string id_of(std::string_view line, std::string default_ns = "bloodbank") {
    bb::IdRequestReader reader(std::move(default_ns));
    auto id = reader.id_for_line(line);
    REQUIRE_MESSAGE(id.has_value(), line << " -> " << id.error().message);
    return id->str();
}

std::string error_of(std::string_view line) {
    bb::IdRequestReader reader;
    auto id = reader.id_for_line(line);
    REQUIRE_MESSAGE(!id.has_value(), line);
    CHECK(id.error().kind == bb::ErrorKind::data);
    return id.error().message;
}

std::string utf8_error(std::string_view text) {
    auto ok = bb::check_utf8(text);
    REQUIRE(!ok.has_value());
    return ok.error().message;
}

struct TempDir {
    std::filesystem::path path = bbtest_temp_dir();
    ~TempDir() { std::filesystem::remove_all(path); }
    static std::filesystem::path bbtest_temp_dir() {
        std::string pattern = (std::filesystem::temp_directory_path() / "bb-id-test.XXXXXX");
        REQUIRE(mkdtemp(pattern.data()) != nullptr);
        return pattern;
    }
};

struct BatchRun {
    bb::Result<bb::BatchSummary> summary = bb::make_error(bb::ErrorKind::internal, "not run");
    std::string out;
    std::vector<std::pair<std::uint64_t, std::string>> bad;
};

BatchRun run_batch(const std::string& input, std::string_view default_ns = "bloodbank") {
    TempDir dir;
    auto in_path = dir.path / "in.ndjson", out_path = dir.path / "out.txt";
    std::ofstream(in_path, std::ios::binary) << input;
    int out_fd = open(out_path.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0600);
    REQUIRE(out_fd >= 0);
    BatchRun run;
    run.summary = bb::run_id_batch(in_path.string(), out_fd, default_ns,
                                   [&](std::uint64_t line, const bb::Error& error) {
                                       CHECK(error.kind == bb::ErrorKind::data);
                                       run.bad.emplace_back(line, error.message);
                                   });
    close(out_fd);
    std::ifstream in(out_path, std::ios::binary);
    run.out.assign(std::istreambuf_iterator<char>(in), {});
    return run;
}

const std::string vector1 = "92ac3d31-3cbb-5518-9cc9-eaa1d1198639";
const std::string vector2 = "dcbf406d-aaae-5a9a-8b36-38bb4f5ac1e7";
const std::string vector3 = "ec729c22-7ab4-5b35-b78b-a3ba3397746d";

} // namespace

TEST_CASE("id_request: the check vectors of DESIGN section 3 as batch lines") {
    CHECK(id_of(R"({"event_type":"fireflies.transcript.upload","key":"meeting_abc123"})") ==
          vector1);
    CHECK(id_of(R"({"fields":{"user_id":"user_456","meeting_id":"abc123"},)"
                R"("event_type":"fireflies.transcript.upload"})") == vector2);
    CHECK(id_of(R"({"event_type":"test.event","key":"key_123","namespace":"other_system"})") ==
          vector3);
    // Pretty-printed and CRLF-terminated lines are still one JSON object.
    CHECK(id_of("{ \"event_type\" : \"test.event\",\t\"key\": \"key_123\", "
                "\"namespace\": \"other_system\" }\r") == vector3);
}

TEST_CASE("id_request: the reader's default namespace applies only without \"namespace\"") {
    CHECK(id_of(R"({"event_type":"test.event","key":"key_123"})", "other_system") == vector3);
    CHECK(id_of(R"({"event_type":"fireflies.transcript.upload","key":"meeting_abc123",)"
                R"("namespace":"bloodbank"})",
                "other_system") == vector1);
}

TEST_CASE("id_request: each bad line has an error naming the field") {
    CHECK(error_of("") == "empty line (expected a JSON object)");
    CHECK(error_of(" \t\r") == "empty line (expected a JSON object)");
    CHECK(error_of("[1]") == "expected a JSON object, got array");
    CHECK(error_of("\"text\"") == "expected a JSON object, got string");
    CHECK(error_of(R"({"event_type":"a")") ==
          "invalid JSON at byte 17: Missing a comma or '}' after an object member.");
    CHECK(error_of(R"({"key":"x"})") == "event_type: required field is missing");
    CHECK(error_of(R"({"event_type":1,"key":"x"})") ==
          "event_type: expected a string, got integer");
    CHECK(error_of(R"({"event_type":"a","key":5})") == "key: expected a string, got integer");
    CHECK(error_of(R"({"event_type":"a","key":null})") == "key: expected a string, got null");
    CHECK(error_of(R"({"event_type":"a","key":1.5})") == "key: expected a string, got number");
    CHECK(error_of(R"({"event_type":"a","key":"b","namespace":false})") ==
          "namespace: expected a string, got boolean");
    CHECK(error_of(R"({"event_type":"a","key":"b","fields":{}})") ==
          "fields and key are mutually exclusive");
    CHECK(error_of(R"({"event_type":"a"})") == "key or fields: one of them is required");
    CHECK(error_of(R"({"event_type":"a","fields":["x=1"]})") ==
          "fields: expected an object, got array");
    CHECK(error_of(R"({"event_type":"a","fields":{"tags":[1]}})") ==
          "fields.tags: expected a string, number, boolean or null, got array (its Python repr "
          "is not reproduced)");
    CHECK(error_of(R"({"event_type":"a","fields":{"meta":{}}})") ==
          "fields.meta: expected a string, number, boolean or null, got object (its Python repr "
          "is not reproduced)");
    CHECK(error_of(R"({"event_type":"a","feilds":{"x":"1"}})") ==
          "feilds: unknown field (expected event_type, key, fields or namespace)");
    CHECK(error_of(R"({"event_type":"a","key":"b","key":"c"})") ==
          "duplicate key \"key\" at byte 33");
    CHECK(error_of(R"({"event_type":"a","fields":{"k":1,"k":2}})") ==
          "duplicate key \"k\" at byte 37");
}

TEST_CASE("id_request: text Python cannot encode as UTF-8 is rejected") {
    // An escaped lone surrogate: Python's json.loads keeps it, uuid5 then
    // fails to encode the name; there is no id to agree on. The JSON parser
    // refuses it wherever it is, at the escape.
    auto surrogate_at = [](int byte) {
        return "invalid JSON at byte " + std::to_string(byte) +
               ": The surrogate pair in string is invalid.";
    };
    CHECK(error_of(R"({"event_type":"a","key":"x\udc00"})") == surrogate_at(26));
    CHECK(error_of(R"({"event_type":"\udfff","key":"x"})") == surrogate_at(15));
    CHECK(error_of(R"({"event_type":"a","key":"x","namespace":"\udc00"})") == surrogate_at(41));
    CHECK(error_of(R"({"event_type":"a","fields":{"k":"\udc00"}})") == surrogate_at(33));
    CHECK(error_of(R"({"event_type":"a","fields":{"\udc00":"v"}})") == surrogate_at(29));
    CHECK(error_of("{\"event_type\":\"a\",\"key\":\"\xff\"}") == "invalid UTF-8 at byte 25");
}

TEST_CASE("id_request: integers beyond the double range are rejected by the JSON parser") {
    // RapidJSON reads integers past 64 bits as doubles and refuses those past
    // DBL_MAX (309 digits); up to there they are rendered from their literal.
    std::string digits(308, '7');
    CHECK(id_of(R"({"event_type":"a","fields":{"n":)" + digits + "}}") ==
          bb::event_id_for_key("a", "n=" + digits).str());
    CHECK(error_of(R"({"event_type":"a","fields":{"n":-)" + digits + "77}}") ==
          "invalid JSON at byte 32: Number too big to be stored in double.");
}

TEST_CASE("id_request: field values render as Python's str(), checked by python3") {
    // Every literal below goes through json.loads and an f-string in python3.
    std::vector<std::string> literals = {
        "true",
        "false",
        "null",
        "0",
        "-0",
        "7",
        "-7",
        "2147483647",
        "2147483648",
        "-2147483649",
        "9223372036854775807",
        "9223372036854775808",
        "-9223372036854775808",
        "-9223372036854775809",
        "18446744073709551615",
        "18446744073709551616",
        "123456789012345678901234567890",
        "-98765432109876543210987654321098765432109876543210",
        "0.0",
        "-0.0",
        "0e0",
        "1.5",
        "-2.50",
        "1E5",
        "1e+5",
        "1.0e2",
        "1e16",
        "1e15",
        "1e-4",
        "1e-5",
        "0.00001",
        "1.5e-7",
        "100",
        "100.0",
        "9999999999999998",
        "9999999999999998.0",
        "0.1",
        "0.30000000000000004",
        "0.1000000000000000055511151231257827021181583404541015625",
        "3.14159265358979323846264338327950288",
        "1.7976931348623157e308",
        "4.9e-324",
        "2.4703282292062328e-324",
        "2.4703282292062327e-324",
        "-2.4703282292062327e-324",
        "1e-400",
        "-1e-400",
        "2.2250738585072014e-308",
        "2.225073858507201e-308",
        "1e-310",
        "-3e-320",
        "1.7976931348623158e308",
        "123456789.123456789e-3",
        "\"str\"",
        "\"\"",
        "\"e\\u0301\"",
        "\"\\ud83d\\ude00\"",
        "\"True\"",
        "\"a|b=c\"",
        "\"\xe4\xb8\xad\""};
    std::mt19937_64 rng(99);
    // Random doubles written the ways JSON producers write them.
    for (int i = 0; i < 1500; ++i) {
        std::uint64_t bits = rng();
        double value;
        std::memcpy(&value, &bits, sizeof(value));
        if (!std::isfinite(value))
            continue;
        const char* formats[] = {"%.17g", "%.3e", "%.15E", "%.25g", "%.1f"};
        const char* format = formats[rng() % 5];
        if (std::string(format) == "%.1f" && std::fabs(value) > 1e20)
            format = "%.6e";
        char text[512];
        std::snprintf(text, sizeof(text), format, value);
        std::string literal = text;
        if (literal.find_first_of(".eE") == std::string::npos)
            literal += ".0"; // keep it a float literal, as %g may drop the point
        literals.push_back(literal);
    }
    for (int i = 0; i < 300; ++i) { // integers of every size, beyond 64 bits too
        std::string digits = std::to_string(rng() >> (rng() % 64));
        if (digits != "0" && rng() % 3 == 0)
            digits += std::string(rng() % 280, '3'); // stays below DBL_MAX
        literals.push_back(rng() % 2 ? "-" + digits : digits);
    }

    std::string input;
    std::vector<std::string> lines;
    for (std::size_t i = 0; i < literals.size(); ++i) {
        // One or two fields per line, and a namespace now and then.
        std::string line = R"({"event_type":"metrics.sample","fields":{"v":)" + literals[i];
        if (i % 3 == 0)
            line += R"(,"b":)" + literals[(i * 7) % literals.size()];
        line += "}";
        if (i % 5 == 0)
            line += R"(,"namespace":"ns\u00e9")";
        line += "}";
        lines.push_back(line);
        input += line + "\n";
    }
    std::string out = bbtest::run_python(R"(
import json, sys, uuid
for line in open(sys.argv[1], encoding="utf-8"):
    r = json.loads(line)
    ns = r.get("namespace", "bloodbank")
    unique_key = "|".join(f"{k}={v}" for k, v in sorted(r["fields"].items()))
    print(uuid.uuid5(uuid.NAMESPACE_OID, f"{ns}:{r['event_type']}:{unique_key}"))
)",
                                         input);
    auto expected = bbtest::split_lines(out);
    REQUIRE(expected.size() == lines.size());
    bb::IdRequestReader reader; // one reader for all: buffers are reused
    for (std::size_t i = 0; i < lines.size(); ++i) {
        auto id = reader.id_for_line(lines[i]);
        REQUIRE_MESSAGE(id.has_value(), lines[i] << " -> " << id.error().message);
        CHECK_MESSAGE(id->str() == expected[i], lines[i]);
    }
}

TEST_CASE("id_request: --field arguments split at the first '='") {
    auto field = bb::parse_field_arg("a=b=c");
    REQUIRE(field.has_value());
    CHECK(field->first == "a");
    CHECK(field->second == "b=c");
    field = bb::parse_field_arg("=");
    REQUIRE(field.has_value());
    CHECK(field->first.empty());
    CHECK(field->second.empty());
    auto bad = bb::parse_field_arg("user_id");
    REQUIRE(!bad.has_value());
    CHECK(bad.error().kind == bb::ErrorKind::usage);
    CHECK(bad.error().message == "--field \"user_id\": expected KEY=VALUE");
}

TEST_CASE("id_request: parse_field_args is --field's and --id-key's one reader") {
    auto ok = bb::parse_field_args({"b=2", "a=x=y", "c="}, "--id-key", bb::ErrorKind::usage);
    REQUIRE(ok.has_value());
    CHECK(*ok == bb::IdFields{{"b", "2"}, {"a", "x=y"}, {"c", ""}});
    // The caller chooses the kind of text that is not UTF-8: 65 for bb-id, 64
    // for bb-publish; the rest is the same for both.
    auto data = bb::parse_field_args({"k=caf\xe9"}, "--field", bb::ErrorKind::data);
    REQUIRE_FALSE(data.has_value());
    CHECK(data.error().kind == bb::ErrorKind::data);
    CHECK(data.error().message == "--field k: invalid UTF-8 at byte 5");
    auto usage = bb::parse_field_args({"k=caf\xe9"}, "--id-key", bb::ErrorKind::usage);
    REQUIRE_FALSE(usage.has_value());
    CHECK(usage.error().kind == bb::ErrorKind::usage);
    CHECK(usage.error().message == "--id-key k: invalid UTF-8 at byte 5");
    // A key that is not text itself is not repeated in the message.
    auto bad_key = bb::parse_field_args({"\xff=v"}, "--id-key", bb::ErrorKind::usage);
    REQUIRE_FALSE(bad_key.has_value());
    CHECK(bad_key.error().message == "--id-key: invalid UTF-8 at byte 0");
    auto twice = bb::parse_field_args({"a=1", "b=2", "a=3"}, "--field", bb::ErrorKind::data);
    REQUIRE_FALSE(twice.has_value());
    CHECK(twice.error().kind == bb::ErrorKind::usage);
    CHECK(twice.error().message == "--field a: given more than once");
}

TEST_CASE("id_request: ids from command-line arguments") {
    bb::IdArgs args;
    args.event_type = "fireflies.transcript.upload";
    args.key = "meeting_abc123";
    CHECK(bb::id_for_args(args)->str() == vector1);

    args.key.reset();
    args.fields = {"user_id=user_456", "meeting_id=abc123"};
    CHECK(bb::id_for_args(args)->str() == vector2);

    // python3: uuid5(NAMESPACE_OID, "bloodbank:t:a=b=c") and "bloodbank:t:=v|k="
    args.event_type = "t";
    args.fields = {"a=b=c"};
    CHECK(bb::id_for_args(args)->str() == "0b069e36-497f-5972-9beb-12d9c5ae9df0");
    args.fields = {"k=", "=v"};
    CHECK(bb::id_for_args(args)->str() == "2d9befbf-b586-5c90-b819-590a45c17ff1");

    bb::IdArgs other{"test.event", "key_123", {}, "other_system"};
    CHECK(bb::id_for_args(other)->str() == vector3);
}

TEST_CASE("id_request: bad command-line arguments") {
    bb::IdArgs args;
    args.event_type = "t";
    args.fields = {"user_id=1", "other=2", "user_id=3"};
    auto id = bb::id_for_args(args);
    REQUIRE(!id.has_value());
    CHECK(id.error().kind == bb::ErrorKind::usage);
    CHECK(id.error().message == "--field user_id: given more than once");

    args.fields = {"novalue"};
    id = bb::id_for_args(args);
    REQUIRE(!id.has_value());
    CHECK(id.error().kind == bb::ErrorKind::usage);
    CHECK(id.error().message == "--field \"novalue\": expected KEY=VALUE");

    args.fields = {"k=ab\xff"};
    id = bb::id_for_args(args);
    REQUIRE(!id.has_value());
    CHECK(id.error().kind == bb::ErrorKind::data);
    CHECK(id.error().message == "--field k: invalid UTF-8 at byte 4");
    args.fields = {"k\xff=v"};
    CHECK(bb::id_for_args(args).error().message == "--field: invalid UTF-8 at byte 1");

    bb::IdArgs bad_type{"t\xc0\x80", "k", {}, "bloodbank"};
    id = bb::id_for_args(bad_type);
    REQUIRE(!id.has_value());
    CHECK(id.error().kind == bb::ErrorKind::data);
    CHECK(id.error().message == "TYPE: invalid UTF-8 at byte 1");

    bb::IdArgs bad_key{"t", "k\xed\xa0\x80", {}, "bloodbank"};
    CHECK(bb::id_for_args(bad_key).error().message == "KEY: invalid UTF-8 at byte 1");
    bb::IdArgs bad_ns{"t", "k", {}, "\x80"};
    CHECK(bb::id_for_args(bad_ns).error().message == "--namespace: invalid UTF-8 at byte 0");
}

TEST_CASE("id_request: check_utf8 accepts what Python can encode, nothing else") {
    CHECK(bb::check_utf8("").has_value());
    CHECK(bb::check_utf8("plain ascii \x01\x7f").has_value());
    CHECK(bb::check_utf8("\xc2\x80 \xdf\xbf \xe0\xa0\x80 \xed\x9f\xbf \xee\x80\x80 \xef\xbf\xbf "
                         "\xf0\x90\x80\x80 \xf4\x8f\xbf\xbf")
              .has_value());
    CHECK(utf8_error("ab\x80") == "invalid UTF-8 at byte 2");           // stray continuation
    CHECK(utf8_error("\xc0\xaf") == "invalid UTF-8 at byte 0");         // overlong '/'
    CHECK(utf8_error("\xc1\xbf") == "invalid UTF-8 at byte 0");         // overlong
    CHECK(utf8_error("a\xe0\x9f\xbf") == "invalid UTF-8 at byte 1");    // overlong 3-byte
    CHECK(utf8_error("\xed\xa0\x80") == "invalid UTF-8 at byte 0");     // surrogate U+D800
    CHECK(utf8_error("\xed\xbf\xbf") == "invalid UTF-8 at byte 0");     // surrogate U+DFFF
    CHECK(utf8_error("\xf0\x8f\xbf\xbf") == "invalid UTF-8 at byte 0"); // overlong 4-byte
    CHECK(utf8_error("\xf4\x90\x80\x80") == "invalid UTF-8 at byte 0"); // beyond U+10FFFF
    CHECK(utf8_error("\xf5\x80\x80\x80") == "invalid UTF-8 at byte 0");
    CHECK(utf8_error("ok\xe4\xb8") == "invalid UTF-8 at byte 2");   // truncated
    CHECK(utf8_error("\xe4\x41\x80") == "invalid UTF-8 at byte 0"); // bad continuation
    CHECK(utf8_error("\xff") == "invalid UTF-8 at byte 0");
}

TEST_CASE("id_request: a batch answers every line in order, bad lines with an empty line") {
    std::string input =
        R"({"event_type":"fireflies.transcript.upload","key":"meeting_abc123"})"
        "\n"
        "\n" // blank line: bad, but keeps its place
        R"({"key":"x"})"
        "\r\n"
        R"({"event_type":"test.event","key":"key_123","namespace":"other_system"})"
        "\r\n"
        R"({"event_type":"a","key":5})"
        "\n"
        R"({"event_type":"fireflies.transcript.upload","fields":{"meeting_id":"abc123","user_id":"user_456"}})"; // no final newline
    BatchRun run = run_batch(input);
    REQUIRE(run.summary.has_value());
    CHECK(run.summary->lines == 6);
    CHECK(run.summary->bad_lines == 3);
    CHECK(run.out == vector1 + "\n\n\n" + vector3 + "\n\n" + vector2 + "\n");
    REQUIRE(run.bad.size() == 3);
    CHECK(run.bad[0] ==
          std::pair<std::uint64_t, std::string>{2, "empty line (expected a JSON object)"});
    CHECK(run.bad[1] ==
          std::pair<std::uint64_t, std::string>{3, "event_type: required field is missing"});
    CHECK(run.bad[2] ==
          std::pair<std::uint64_t, std::string>{5, "key: expected a string, got integer"});
}

TEST_CASE("id_request: a batch uses the default namespace for lines without one") {
    BatchRun run = run_batch(R"({"event_type":"test.event","key":"key_123"})"
                             "\n",
                             "other_system");
    REQUIRE(run.summary.has_value());
    CHECK(run.out == vector3 + "\n");
}

TEST_CASE("id_request: an empty batch prints nothing") {
    BatchRun run = run_batch("");
    REQUIRE(run.summary.has_value());
    CHECK(run.summary->lines == 0);
    CHECK(run.out.empty());
    CHECK(run.bad.empty());
}

TEST_CASE("id_request: lines longer than the JSON limit are reported, not kept") {
    std::string good = R"({"event_type":"fireflies.transcript.upload","key":"meeting_abc123"})";
    // 3 MiB spans several reads; 1 MiB + 1 byte is the smallest line too long.
    std::string huge(3 * 1024 * 1024, ' ');
    std::string just_over(1024 * 1024 + 1, ' ');
    std::string at_limit = good + std::string(1024 * 1024 - good.size(), ' ');
    BatchRun run = run_batch(good + "\n" + huge + "\n" + good + "\n" + just_over + "\n" + at_limit +
                             "\n" + huge); // the last one without a newline
    REQUIRE(run.summary.has_value());
    CHECK(run.summary->lines == 6);
    CHECK(run.out == vector1 + "\n\n" + vector1 + "\n\n" + vector1 + "\n\n");
    REQUIRE(run.bad.size() == 3);
    CHECK(run.bad[0].first == 2);
    CHECK(run.bad[0].second == "line of 3145728 bytes is longer than the limit of 1048576 bytes");
    CHECK(run.bad[1].first == 4);
    CHECK(run.bad[1].second == "line of 1048577 bytes is longer than the limit of 1048576 bytes");
    CHECK(run.bad[2].first == 6);
    CHECK(run.bad[2].second == "line of 3145728 bytes is longer than the limit of 1048576 bytes");
}

TEST_CASE("id_request: a batch from a missing file is an I/O error") {
    auto summary = bb::run_id_batch("/nonexistent/requests.ndjson", 1, "bloodbank",
                                    [](std::uint64_t, const bb::Error&) {});
    REQUIRE(!summary.has_value());
    CHECK(summary.error().kind == bb::ErrorKind::io);
    CHECK(summary.error().message == "/nonexistent/requests.ndjson: No such file or directory");
}

TEST_CASE("id_request: write_new_ids writes count ids, one per line") {
    TempDir dir;
    auto path = dir.path / "ids.txt";
    int fd = open(path.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0600);
    REQUIRE(fd >= 0);
    REQUIRE(bb::write_new_ids(fd, 0, bb::uuid_v7).has_value());
    REQUIRE(bb::write_new_ids(fd, 20000, bb::uuid_v7).has_value());
    close(fd);
    std::ifstream in(path);
    std::string line, previous;
    int count = 0;
    while (std::getline(in, line)) {
        auto id = bb::parse_uuid(line);
        REQUIRE(id.has_value());
        CHECK(id->version() == 7);
        CHECK(previous < line);
        previous = line;
        ++count;
    }
    CHECK(count == 20000);
}

TEST_CASE("id_request: writing to a closed descriptor is an I/O error") {
    int fds[2];
    REQUIRE(pipe(fds) == 0);
    close(fds[1]);
    // fds[1] is now closed: write(2) fails with EBADF.
    auto written = bb::write_new_ids(fds[1], 1, bb::uuid_v4);
    close(fds[0]);
    REQUIRE(!written.has_value());
    CHECK(written.error().kind == bb::ErrorKind::io);
    CHECK(written.error().message == "write error: Bad file descriptor");
}
