// bb-publish and the event catalog: --list-types, --schema, payloads checked
// against their schema, --strict and --no-validate. Expected types and
// schema texts are read from schemas/ in the source tree; messages are
// written from the wording.
#include "support/lines.hpp"
#include "test_bb_publish_support.hpp"

#include <rapidjson/document.h>

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <map>
#include <string>
#include <vector>

using namespace bbtest;
using namespace bbtest::publish;

namespace {

std::string read_text(const std::filesystem::path& path) {
    std::ifstream in(path);
    REQUIRE_MESSAGE(in.good(), path);
    return {std::istreambuf_iterator<char>(in), {}};
}

std::filesystem::path payload_schemas() {
    return std::filesystem::path(BB_SOURCE_DIR) / "schemas" / "payload";
}

// type or alias -> (the type it names, title), from the schema files' own
// "x-event-types" and "title".
std::map<std::string, std::pair<std::string, std::string>> catalog_from_files() {
    std::map<std::string, std::pair<std::string, std::string>> types;
    for (const auto& file : std::filesystem::directory_iterator(payload_schemas())) {
        rapidjson::Document doc;
        std::string text = read_text(file.path());
        doc.Parse(text.c_str());
        REQUIRE(!doc.HasParseError());
        std::string title = doc["title"].GetString();
        for (const auto& type : doc["x-event-types"].GetObject()) {
            std::string name = type.name.GetString();
            types[name] = {name, title};
            for (const auto& alias : type.value.GetArray())
                types[alias.GetString()] = {name, title};
        }
    }
    return types;
}

// A clean environment whose broker and Redis would refuse any connection:
// whatever succeeds here connected to nothing.
RunOptions offline(const std::string& input = "") {
    RunOptions o;
    o.input = input;
    o.cwd = make_temp_dir();
    o.env = {{"RABBIT_URL", "amqp://guest:guest@127.0.0.1:1/"},
             {"REDIS_HOST", "127.0.0.1"},
             {"REDIS_PORT", "1"}};
    return o;
}

RunResult bb_publish(const std::vector<std::string>& args, const RunOptions& o = offline()) {
    return Bus::run_publish(args, o);
}

const std::string upload_type = "fireflies.transcript.upload";

std::string upload(const std::string& duration) {
    return "{\"event_type\":\"" + upload_type +
           "\",\"payload\":{\"media_file\":\"a.mp3\",\"media_duration_seconds\":" + duration +
           ",\"media_type\":\"audio/mpeg\"}}";
}

// A fireflies.transcript.ready payload, valid but for the fourth sentence's
// sentiment when `sentiment` is not one of the allowed values.
std::string ready_payload(const std::string& sentiment) {
    std::string sentences;
    for (int i = 0; i < 5; ++i) {
        sentences += std::string(i ? "," : "") + "{\"index\":" + std::to_string(i) +
                     ",\"speaker_id\":1,\"raw_text\":\"hi\",\"text\":\"hi\",\"start_time\":1.5,"
                     "\"end_time\":2,\"ai_filters\":{\"text_cleanup\":\"hi\",\"sentiment\":\"" +
                     (i == 3 ? sentiment : "neutral") + "\"}}";
    }
    return "{\"id\":\"t1\",\"title\":\"Standup\",\"date\":\"2025-10-18T14:00:00Z\",\"duration\":15,"
           "\"transcript_url\":\"https://example.com/t1\",\"sentences\":[" +
           sentences +
           "],\"user\":{\"user_id\":\"u1\",\"email\":\"a@example.com\",\"name\":\"A\","
           "\"num_transcripts\":1,\"minutes_consumed\":2.5,\"is_admin\":false},"
           "\"host_email\":\"a@example.com\",\"organizer_email\":\"a@example.com\","
           "\"privacy\":\"link\"}";
}

} // namespace

