#include "bloodbank/display_width.hpp"

#include <doctest/doctest.h>

#include <clocale>
#include <string>

using bb::fit_columns;

namespace {

// The browser sets LC_CTYPE from the environment; the widths must not
// depend on it.
struct Utf8Locale {
    Utf8Locale() : ok(std::setlocale(LC_CTYPE, "C.UTF-8") != nullptr) {}
    ~Utf8Locale() { std::setlocale(LC_CTYPE, "C"); }
    bool ok;
};

} // namespace

TEST_CASE("text columns: ASCII is cut at the column count") {
    CHECK(fit_columns("payment.charged", 7) == "payment");
    CHECK(fit_columns("short", 80) == "short");
    CHECK(fit_columns("anything", 0).empty());
}

TEST_CASE("text columns: wide characters take two columns, never half of one") {
    Utf8Locale locale;
    REQUIRE(locale.ok);
    CHECK(fit_columns("宽宽宽", 4) == "宽宽");
    CHECK(fit_columns("宽宽宽", 5) == "宽宽"); // the third would need columns 5 and 6
    CHECK(fit_columns("a宽b", 3) == "a宽");
    CHECK(fit_columns("é", 1) == "é");                   // two bytes, one column
    CHECK(fit_columns("e\xcc\x81x", 2) == "e\xcc\x81x"); // a combining accent takes none
}

TEST_CASE("text columns: a byte that is not UTF-8 takes one column") {
    CHECK(fit_columns("ab\xff"
                      "cd",
                      3) == "ab\xff");
}
