#include "bloodbank/display_width.hpp"

#include <doctest/doctest.h>

using bb::display_width;
using bb::fit_width;

TEST_CASE("display_width: columns as a terminal draws them") {
    CHECK(display_width("abc") == 3);
    CHECK(display_width("\xe9\x9b\xaa\xe9\x9b\xaa") == 4); // two CJK characters
    CHECK(display_width("\xf0\x9f\x8e\x89") == 2);         // an emoji
    CHECK(display_width("e\xcc\x81") == 1);                // e and a combining acute
    CHECK(display_width("a\xe2\x80\x8b"
                        "b") == 2);                         // a zero-width space
    CHECK(display_width("\x1b[1;7mab\x1b[0m") == 2);        // colours take no room
    CHECK(display_width("\xe2\x94\x94\xe2\x94\x80 ") == 3); // tree lines
}

TEST_CASE("fit_width: cut between characters, with an ellipsis") {
    CHECK(fit_width("abcdef", 6) == "abcdef");
    CHECK(fit_width("abcdef", 4) == "abc\xe2\x80\xa6");
    CHECK(fit_width("\xe9\x9b\xaa\xe9\x9b\xaa\xe9\x9b\xaa", 4) == "\xe9\x9b\xaa\xe2\x80\xa6");
    CHECK(fit_width("e\xcc\x81"
                    "abc",
                    2) == "e\xcc\x81\xe2\x80\xa6"); // the mark stays
    CHECK(fit_width("abc", 0) == "");
}
