#include "bloodbank/visible_text.hpp"

#include <doctest/doctest.h>

#include <string>

using bb::visible_text;
using namespace std::string_literals;

TEST_CASE("visible_text: printable text passes unchanged, UTF-8 included") {
    CHECK(visible_text("fireflies.transcript.ready") == "fireflies.transcript.ready");
    CHECK(visible_text("naïve café ✓ 日本 🙂 back\\slash") ==
          "naïve café ✓ 日本 🙂 back\\slash");
    CHECK(visible_text("") == "");
}

TEST_CASE("visible_text: terminal controls become readable escapes") {
    // Set the window title, turn the text red, ring the bell, break the row.
    CHECK(visible_text("\x1b]0;owned\x07") == "\\x1b]0;owned\\x07");
    CHECK(visible_text("\x1b[31mred\x1b[0m") == "\\x1b[31mred\\x1b[0m");
    CHECK(visible_text("a\r\nb\tc") == "a\\r\\nb\\tc");
    CHECK(visible_text("nul\0here"s) == "nul\\x00here");
    CHECK(visible_text("del\x7f") == "del\\x7f");
}

TEST_CASE("visible_text: C1 controls and bidirectional overrides are escaped") {
    CHECK(visible_text("\xc2\x9b"
                       "31m") == "\\u009b31m"); // CSI as one code point
    CHECK(visible_text("abc\xe2\x80\xae"
                       "fed") == "abc\\u202efed"); // RIGHT-TO-LEFT OVERRIDE
    CHECK(visible_text("\xe2\x81\xa6x\xe2\x81\xa9") == "\\u2066x\\u2069");
    CHECK(visible_text("\xe2\x80\x8f") == "\\u200f");
}

TEST_CASE("visible_text: bytes that are not UTF-8 are shown one by one") {
    CHECK(visible_text("\x9b"
                       "31m") == "\\x9b31m");                          // an 8-bit CSI byte
    CHECK(visible_text("\xc0\x80") == "\\xc0\\x80");                   // overlong NUL
    CHECK(visible_text("\xed\xa0\x80") == "\\xed\\xa0\\x80");          // a surrogate
    CHECK(visible_text("cut \xe2\x80") == "cut \\xe2\\x80");           // a sequence cut short
    CHECK(visible_text("\xf4\x90\x80\x80") == "\\xf4\\x90\\x80\\x80"); // above U+10FFFF
}
