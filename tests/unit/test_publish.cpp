#include "bloodbank/publish.hpp"

#include <doctest/doctest.h>

#include <csignal>
#include <string>
#include <unistd.h>
#include <vector>

namespace {

const char* const parent_a = "11111111-2222-4333-8444-555555555555";
const char* const parent_b = "aaaaaaaa-bbbb-4ccc-8ddd-eeeeeeeeeeee";

bb::Uuid uuid(const char* text) {
    return *bb::parse_uuid(text);
}

std::string ids_of(const bb::Envelope& e) {
    std::string out;
    for (const auto& id : e.correlation_ids)
        out += id.str() + ";";
    return out;
}

struct Recorder : bb::PublishSink {
    std::vector<bb::LineOutcome> outcomes;
    // Copies: the outcome's views are valid during the call only.
    std::vector<std::string> envelopes, errors, types;
    void outcome(const bb::LineOutcome& o) override {
        outcomes.push_back(o);
        envelopes.emplace_back(o.envelope_json);
        errors.emplace_back(o.error);
        types.emplace_back(o.event_type);
        outcomes.back().envelope_json = outcomes.back().error = outcomes.back().event_type = {};
    }
};

// Runs a dry run over `input` through a pipe.
bb::PublishSummary dry_run(const std::string& input, Recorder& sink,
                           const bb::EnvelopeRecipe& recipe = {}, std::size_t max = 1024) {
    int fds[2];
    REQUIRE(pipe(fds) == 0);
    REQUIRE(write(fds[1], input.data(), input.size()) == static_cast<ssize_t>(input.size()));
    close(fds[1]);
    bb::LineReader reader(fds[0], max);
    bb::PipelineOptions options;
    options.dry_run = true;
    options.keep_envelopes = true;
    auto summary = bb::run_publish(reader, recipe, options, nullptr, nullptr, sink);
    close(fds[0]);
    return summary;
}

} // namespace

TEST_CASE("publish: --parent ids are appended after the input's own, without duplicates") {
    bb::EnvelopeRecipe recipe;
    recipe.parents = {uuid(parent_b), uuid(parent_a)};
    auto e = bb::prepare_envelope(std::string("{\"event_type\":\"t\",\"correlation_ids\":[\"") +
                                      parent_a + "\"],\"payload\":1}",
                                  recipe);
    REQUIRE(e.has_value());
    CHECK(ids_of(*e) == std::string(parent_a) + ";" + parent_b + ";");
}

TEST_CASE("publish: --id-key makes the DESIGN id, replacing the input's") {
    bb::EnvelopeRecipe recipe;
    recipe.id_fields = bb::IdFields{{"user_id", "user_456"}, {"meeting_id", "abc123"}};
    auto e = bb::prepare_envelope(
        "{\"event_id\":\"" + std::string(parent_a) +
            "\",\"event_type\":\"fireflies.transcript.upload\",\"payload\":{\"media_file\":\"a\","
            "\"media_duration_seconds\":1,\"media_type\":\"t\"}}",
        recipe);
    REQUIRE(e.has_value());
    CHECK(e->event_id.str() == "dcbf406d-aaae-5a9a-8b36-38bb4f5ac1e7");

    recipe.id_namespace = "other_system";
    recipe.id_fields = bb::IdFields{};
    auto other = bb::prepare_envelope("{\"event_type\":\"test.event\",\"payload\":{}}", recipe);
    REQUIRE(other.has_value());
    // uuid5(NAMESPACE_OID, "other_system:test.event:") computed with Python.
    CHECK(other->event_id.str() == "7920d945-f291-564f-9da9-8da878f276b1");
}

TEST_CASE("publish: --type wraps the record as the payload") {
    bb::EnvelopeRecipe recipe;
    recipe.wrap_type = "llm.prompt";
    recipe.envelope.defaults.source_app = "script";
    auto e = bb::prepare_envelope("{\"prompt\":\"hi\",\"provider\":\"x\"}", recipe);
    REQUIRE(e.has_value());
    CHECK(e->event_type == "llm.prompt");
    CHECK(e->payload == "{\"prompt\":\"hi\",\"provider\":\"x\"}");
    CHECK(e->source.app == "script");
    auto bad = bb::prepare_envelope("{\"prompt\":", recipe);
    REQUIRE_FALSE(bad.has_value());
    CHECK(bad.error().kind == bb::ErrorKind::data);
    CHECK(bad.error().message.rfind("payload: invalid JSON at byte ", 0) == 0);
}

