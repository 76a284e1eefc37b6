#include "bloodbank/timeval.hpp"

#include <doctest/doctest.h>

TEST_CASE("timeval: milliseconds split into seconds and microseconds") {
    timeval tv = bb::to_timeval(std::chrono::milliseconds(1500));
    CHECK(tv.tv_sec == 1);
    CHECK(tv.tv_usec == 500000);
    tv = bb::to_timeval(std::chrono::milliseconds(0));
    CHECK(tv.tv_sec == 0);
    CHECK(tv.tv_usec == 0);
    tv = bb::to_timeval(std::chrono::milliseconds(999));
    CHECK(tv.tv_sec == 0);
    CHECK(tv.tv_usec == 999000);
}
