#include "bloodbank/correlation_keys.hpp"

#include <doctest/doctest.h>

using namespace bb;

namespace {
Uuid id(const char* text) {
    return *parse_uuid(text);
}
} // namespace

TEST_CASE("correlation_keys: key names follow the Python tracker's layout") {
    // Upper-case input still yields the canonical lowercase key.
    Uuid child = id("92AC3D31-3CBB-5518-9CC9-EAA1D1198639");
    CHECK(forward_key(child) ==
          "bloodbank:correlation:forward:92ac3d31-3cbb-5518-9cc9-eaa1d1198639");
    CHECK(reverse_key(child) ==
          "bloodbank:correlation:reverse:92ac3d31-3cbb-5518-9cc9-eaa1d1198639");
    CHECK(event_key(child) == "bloodbank:event:92ac3d31-3cbb-5518-9cc9-eaa1d1198639");
}

TEST_CASE("correlation_keys: forward record is orjson's compact layout") {
    Timestamp created{};
    REQUIRE(parse_timestamp("2025-10-18T14:03:07.123456+02:00"));
    created = *parse_timestamp("2025-10-18T14:03:07.123456+02:00");
    std::vector<Uuid> parents{id("dcbf406d-aaae-5a9a-8b36-38bb4f5ac1e7"),
                              id("ec729c22-7ab4-5b35-b78b-a3ba3397746d")};
    // created_at is utcnow().isoformat(): the instant in UTC, no offset.
    CHECK(encode_forward_record(parents, created) ==
          R"({"parent_event_ids":["dcbf406d-aaae-5a9a-8b36-38bb4f5ac1e7",)"
          R"("ec729c22-7ab4-5b35-b78b-a3ba3397746d"],"created_at":"2025-10-18T12:03:07.123456",)"
          R"("metadata":{}})");
    CHECK(encode_forward_record({parents[0]}, created, R"({"reason":"retry"})") ==
          R"({"parent_event_ids":["dcbf406d-aaae-5a9a-8b36-38bb4f5ac1e7"],)"
          R"("created_at":"2025-10-18T12:03:07.123456","metadata":{"reason":"retry"}})");
}

TEST_CASE("correlation_keys: decodes records written by either side") {
    auto record = decode_forward_record(
        R"({"parent_event_ids":["DCBF406D-AAAE-5A9A-8B36-38BB4F5AC1E7"],)"
        R"("created_at":"2025-10-18T12:03:07","metadata":{"reason": "manual link"}})");
    REQUIRE(record);
    REQUIRE(record->parent_event_ids.size() == 1);
    CHECK(record->parent_event_ids[0].str() == "dcbf406d-aaae-5a9a-8b36-38bb4f5ac1e7");
    CHECK(record->created_at == "2025-10-18T12:03:07");
    CHECK(record->metadata_json == R"({"reason":"manual link"})");

    auto null_metadata =
        decode_forward_record(R"({"parent_event_ids":[],"created_at":"x","metadata":null})");
    REQUIRE(null_metadata);
    CHECK(null_metadata->metadata_json == "{}");
}

TEST_CASE("correlation_keys: malformed records are data errors") {
    CHECK(decode_forward_record("not json").error().kind == ErrorKind::data);
    CHECK(decode_forward_record("[]").error().message == "forward record: expected an object");
    CHECK(decode_forward_record(R"({"created_at":"x"})").error().message ==
          "forward record: parent_event_ids is missing");
    auto bad_id = decode_forward_record(R"({"parent_event_ids":["nope"]})");
    REQUIRE_FALSE(bad_id);
    CHECK(bad_id.error().message.rfind("forward record: ", 0) == 0);
}