TEST_CASE("publish: --id-key arguments are checked like bb-id's --field") {
    auto ok = bb::parse_id_keys({"b=2", "a=x=y", "c="});
    REQUIRE(ok.has_value());
    CHECK(*ok == bb::IdFields{{"b", "2"}, {"a", "x=y"}, {"c", ""}});
    auto missing = bb::parse_id_keys({"novalue"});
    REQUIRE_FALSE(missing.has_value());
    CHECK(missing.error().kind == bb::ErrorKind::usage);
    CHECK(missing.error().message == "--id-key \"novalue\": expected KEY=VALUE");
    auto twice = bb::parse_id_keys({"a=1", "a=2"});
    REQUIRE_FALSE(twice.has_value());
    CHECK(twice.error().message == "--id-key a: given more than once");
    auto utf8 = bb::parse_id_keys({"k=caf\xe9"});
    REQUIRE_FALSE(utf8.has_value());
    CHECK(utf8.error().message == "--id-key k: invalid UTF-8 at byte 5");
}

TEST_CASE("publish: a --type that is no event type is a usage error") {
    bb::EnvelopeRecipe recipe;
    recipe.wrap_type = "";
    auto r = bb::check_recipe(recipe);
    REQUIRE_FALSE(r.has_value());
    CHECK(r.error().kind == bb::ErrorKind::usage);
    CHECK(r.error().message.rfind("--type: ", 0) == 0);
    recipe.wrap_type = "fine.type";
    CHECK(bb::check_recipe(recipe).has_value());
}

TEST_CASE("publish: a known type's payload is checked against its schema") {
    bb::EnvelopeRecipe recipe;
    auto bad = bb::prepare_envelope(
        R"({"event_type":"llm.prompt","payload":{"provider":"x","prompt":7}})", recipe);
    REQUIRE_FALSE(bad.has_value());
    CHECK(bad.error().kind == bb::ErrorKind::data);
    CHECK(bad.error().message == "payload.prompt: expected a string, got integer");

    // An alias names the same schema; --type payloads are checked the same way.
    auto alias =
        bb::prepare_envelope(R"({"event_type":"agent.thread.prompt","payload":{}})", recipe);
    REQUIRE_FALSE(alias.has_value());
    CHECK(alias.error().message.rfind("payload.", 0) == 0);
    recipe.wrap_type = "llm.prompt";
    auto wrapped = bb::prepare_envelope(R"({"provider":"x"})", recipe);
    REQUIRE_FALSE(wrapped.has_value());
    CHECK(wrapped.error().message == "payload.prompt: required field is missing");

    // --no-validate; and unknown types pass without --strict.
    recipe.check_payloads = false;
    CHECK(bb::prepare_envelope(R"({"provider":"x"})", recipe).has_value());
    recipe = {};
    CHECK(
        bb::prepare_envelope(R"({"event_type":"a.b","payload":{"prompt":7}})", recipe).has_value());
}

TEST_CASE("publish: a payload within the recipe's limits is validated, however large") {
    bb::EnvelopeRecipe recipe;
    recipe.envelope.limits.max_bytes = 4 * 1024 * 1024;
    std::string prompt(2 * 1024 * 1024, 'p'); // more than parse_json's default limit
    auto e = bb::prepare_envelope(
        R"({"event_type":"llm.prompt","payload":{"provider":"x","prompt":")" + prompt + R"("}})",
        recipe);
    CHECK(e.has_value());
}

