// The parts of correlation.hpp that need no Redis; the queries themselves
// are tested against a real Redis in tests/integration/test_bb_trace_correlation.cpp.
#include "bloodbank/correlation.hpp"

#include <doctest/doctest.h>

using namespace bb;

namespace {

Uuid id(const char* text) {
    return *parse_uuid(text);
}

CorrelationDump sample() {
    CorrelationDump dump;
    dump.event_id = id("1a2b3c4d-5e6f-4a0b-8c1d-2e3f4a5b6c7d");
    dump.parents = {id("92ac3d31-3cbb-5518-9cc9-eaa1d1198639")};
    dump.ancestors = {id("92ac3d31-3cbb-5518-9cc9-eaa1d1198639"),
                      id("1a2b3c4d-5e6f-4a0b-8c1d-2e3f4a5b6c7d")};
    dump.descendants = {id("1a2b3c4d-5e6f-4a0b-8c1d-2e3f4a5b6c7d")};
    dump.metadata_json = R"({"reason":"retry \"2\"","n":[1,2.5]})";
    return dump;
}

} // namespace

TEST_CASE("correlation: the dump is compact JSON with the Python tracker's keys in order") {
    // What FastAPI sends for the Python debug_dump dict: json.dumps with
    // separators (",", ":"), keys in insertion order.
    CHECK(
        dump_json(sample(), false) ==
        R"({"event_id":"1a2b3c4d-5e6f-4a0b-8c1d-2e3f4a5b6c7d",)"
        R"("parents":["92ac3d31-3cbb-5518-9cc9-eaa1d1198639"],"children":[],)"
        R"("ancestors":["92ac3d31-3cbb-5518-9cc9-eaa1d1198639","1a2b3c4d-5e6f-4a0b-8c1d-2e3f4a5b6c7d"],)"
        R"("descendants":["1a2b3c4d-5e6f-4a0b-8c1d-2e3f4a5b6c7d"],)"
        R"("metadata":{"reason":"retry \"2\"","n":[1,2.5]}})");
}

TEST_CASE("correlation: control characters in the metadata are escaped as json.dumps does") {
    CorrelationDump dump = sample();
    dump.metadata_json = R"({"note":"\u001B[31m\u001f"})";
    std::string compact = dump_json(dump, false);
    CHECK(compact.ends_with(R"("metadata":{"note":"\u001b[31m\u001f"}})"));
    CHECK(dump_json(dump, true).find(R"("note": "\u001b[31m\u001f")") != std::string::npos);
}

TEST_CASE("correlation: the dump for people is indented by two spaces") {
    CorrelationDump dump = sample();
    dump.metadata_json.reset(); // no forward record: null
    dump.descendants.clear();
    CHECK(dump_json(dump, true) == R"({
  "event_id": "1a2b3c4d-5e6f-4a0b-8c1d-2e3f4a5b6c7d",
  "parents": [
    "92ac3d31-3cbb-5518-9cc9-eaa1d1198639"
  ],
  "children": [],
  "ancestors": [
    "92ac3d31-3cbb-5518-9cc9-eaa1d1198639",
    "1a2b3c4d-5e6f-4a0b-8c1d-2e3f4a5b6c7d"
  ],
  "descendants": [],
  "metadata": null
}
)");
}
