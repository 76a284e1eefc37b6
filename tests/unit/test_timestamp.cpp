#include "python_oracle.hpp"

#include "bloodbank/timestamp.hpp"

#include <doctest/doctest.h>
#include <fmt/format.h>

#include <chrono>
#include <string>
#include <vector>

namespace {

// Python's datetime is the reference: isoformat() of the parsed value, the
// same instant as a naive UTC isoformat, floor Unix seconds, Unix micros.
constexpr std::string_view timestamp_oracle = R"(
import sys, datetime
utc = datetime.timezone.utc
epoch = datetime.datetime(1970, 1, 1, tzinfo=utc)
for s in open(sys.argv[1], encoding="utf-8").read().splitlines():
    d = datetime.datetime.fromisoformat(s)
    aware = d if d.tzinfo else d.replace(tzinfo=utc)
    delta = aware - epoch
    micros = (delta.days * 86400 + delta.seconds) * 10**6 + delta.microseconds
    naive = aware.astimezone(utc).replace(tzinfo=None).isoformat()
    print(d.isoformat(), naive, micros // 10**6, micros, sep="|")
)";

std::string parse_error(std::string_view text) {
    auto parsed = bb::parse_timestamp(text);
    REQUIRE_MESSAGE(!parsed, "accepted: " << text);
    CHECK(parsed.error().kind == bb::ErrorKind::data);
    return parsed.error().message;
}

const std::string shape = "expected YYYY-MM-DDTHH:MM:SS[.ffffff][Z|+HH:MM|-HH:MM]";

} // namespace

TEST_CASE("timestamp: parse and isoformat agree with Python's datetime") {
    const std::vector<std::string> inputs = {
        "2025-10-18T14:03:07.123456+00:00",
        "2025-10-18T14:03:07+00:00", // zero micros: no fraction
        "2025-10-18T14:03:07.000000+00:00",
        "2025-10-18T14:03:07.5+00:00", // short fraction padded
        "2025-10-18T14:03:07.000001-00:00",
        "2025-10-18T14:03:07Z",
        "2025-10-18 14:03:07.25+05:30", // space separator
        "2025-10-18t14:03:07",          // lowercase t, naive
        "2025-10-18T14:03:07.123+0530", // offset without colon
        "2025-10-18T02:03:07-03:30",    // negative offset crossing midnight in UTC
        "2025-10-18T23:59:59.999999+23:59",
        "2025-10-18T00:00:00-23:59",
        "2024-02-29T12:00:00+00:00",        // leap day
        "2000-02-29T23:30:00-01:00",        // leap day, UTC is March 1st
        "2024-12-31T23:59:59.999999-00:30", // UTC is the next year
        "1969-12-31T23:59:59.5+00:00",      // before the epoch: seconds floor
        "1970-01-01T00:00:00+00:00",
        "1900-01-01T00:00:00+00:00",
        "0001-01-02T00:00:00",
        "9999-12-31T23:59:59.999999",
        "2025-10-18T14:03:07.100000",
    };
    std::string input;
    for (const auto& line : inputs)
        input += line + "\n";
    auto expected = bbtest::split_lines(bbtest::run_python(timestamp_oracle, input));
    REQUIRE(expected.size() == inputs.size());
    for (std::size_t i = 0; i < inputs.size(); ++i) {
        CAPTURE(inputs[i]);
        auto parsed = bb::parse_timestamp(inputs[i]);
        REQUIRE_MESSAGE(parsed, parsed.error().message);
        std::string ours = fmt::format("{}|{}|{}|{}", parsed->iso(), parsed->iso_utc_naive(),
                                       parsed->unix_seconds(), parsed->unix_micros);
        CHECK(ours == expected[i]);
    }
}

TEST_CASE("timestamp: offsets are kept as written, naive stays naive") {
    auto zulu = bb::parse_timestamp("2025-10-18T14:03:07Z");
    REQUIRE(zulu);
    CHECK(zulu->offset_minutes == 0);
    auto lower_z = bb::parse_timestamp("2025-10-18T14:03:07z");
    REQUIRE(lower_z);
    CHECK(lower_z->iso() == "2025-10-18T14:03:07+00:00");
    auto negative = bb::parse_timestamp("2025-10-18T14:03:07-03:30");
    REQUIRE(negative);
    CHECK(negative->offset_minutes == -210);
    auto naive = bb::parse_timestamp("2025-10-18T14:03:07");
    REQUIRE(naive);
    CHECK_FALSE(naive->offset_minutes.has_value());
    // Naive is read as UTC: the same instant as the Z form.
    CHECK(naive->unix_micros == zulu->unix_micros);
    CHECK(zulu->unix_micros == 1760796187000000); // date -u -d 2025-10-18T14:03:07 +%s
}