TEST_CASE("publish: --strict refuses types that are not in the catalog") {
    bb::EnvelopeRecipe recipe;
    recipe.strict = true;
    auto unknown = bb::prepare_envelope(R"({"event_type":"foo.bar","payload":1})", recipe);
    REQUIRE_FALSE(unknown.has_value());
    CHECK(unknown.error().kind == bb::ErrorKind::data);
    CHECK(unknown.error().message ==
          "event_type: \"foo.bar\" is not a known event type (see bb-publish --list-types)");
    CHECK(bb::prepare_envelope(
              R"({"event_type":"agent.thread.prompt","payload":{"provider":"x","prompt":"y"}})",
              recipe)
              .has_value());
    // Still refused when payloads are not validated.
    recipe.check_payloads = false;
    CHECK_FALSE(
        bb::prepare_envelope(R"({"event_type":"foo.bar","payload":1})", recipe).has_value());

    recipe.wrap_type = "foo.bar";
    auto usage = bb::check_recipe(recipe);
    REQUIRE_FALSE(usage.has_value());
    CHECK(usage.error().kind == bb::ErrorKind::usage);
    CHECK(usage.error().message ==
          "--type: \"foo.bar\" is not a known event type (see bb-publish --list-types)");
    recipe.wrap_type = "llm.error";
    CHECK(bb::check_recipe(recipe).has_value());
    recipe.strict = false;
    recipe.wrap_type = "foo.bar";
    CHECK(bb::check_recipe(recipe).has_value());
}

TEST_CASE("publish: report lines") {
    bb::LineOutcome o;
    o.line = 7;
    o.status = bb::LineStatus::nacked;
    o.event_id = uuid(parent_a);
    o.attempts = 2;
    std::string out;
    bb::append_report_line(o, out);
    CHECK(out == "{\"line\":7,\"event_id\":\"11111111-2222-4333-8444-555555555555\","
                 "\"status\":\"nacked\",\"attempts\":2}");

    bb::LineOutcome bad;
    bad.line = 3;
    bad.status = bb::LineStatus::invalid;
    std::string error = "source.type: \"x\\y\"\n\x01 caf\xe9";
    bad.error = error;
    out.clear();
    bb::append_report_line(bad, out);
    CHECK(out == "{\"line\":3,\"event_id\":null,\"status\":\"invalid\",\"attempts\":0,\"error\":"
                 "\"source.type: \\\"x\\\\y\\\"\\n\\u0001 caf\xef\xbf\xbd\"}");
}

TEST_CASE("publish: the summary line") {
    bb::PublishSummary s;
    s.published = 998;
    s.invalid = 2;
    s.elapsed = std::chrono::duration<double>(0.42);
    CHECK(bb::summary_text(s, false) ==
          "published 998, invalid 2, failed 0 in 0.42 s (2376 events/s)");
    s.nacked = 1;
    s.returned = 2;
    s.unconfirmed = 3;
    CHECK(bb::summary_text(s, false) ==
          "published 998, invalid 2, failed 6 in 0.42 s (2376 events/s)");
    s.valid = 5;
    CHECK(bb::summary_text(s, true) == "valid 5, invalid 2 in 0.42 s");
}

TEST_CASE("publish: exit status, first that applies: 74, 69, 79, 65, 0") {
    bb::PublishSummary s;
    CHECK(bb::publish_exit_status(s, true) == 0);
    s.invalid = 1;
    CHECK(bb::publish_exit_status(s, false) == 65);
    s.tracking.enabled = true;
    s.tracking.links_not_written = 1;
    CHECK(bb::publish_exit_status(s, false) == 65);
    CHECK(bb::publish_exit_status(s, true) == 79); // published, links missing
    s.tracking = {};
    s.returned = 1;
    CHECK(bb::publish_exit_status(s, false) == 69);
    s.returned = 0;
    s.broker_error = bb::make_error(bb::ErrorKind::unavailable, "gone");
    CHECK(bb::publish_exit_status(s, false) == 69);
    s.input_error = bb::make_error(bb::ErrorKind::io, "cannot read");
    CHECK(bb::publish_exit_status(s, false) == 74);

    bb::PublishSummary quiet_broker;
    quiet_broker.broker_error = bb::make_error(bb::ErrorKind::unavailable, "gone");
    CHECK(bb::publish_exit_status(quiet_broker, false) == 69);

    bb::PublishSummary down;
    down.tracking.enabled = true;
    down.tracking.failure = bb::make_error(bb::ErrorKind::unavailable, "Redis down");
    CHECK(bb::publish_exit_status(down, false) == 0);
    CHECK(bb::publish_exit_status(down, true) == 79);
}

