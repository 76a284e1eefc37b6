#include "bloodbank/consume.hpp"

#include <doctest/doctest.h>

#include <cstdio>
#include <filesystem>
#include <fstream>
#include <unistd.h>

using bb::StreamStart;
using Kind = bb::StreamStart::Kind;

TEST_CASE("stream start: words, offsets, times and durations back from now") {
    const std::int64_t now = 1'800'000'000;
    CHECK(bb::parse_stream_start("first", now)->kind == Kind::first);
    CHECK(bb::parse_stream_start("last", now)->kind == Kind::last);
    CHECK(bb::parse_stream_start("next", now)->kind == Kind::next);
    auto offset = bb::parse_stream_start("12345", now);
    REQUIRE(offset);
    CHECK(offset->kind == Kind::offset);
    CHECK(offset->offset == 12345);
    auto time = bb::parse_stream_start("2026-12-01T00:00:00Z", now);
    REQUIRE(time);
    CHECK(time->kind == Kind::timestamp);
    CHECK(time->unix_seconds == 1'796'083'200);
    auto shifted = bb::parse_stream_start("2026-12-01T02:00:00+02:00", now);
    REQUIRE(shifted);
    CHECK(shifted->unix_seconds == 1'796'083'200);
    CHECK(bb::parse_stream_start("90s", now)->unix_seconds == now - 90);
    CHECK(bb::parse_stream_start("30m", now)->unix_seconds == now - 1800);
    CHECK(bb::parse_stream_start("2h", now)->unix_seconds == now - 7200);
    CHECK(bb::parse_stream_start("7d", now)->unix_seconds == now - 7 * 86400);
}

TEST_CASE("stream start: anything else is a usage error naming the value") {
    for (const char* bad : {"", "First", "-1", "2h30m", "h", "12x", "2026-13-01T00:00:00Z",
                            "99999999999999999999", "100000000000d"}) {
        CAPTURE(bad);
        auto r = bb::parse_stream_start(bad, 1'800'000'000);
        REQUIRE(!r);
        CHECK(r.error().kind == bb::ErrorKind::usage);
        CHECK(r.error().message.find(std::string("--from \"") + bad + "\"") == 0);
    }
}

TEST_CASE("offset file: missing is no offset, written whole, garbage is a data error") {
    std::string dir =
        std::filesystem::temp_directory_path() / ("bb-offset-" + std::to_string(::getpid()));
    std::filesystem::create_directories(dir);
    std::string path = dir + "/offset";
    auto missing = bb::read_offset_file(path);
    REQUIRE(missing);
    CHECK(!*missing);
    REQUIRE(bb::write_offset_file(path, 42));
    auto kept = bb::read_offset_file(path);
    REQUIRE(kept);
    CHECK(**kept == 42);
    REQUIRE(bb::write_offset_file(path, 7));
    CHECK(**bb::read_offset_file(path) == 7);
    CHECK(!std::filesystem::exists(path + ".tmp"));
    std::ofstream(path) << "seven\n";
    auto garbage = bb::read_offset_file(path);
    REQUIRE(!garbage);
    CHECK(garbage.error().kind == bb::ErrorKind::data);
    auto unwritable = bb::write_offset_file(dir + "/no/such/dir/offset", 1);
    REQUIRE(!unwritable);
    CHECK(unwritable.error().kind == bb::ErrorKind::io);
    std::filesystem::remove_all(dir);
}
