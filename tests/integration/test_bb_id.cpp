// bb-id end to end: the real binary, its output, messages and exit codes.
// No services needed.
#include "support/lines.hpp"
#include "support/process.hpp"

#include "bloodbank/uuid.hpp"

#include <doctest/doctest.h>

#include <filesystem>
#include <fstream>
#include <set>
#include <string>
#include <vector>

namespace {

// DESIGN §3 check vectors.
const std::string vector1 = "92ac3d31-3cbb-5518-9cc9-eaa1d1198639";
const std::string vector2 = "dcbf406d-aaae-5a9a-8b36-38bb4f5ac1e7";
const std::string vector3 = "ec729c22-7ab4-5b35-b78b-a3ba3397746d";

bbtest::RunResult bb_id(std::vector<std::string> args, std::string input = "") {
    args.insert(args.begin(), bbtest::binary("bb-id"));
    bbtest::RunOptions options;
    options.input = std::move(input);
    return bbtest::run(args, options);
}

void check_usage_error(std::vector<std::string> args, const std::string& message) {
    auto r = bb_id(args);
    CAPTURE(r.err);
    CHECK(r.status == 64);
    CHECK(r.out.empty());
    CHECK(r.err == "bb-id: " + message + " (see bb-id --help)\n");
}

} // namespace

TEST_CASE("bb-id: TYPE KEY prints the deterministic id") {
    auto r = bb_id({"fireflies.transcript.upload", "meeting_abc123"});
    CHECK(r.status == 0);
    CHECK(r.out == vector1 + "\n");
    CHECK(r.err.empty());
}

TEST_CASE("bb-id: --field pairs in any order give the fields id") {
    auto r = bb_id({"fireflies.transcript.upload", "--field", "meeting_id=abc123", "--field",
                    "user_id=user_456"});
    CHECK(r.status == 0);
    CHECK(r.out == vector2 + "\n");
    r = bb_id({"-f", "user_id=user_456", "fireflies.transcript.upload", "-f", "meeting_id=abc123"});
    CHECK(r.status == 0);
    CHECK(r.out == vector2 + "\n");
}

TEST_CASE("bb-id: --namespace changes the id") {
    auto r = bb_id({"--namespace", "other_system", "test.event", "key_123"});
    CHECK(r.status == 0);
    CHECK(r.out == vector3 + "\n");
}

TEST_CASE("bb-id: a KEY that starts with a dash comes after --") {
    // python3: uuid.uuid5(uuid.NAMESPACE_OID, "bloodbank:test.event:-k")
    auto r = bb_id({"--", "test.event", "-k"});
    CHECK(r.status == 0);
    CHECK(r.out == "6bacd806-114c-5a81-8f4e-cbd054952b33\n");
}

TEST_CASE("bb-id: --random prints v4 ids, --count of them") {
    auto r = bb_id({"--random"});
    CHECK(r.status == 0);
    auto lines = bbtest::split_lines(r.out);
    REQUIRE(lines.size() == 1);
    CHECK(bb::parse_uuid(lines[0])->version() == 4);

    r = bb_id({"--random", "-n", "1000"});
    CHECK(r.status == 0);
    lines = bbtest::split_lines(r.out);
    CHECK(lines.size() == 1000);
    std::set<std::string> unique(lines.begin(), lines.end());
    CHECK(unique.size() == 1000);
    for (const auto& line : lines) {
        auto id = bb::parse_uuid(line);
        REQUIRE(id.has_value());
        CHECK(id->version() == 4);
        CHECK(line == id->str()); // lowercase canonical
    }

    r = bb_id({"--random", "--count", "0"});
    CHECK(r.status == 0);
    CHECK(r.out.empty());
}

TEST_CASE("bb-id: --time prints increasing v7 ids") {
    auto r = bb_id({"--time", "--count", "5000"});
    CHECK(r.status == 0);
    auto lines = bbtest::split_lines(r.out);
    REQUIRE(lines.size() == 5000);
    for (std::size_t i = 0; i < lines.size(); ++i) {
        auto id = bb::parse_uuid(lines[i]);
        REQUIRE(id.has_value());
        CHECK(id->version() == 7);
        if (i > 0)
            CHECK(lines[i - 1] < lines[i]);
    }
}

TEST_CASE("bb-id: --batch answers each line, a bad line with an empty line and exit 65") {
    std::string input = R"({"event_type":"fireflies.transcript.upload","key":"meeting_abc123"})"
                        "\n"
                        R"({"event_type":"fireflies.transcript.upload","fields":)"
                        R"({"meeting_id":"abc123","user_id":"user_456"}})"
                        "\n"
                        R"({"key":"x"})"
                        "\n"
                        R"({"event_type":"test.event","key":"key_123","namespace":"other_system"})"
                        "\n"
                        "\n"
                        R"({"event_type":"a","key":5})";
    auto r = bb_id({"--batch"}, input);
    CHECK(r.status == 65);
    CHECK(r.out == vector1 + "\n" + vector2 + "\n\n" + vector3 + "\n\n\n");
    CHECK(r.err == "bb-id: line 3: event_type: required field is missing\n"
                   "bb-id: line 5: empty line (expected a JSON object)\n"
                   "bb-id: line 6: key: expected a string, got integer\n");
}