TEST_CASE("bb-publish: --list-types prints every type and alias of schemas/ with its title") {
    auto r = bb_publish({"--list-types"});
    CHECK(r.status == 0);
    CHECK(r.err.empty());
    auto lines = bbtest::split_lines(r.out);
    auto expected = catalog_from_files();
    REQUIRE(expected.size() >= 14);
    REQUIRE(lines.size() == expected.size());
    auto it = expected.begin();
    for (const auto& line : lines) {
        const auto& [name, target] = *it++;
        CAPTURE(line);
        // "TYPE  TITLE" or "ALIAS  TITLE (alias of TYPE)", types sorted.
        std::string description = target.first == name
                                      ? target.second
                                      : target.second + " (alias of " + target.first + ")";
        REQUIRE(line.rfind(name + " ", 0) == 0);
        std::size_t text = line.find_first_not_of(' ', name.size());
        CHECK(text >= name.size() + 2);
        CHECK(line.substr(text) == description);
    }
    // The columns line up.
    for (const auto& line : lines)
        CHECK(line.find_first_not_of(' ', line.find(' ')) ==
              lines[0].find_first_not_of(' ', lines[0].find(' ')));
}

TEST_CASE("bb-publish: --schema prints the stored schema of a type or an alias") {
    std::string prompt = read_text(payload_schemas() / "llm.prompt.json");
    auto r = bb_publish({"--schema", "llm.prompt"});
    CHECK(r.status == 0);
    CHECK(r.out == prompt);
    CHECK(r.err.empty());
    CHECK(bb_publish({"--schema", "agent.thread.prompt"}).out == prompt);
    // One schema serves the three artifact events.
    CHECK(bb_publish({"--schema=artifact.deleted"}).out ==
          read_text(payload_schemas() / "artifact.json"));
}

TEST_CASE("bb-publish: --schema of an unknown type and bad combinations exit 64") {
    auto r = bb_publish({"--schema", "foo.bar"});
    CHECK(r.status == 64);
    CHECK(r.out.empty());
    CHECK(r.err == "bb-publish: --schema: \"foo.bar\" is not a known event type (see bb-publish "
                   "--list-types)\n");

    r = bb_publish({"--list-types", "--schema", "llm.prompt"});
    CHECK(r.status == 64);
    CHECK(r.out.empty());
    CHECK(r.err == "bb-publish: --list-types and --schema cannot be combined\n");

    r = bb_publish({"--schema"});
    CHECK(r.status == 64);
    CHECK(r.out.empty());

    r = bb_publish({"--dry-run", "--strict", "--type", "foo.bar"}, offline("{}\n"));
    CHECK(r.status == 64);
    CHECK(r.out.empty());
    CHECK(r.err == "bb-publish: --type: \"foo.bar\" is not a known event type (see bb-publish "
                   "--list-types)\n");
}

TEST_CASE("bb-publish: a payload that does not match its schema is an invalid line") {
    std::string input =
        upload("60") + "\n" + upload("\"60\"") + "\n" +
        "{\"event_type\":\"fireflies.transcript.ready\",\"payload\":" + ready_payload("happy") +
        "}\n" + "{\"event_type\":\"llm.prompt\",\"payload\":{\"prompt\":\"hi\"}}\n" +
        "{\"event_type\":\"fireflies.transcript.ready\",\"payload\":" + ready_payload("positive") +
        "}\n" +
        "{\"event_type\":\"agent.thread.prompt\",\"payload\":{\"provider\":1,"
        "\"prompt\":\"hi\"}}\n" +
        "{\"event_type\":\"not.in.catalog\",\"payload\":{\"anything\":true}}\n";
    auto r = bb_publish({"--dry-run", "--report"}, offline(input));
    CHECK(r.status == 65);
    auto report = bbtest::split_lines(r.out);
    REQUIRE(report.size() == 7);
    for (int valid : {0, 4, 6})
        CHECK_MESSAGE(report[valid].find("\"status\":\"valid\"") != std::string::npos,
                      report[valid]);
    for (int invalid : {1, 2, 3, 5})
        CHECK_MESSAGE(report[invalid].find("\"status\":\"invalid\"") != std::string::npos,
                      report[invalid]);
    CHECK(r.err ==
          "bb-publish: line 2: payload.media_duration_seconds: expected an integer, got string\n"
          "bb-publish: line 3: payload.sentences[3].ai_filters.sentiment: \"happy\" is not one "
          "of positive, negative, neutral\n"
          "bb-publish: line 4: payload.provider: required field is missing\n"
          "bb-publish: line 6: payload.provider: expected a string, got integer\n"
          "bb-publish: valid 3, invalid 4 in " +
              r.err.substr(r.err.rfind(" in ") + 4));

    // --no-validate lets every payload through.
    r = bb_publish({"--dry-run", "--output", "id", "--no-validate", "-v"}, offline(input));
    CHECK(r.status == 0);
    CHECK(bbtest::split_lines(r.out).size() == 7);
    CHECK(r.err.rfind("bb-publish: valid 7, invalid 0 in ", 0) == 0);
}

