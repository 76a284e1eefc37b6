// The table of error kinds: one exit status each (sysexits, DESIGN §4), and
// the --help footer the apps make from it.
#include "common/app.hpp"

#include "bloodbank/error.hpp"

#include <doctest/doctest.h>

#include <cstddef>
#include <set>
#include <string>

TEST_CASE("error: every kind has its own status, name and meaning, in order") {
    // sysexits, and two statuses beyond them: one that must differ from 69,
    // one for an answer cut short.
    const int expected[] = {64, 65, 66, 69, 70, 74, 75, 79, 80};
    REQUIRE(bb::error_kinds().size() == std::size(expected));
    std::set<std::string_view> names;
    for (std::size_t i = 0; i < bb::error_kinds().size(); ++i) {
        const bb::ErrorKindInfo& info = bb::error_kinds()[i];
        CHECK(static_cast<std::size_t>(info.kind) == i);
        CHECK(info.exit_code == expected[i]);
        CHECK(bb::exit_code(info.kind) == expected[i]);
        CHECK(bb::kind_name(info.kind) == info.name);
        CHECK_FALSE(info.meaning.empty());
        names.insert(info.name);
    }
    CHECK(names.size() == bb::error_kinds().size());
    CHECK(bb::kind_name(bb::ErrorKind::not_found) == "not_found");
}

TEST_CASE("error: a signal's status is 128 plus its number") {
    CHECK(bb::signal_exit_status(2) == 130);
    CHECK(bb::signal_exit_status(15) == 143);
}

TEST_CASE("error: the help footer lists the statuses an app can return, in order") {
    CHECK(bb::app::help_footer({bb::ErrorKind::usage, bb::ErrorKind::data, bb::ErrorKind::not_found,
                                bb::ErrorKind::unavailable, bb::ErrorKind::internal,
                                bb::ErrorKind::io, bb::ErrorKind::temporary}) ==
          "Exit status: 0 ok, 64 usage, 65 bad input data, 66 not found, 69 broker or Redis "
          "unavailable, 70 internal error, 74 I/O error, 75 temporary failure.\n"
          "See bloodbank(7) for the environment and the .env file.");
    CHECK(bb::app::help_footer({bb::ErrorKind::io, bb::ErrorKind::usage}) ==
          "Exit status: 0 ok, 64 usage, 74 I/O error.\n"
          "See bloodbank(7) for the environment and the .env file.");
}

TEST_CASE("error: an app that reads no settings says so in its help footer") {
    CHECK(bb::app::help_footer({bb::ErrorKind::usage}, bb::app::Settings::none) ==
          "Exit status: 0 ok, 64 usage.\n"
          "No environment variable and no .env file is read.");
}
