#include "bloodbank/utf8.hpp"

#include <doctest/doctest.h>

#include <optional>
#include <string_view>

TEST_CASE("utf8: valid text has no invalid byte") {
    CHECK_FALSE(bb::find_invalid_utf8(""));
    CHECK_FALSE(bb::find_invalid_utf8("plain ascii \x01\x7f"));
    // The smallest and largest of each length, and the edges of the surrogates.
    CHECK_FALSE(bb::find_invalid_utf8("\xc2\x80 \xdf\xbf \xe0\xa0\x80 \xed\x9f\xbf \xee\x80\x80 "
                                      "\xef\xbf\xbf \xf0\x90\x80\x80 \xf4\x8f\xbf\xbf"));
}

TEST_CASE("utf8: the offset of the first invalid sequence") {
    CHECK(bb::find_invalid_utf8("caf\xe9") == std::optional<std::size_t>(3));        // Latin-1
    CHECK(bb::find_invalid_utf8("\xc0\xaf") == std::optional<std::size_t>(0));       // overlong '/'
    CHECK(bb::find_invalid_utf8("ab\xe0\x9f\xbf") == std::optional<std::size_t>(2)); // overlong
    CHECK(bb::find_invalid_utf8("\xed\xa0\x80") == std::optional<std::size_t>(0));   // surrogate
    CHECK(bb::find_invalid_utf8("\xf4\x90\x80\x80") == std::optional<std::size_t>(0)); // > U+10FFFF
    CHECK(bb::find_invalid_utf8("\xf5\x80\x80\x80") == std::optional<std::size_t>(0));
    CHECK(bb::find_invalid_utf8("x\xe2\x82") == std::optional<std::size_t>(1)); // cut short
    CHECK(bb::find_invalid_utf8("\xe2\x28\xa1") == std::optional<std::size_t>(0));
    CHECK(bb::find_invalid_utf8("\x80") == std::optional<std::size_t>(0)); // stray continuation
}

TEST_CASE("utf8: check_utf8 says where, as ErrorKind::data") {
    CHECK(bb::check_utf8("caf\xc3\xa9").has_value());
    auto bad = bb::check_utf8("caf\xe9");
    REQUIRE_FALSE(bad.has_value());
    CHECK(bad.error().kind == bb::ErrorKind::data);
    CHECK(bad.error().message == "invalid UTF-8 at byte 3");
}