TEST_CASE("bb-publish: --type payloads are validated too") {
    auto r = bb_publish({"--dry-run", "--output", "id", "--type", "llm.prompt"},
                        offline("{\"provider\":\"x\",\"prompt\":\"hi\"}\n{\"provider\":\"x\"}\n"));
    CHECK(r.status == 65);
    CHECK(bbtest::split_lines(r.out).size() == 1);
    CHECK(r.err.rfind("bb-publish: line 2: payload.prompt: required field is missing\n", 0) == 0);
}

TEST_CASE("bb-publish: --strict refuses types that are not in the catalog") {
    std::string input = "{\"event_type\":\"foo.bar\",\"payload\":1}\n" + upload("60") + "\n" +
                        "{\"event_type\":\"agent.thread.error\",\"payload\":{\"provider\":\"x\","
                        "\"error_message\":\"boom\"}}\n";
    auto r = bb_publish({"--dry-run", "--strict", "--report"}, offline(input));
    CHECK(r.status == 65);
    auto report = bbtest::split_lines(r.out);
    REQUIRE(report.size() == 3);
    CHECK(report[0] ==
          "{\"line\":1,\"event_id\":null,\"status\":\"invalid\",\"attempts\":0,\"error\":"
          "\"event_type: \\\"foo.bar\\\" is not a known event type (see bb-publish "
          "--list-types)\"}");
    CHECK(report[1].find("\"status\":\"valid\"") != std::string::npos);
    CHECK_MESSAGE(report[2].find("\"status\":\"valid\"") != std::string::npos, report[2]);
    CHECK(r.err.rfind("bb-publish: line 1: event_type: \"foo.bar\" is not a known event type "
                      "(see bb-publish --list-types)\n",
                      0) == 0);

    // Without --strict the bus is open.
    r = bb_publish({"--dry-run", "--output", "id"}, offline(input));
    CHECK(r.status == 0);
    CHECK(bbtest::split_lines(r.out).size() == 3);
}

TEST_CASE("bb-publish: an invalid payload is not published, the lines around it are") {
    auto s = services();
    if (!s)
        return;
    Bus bus(*s);
    EnvelopeSpec first, last;
    first.event_type = last.event_type = upload_type;
    first.payload = "{\"media_file\":\"a.mp3\",\"media_duration_seconds\":60,"
                    "\"media_type\":\"audio/mpeg\"}";
    last.payload = first.payload;
    auto r =
        bus.publish({}, canonical(first) + "\n" + upload("60.5") + "\n" + canonical(last) + "\n");
    CHECK(r.status == 65);
    CHECK(bbtest::split_lines(r.out) == std::vector<std::string>{first.event_id, last.event_id});
    CHECK(r.err.rfind("bb-publish: line 2: payload.media_duration_seconds: expected an integer, "
                      "got number\n",
                      0) == 0);
    auto got = bus.admin.drain(bus.queue);
    REQUIRE(got.size() == 2);
    CHECK(got[0].body == canonical(first));
    CHECK(got[1].body == canonical(last));
}