TEST_CASE("timestamp: digits beyond microseconds are truncated, as Pydantic does") {
    auto parsed = bb::parse_timestamp("2025-10-18T14:03:07.1234569Z");
    REQUIRE(parsed);
    CHECK(parsed->iso() == "2025-10-18T14:03:07.123456+00:00");
    auto many = bb::parse_timestamp("2025-10-18T14:03:07.999999999999+01:00");
    REQUIRE(many);
    CHECK(many->iso() == "2025-10-18T14:03:07.999999+01:00");
}

TEST_CASE("timestamp: invalid dates and times are rejected with the reason") {
    CHECK(parse_error("2025-13-01T00:00:00") == "month 13 is out of range");
    CHECK(parse_error("2025-00-01T00:00:00") == "month 0 is out of range");
    CHECK(parse_error("2025-02-30T00:00:00") == "day 30 is out of range for February 2025");
    CHECK(parse_error("2023-02-29T00:00:00") == "day 29 is out of range for February 2023");
    CHECK(parse_error("1900-02-29T00:00:00") == "day 29 is out of range for February 1900");
    CHECK(parse_error("2025-04-31T00:00:00") == "day 31 is out of range for April 2025");
    CHECK(parse_error("2025-04-00T00:00:00") == "day 0 is out of range for April 2025");
    CHECK(parse_error("0000-01-01T00:00:00") == "year 0 is out of range");
    CHECK(parse_error("2025-10-18T24:00:00") == "hour 24 is out of range");
    CHECK(parse_error("2025-10-18T23:60:00") == "minute 60 is out of range");
    CHECK(parse_error("2025-12-31T23:59:60Z") == "second 60 is out of range");
    CHECK(parse_error("2025-10-18T14:03:07+24:00") == "UTC offset +24:00 is out of range");
    CHECK(parse_error("2025-10-18T14:03:07-05:60") == "UTC offset -05:60 is out of range");
    CHECK(parse_error("2025-10-18T14:03:07.Z") == "expected digits after '.'");
}

TEST_CASE("timestamp: malformed text names the first byte that does not fit") {
    CHECK(parse_error("") == shape + " (mismatch at byte 0)");
    CHECK(parse_error("2025-10-18") == shape + " (mismatch at byte 10)");
    CHECK(parse_error("2025-10-18T14:03") == shape + " (mismatch at byte 16)");
    CHECK(parse_error("25-10-18T14:03:07") == shape + " (mismatch at byte 2)");
    CHECK(parse_error("2025/10/18T14:03:07") == shape + " (mismatch at byte 4)");
    CHECK(parse_error("2025-10-18X14:03:07") == shape + " (mismatch at byte 10)");
    CHECK(parse_error("2025-1-18T14:03:07") == shape + " (mismatch at byte 6)");
    CHECK(parse_error(" 2025-10-18T14:03:07") == shape + " (mismatch at byte 0)");
    CHECK(parse_error("2025-10-18T14:03:07 ") == shape + " (mismatch at byte 19)");
    CHECK(parse_error("2025-10-18T14:03:07+05") == shape + " (mismatch at byte 22)");
    CHECK(parse_error("2025-10-18T14:03:07+05:3") == shape + " (mismatch at byte 24)");
    CHECK(parse_error("2025-10-18T14:03:07+05:30:15") == shape + " (mismatch at byte 25)");
    CHECK(parse_error("2025-10-18T14:03:07ZZ") == shape + " (mismatch at byte 20)");
    CHECK(parse_error("2025-10-18T14:03:07 +05:30") == shape + " (mismatch at byte 19)");
    CHECK(parse_error("1760796187") == shape + " (mismatch at byte 4)");
}

TEST_CASE("timestamp: now is UTC with a +00:00 offset, between two clock readings") {
    using namespace std::chrono;
    auto before = floor<microseconds>(system_clock::now()).time_since_epoch().count();
    auto now = bb::Timestamp::now();
    auto after = floor<microseconds>(system_clock::now()).time_since_epoch().count();
    CHECK(now.offset_minutes == 0);
    CHECK(now.unix_micros >= before);
    CHECK(now.unix_micros <= after);
    std::string iso = now.iso();
    CHECK(iso.size() >= 25);
    CHECK(iso.substr(iso.size() - 6) == "+00:00");
    auto reparsed = bb::parse_timestamp(iso);
    REQUIRE(reparsed);
    CHECK(reparsed->unix_micros == now.unix_micros);
}

TEST_CASE("timestamp: append_iso appends to what is already there") {
    bb::Timestamp t{0, 60};
    std::string out = "at ";
    t.append_iso(out);
    CHECK(out == "at 1970-01-01T01:00:00+01:00");
    CHECK(t.iso_utc_naive() == "1970-01-01T00:00:00");
}

TEST_CASE("timestamp: an offset at the start of the range gives year 0 in UTC") {
    auto early = bb::parse_timestamp("0001-01-01T00:30:00+01:00");
    REQUIRE(early);
    CHECK(early->iso() == "0001-01-01T00:30:00+01:00");
    CHECK(early->iso_utc_naive() == "0000-12-31T23:30:00");
}