TEST_CASE("publish: exit status with a spool and signals: 74, 130/143, 69, 75, 65") {
    bb::PublishSummary s;
    s.invalid = 1;
    s.spooled = 3;
    s.broker_error = bb::make_error(bb::ErrorKind::unavailable, "gone"); // kept, so not 69
    CHECK(bb::publish_exit_status(s, false) == 75);
    s.unconfirmed = 1; // one that the spool did not keep
    CHECK(bb::publish_exit_status(s, false) == 69);
    s.unconfirmed = 0;
    s.input_stopped = true;
    CHECK(bb::publish_exit_status(s, false) == 69);
    s.input_stopped = false;
    s.signal = SIGTERM;
    CHECK(bb::publish_exit_status(s, false) == 143);
    s.signal = SIGINT;
    CHECK(bb::publish_exit_status(s, false) == 130);
    s.spool_error = bb::make_error(bb::ErrorKind::io, "spool /x: disk full; line 4 on");
    CHECK(bb::publish_exit_status(s, false) == 74);

    bb::PublishSummary only_invalid;
    only_invalid.invalid = 2;
    only_invalid.spooled = 0;
    CHECK(bb::publish_exit_status(only_invalid, false) == 65);
    only_invalid.spooled = 1;
    CHECK(bb::publish_exit_status(only_invalid, false) == 75);
}

TEST_CASE("publish: the summary names spooled events only when there are some") {
    bb::PublishSummary s;
    s.published = 4;
    s.spooled = 2;
    s.elapsed = std::chrono::duration<double>(2.0);
    CHECK(bb::summary_text(s, false) ==
          "published 4, invalid 0, failed 0, spooled 2 in 2.00 s (2 events/s)");
    s.spooled = 0;
    CHECK(bb::summary_text(s, false) == "published 4, invalid 0, failed 0 in 2.00 s (2 events/s)");
}

TEST_CASE("publish: a dry run gives every record an outcome, in input order") {
    Recorder sink;
    std::string big(300, 'x');
    auto summary = dry_run("{\"event_type\":\"a\",\"payload\":1}\n"
                           "\n"
                           "{\"payload\":2}\r\n" +
                               std::string("{\"event_type\":\"b\",\"payload\":\"") + big +
                               "\"}\n"
                               "{\n \"event_type\": \"c\",\n \"payload\": [3]\n}\n"
                               "{\"event_type\":\"d\",\"payload\":4}",
                           sink, {}, 200);
    CHECK(summary.records == 5);
    CHECK(summary.valid == 3);
    CHECK(summary.invalid == 2);
    CHECK(summary.published == 0);
    REQUIRE(sink.outcomes.size() == 5);
    std::vector<std::size_t> lines;
    for (const auto& o : sink.outcomes)
        lines.push_back(o.line);
    CHECK(lines == std::vector<std::size_t>{1, 3, 4, 5, 9});
    CHECK(sink.outcomes[0].status == bb::LineStatus::valid);
    CHECK(sink.types[0] == "a");
    CHECK(sink.envelopes[0].find("\"event_type\":\"a\"") != std::string::npos);
    CHECK(sink.outcomes[1].status == bb::LineStatus::invalid);
    CHECK(sink.errors[1] == "event_type: required field is missing");
    CHECK_FALSE(sink.outcomes[1].event_id.has_value());
    CHECK(sink.errors[2] == "line of 331 bytes is larger than the limit of 200 bytes");
    CHECK(sink.types[3] == "c");
    CHECK(sink.envelopes[3].find("\"payload\":[3]}") != std::string::npos);
    CHECK(sink.types[4] == "d");
}

TEST_CASE("publish: each envelope gets its own id and the sink sees the completed envelope") {
    Recorder sink;
    bb::EnvelopeRecipe recipe;
    recipe.wrap_type = "w";
    dry_run("1\n2\n", sink, recipe);
    REQUIRE(sink.outcomes.size() == 2);
    CHECK(sink.outcomes[0].event_id != sink.outcomes[1].event_id);
    CHECK(sink.envelopes[0].find("\"event_id\":\"" + sink.outcomes[0].event_id->str() + "\"") == 1);
    CHECK(sink.envelopes[1].size() > 100);
}