TEST_CASE("bb-id: --batch with only good lines exits 0") {
    auto r = bb_id({"--batch", "--namespace", "other_system"},
                   R"({"event_type":"test.event","key":"key_123"})"
                   "\n");
    CHECK(r.status == 0);
    CHECK(r.out == vector3 + "\n");
    CHECK(r.err.empty());
    r = bb_id({"--batch"}, "");
    CHECK(r.status == 0);
    CHECK(r.out.empty());
}

TEST_CASE("bb-id: --batch --file reads a file, - is stdin") {
    std::string dir = bbtest::make_temp_dir();
    std::string path = dir + "/requests.ndjson";
    std::ofstream(path) << R"({"event_type":"fireflies.transcript.upload","key":"meeting_abc123"})"
                        << "\n";
    auto r = bb_id({"--batch", "--file", path}, "ignored");
    CHECK(r.status == 0);
    CHECK(r.out == vector1 + "\n");
    r = bb_id({"--batch", "--file", "-"},
              R"({"event_type":"test.event","key":"key_123","namespace":"other_system"})");
    CHECK(r.status == 0);
    CHECK(r.out == vector3 + "\n");
    r = bb_id({"--batch", "--file", dir + "/missing.ndjson"});
    CHECK(r.status == 74);
    CHECK(r.out.empty());
    CHECK(r.err == "bb-id: " + dir + "/missing.ndjson: No such file or directory\n");
    std::filesystem::remove_all(dir);
}

TEST_CASE("bb-id: usage errors exit 64 with a message") {
    check_usage_error({}, "nothing to do: give TYPE and KEY, TYPE and --field, --random, --time "
                          "or --batch");
    check_usage_error({"a.b"}, "TYPE needs a KEY or at least one --field");
    check_usage_error({"a.b", "k", "--field", "x=1"}, "KEY and --field are mutually exclusive");
    check_usage_error({"--random", "--time"},
                      "--random, --time and --batch are mutually exclusive");
    check_usage_error({"--time", "--batch"}, "--random, --time and --batch are mutually exclusive");
    check_usage_error({"--random", "a.b", "k"}, "--random takes no TYPE or KEY");
    check_usage_error({"--batch", "a.b"}, "--batch takes no TYPE or KEY");
    check_usage_error({"--time", "--field", "x=1"}, "--time takes no --field");
    check_usage_error({"a.b", "k", "-n", "3"}, "--count applies only to --random and --time");
    check_usage_error({"--batch", "--count", "3"}, "--count applies only to --random and --time");
    check_usage_error({"a.b", "k", "--file", "x"}, "--file applies only to --batch");
    check_usage_error({"--random", "--namespace", "x"}, "--namespace does not apply to --random");
    check_usage_error({"--random", "-n", "-1"}, "--count: expected a whole number, got \"-1\"");
    check_usage_error({"--time", "--count", "99999999999999999999"},
                      "--count: expected a whole number, got \"99999999999999999999\"");
    check_usage_error({"a.b", "--field", "novalue"}, "--field \"novalue\": expected KEY=VALUE");
    check_usage_error({"a.b", "--field", "user_id=1", "--field", "user_id=2"},
                      "--field user_id: given more than once");
}

TEST_CASE("bb-id: command-line parse errors exit 64") {
    const std::vector<std::vector<std::string>> cases = {
        {"--bogus"},
        {"--random", "-n", "many"},
        {"--random", "-n", "-1"},
        {"a", "b", "c"},
        {std::string("a.b"), std::string("--field")}};
    for (const auto& args : cases) {
        auto r = bb_id(args);
        CAPTURE(args[0]);
        CHECK(r.status == 64);
        CHECK(r.out.empty());
        CHECK(r.err.rfind("bb-id: ", 0) == 0);
        CHECK(r.err.find("(see bb-id --help)") != std::string::npos);
    }
}

TEST_CASE("bb-id: text that is not UTF-8 exits 65") {
    auto r = bb_id({"a.b", "k\xff"});
    CHECK(r.status == 65);
    CHECK(r.out.empty());
    CHECK(r.err == "bb-id: KEY: invalid UTF-8 at byte 1\n");
}

TEST_CASE("bb-id: --version and --help") {
    auto r = bb_id({"--version"});
    CHECK(r.status == 0);
    CHECK(r.out == std::string("bb-id (bloodbank) ") + BB_VERSION + "\n");

    r = bb_id({"--help"});
    CHECK(r.status == 0);
    for (const char* text : {"--field", "--namespace", "--random", "--time", "--count", "--batch",
                             "--file", "--version", "Examples:", "bb-id TYPE KEY"})
        CHECK_MESSAGE(r.out.find(text) != std::string::npos, text);
}
