// bb-publish's input framing end to end: a broken pretty-printed document
// costs only its own lines, and every line is accounted for in --report.
#include "support/lines.hpp"
#include "test_bb_publish_support.hpp"

using namespace bbtest;
using namespace bbtest::publish;

TEST_CASE(
    "bb-publish: a stray opening-brace line is reported and the lines after it are published") {
    auto s = services();
    if (!s)
        return;
    Bus bus(*s);
    std::vector<EnvelopeSpec> events(5);
    std::string input = "{\n";
    for (const auto& e : events)
        input += canonical(e) + "\n";
    auto r = bus.publish({"--report"}, input);
    CHECK(r.status == 65); // one record was invalid
    std::string expected =
        "{\"line\":1,\"event_id\":null,\"status\":\"invalid\",\"attempts\":0,\"error\":"
        "\"document is not closed: line 2 begins the next record\"}\n";
    for (std::size_t i = 0; i < events.size(); ++i)
        expected += "{\"line\":" + std::to_string(i + 2) + ",\"event_id\":\"" + events[i].event_id +
                    "\",\"status\":\"confirmed\",\"attempts\":1}\n";
    CHECK(r.out == expected);
    auto got = bus.admin.drain(bus.queue);
    REQUIRE(got.size() == events.size());
    for (std::size_t i = 0; i < events.size(); ++i)
        CHECK(got[i].body == canonical(events[i]));
}

TEST_CASE(
    "bb-publish: a lone opening bracket line is an invalid line, not the start of a document") {
    auto s = services();
    if (!s)
        return;
    Bus bus(*s);
    EnvelopeSpec e;
    auto r = bus.publish({"--report"}, "[\n" + canonical(e) + "\n]\n");
    CHECK(r.status == 65);
    auto lines = split_lines(r.out);
    REQUIRE(lines.size() == 3);
    CHECK(lines[0].find("\"line\":1,\"event_id\":null,\"status\":\"invalid\"") !=
          std::string::npos);
    CHECK(lines[1] == "{\"line\":2,\"event_id\":\"" + e.event_id +
                          "\",\"status\":\"confirmed\",\"attempts\":1}");
    CHECK(lines[2].find("\"line\":3,\"event_id\":null,\"status\":\"invalid\"") !=
          std::string::npos);
    CHECK(bus.admin.drain(bus.queue).size() == 1);
}
