#include "python_oracle.hpp"

#include "bloodbank/python_str.hpp"

#include <doctest/doctest.h>

#include <cmath>
#include <cstdint>
#include <cstdio>
#include <cstring>
#include <limits>
#include <random>
#include <string>
#include <vector>

namespace {

double from_bits(std::uint64_t bits) {
    double value;
    std::memcpy(&value, &bits, sizeof(value));
    return value;
}

} // namespace

TEST_CASE("python_str: floats render as Python's repr") {
    // Expectations from the Python documentation's rules, checked in python3.
    CHECK(bb::python_float_repr(0.0) == "0.0");
    CHECK(bb::python_float_repr(-0.0) == "-0.0");
    CHECK(bb::python_float_repr(1.0) == "1.0");
    CHECK(bb::python_float_repr(1.5) == "1.5");
    CHECK(bb::python_float_repr(0.1) == "0.1");
    CHECK(bb::python_float_repr(100.0) == "100.0");
    CHECK(bb::python_float_repr(0.0001) == "0.0001");
    CHECK(bb::python_float_repr(0.00001) == "1e-05");
    CHECK(bb::python_float_repr(1.5e-7) == "1.5e-07");
    CHECK(bb::python_float_repr(9999999999999998.0) == "9999999999999998.0");
    CHECK(bb::python_float_repr(1e16) == "1e+16");
    CHECK(bb::python_float_repr(1.2345e100) == "1.2345e+100");
    CHECK(bb::python_float_repr(5e-324) == "5e-324");
    CHECK(bb::python_float_repr(1.7976931348623157e308) == "1.7976931348623157e+308");
    CHECK(bb::python_float_repr(123456789.125) == "123456789.125");
    CHECK(bb::python_float_repr(-2.5) == "-2.5");
    CHECK(bb::python_float_repr(std::numeric_limits<double>::infinity()) == "inf");
    CHECK(bb::python_float_repr(-std::numeric_limits<double>::infinity()) == "-inf");
    CHECK(bb::python_float_repr(std::nan("")) == "nan");
}

TEST_CASE("python_str: append adds to what is there") {
    std::string out = "x=";
    bb::append_python_float_repr(2.0, out);
    CHECK(out == "x=2.0");
}

TEST_CASE("python_str: many random doubles agree with python3's repr") {
    std::mt19937_64 rng(7);
    std::vector<double> values;
    // Any bit pattern: every exponent, subnormals, both signs.
    for (int i = 0; i < 4000; ++i) {
        double value = from_bits(rng());
        if (std::isfinite(value))
            values.push_back(value);
    }
    // Values near the fixed/scientific switch points and short decimals.
    for (int exponent = -8; exponent <= 20; ++exponent) {
        for (int i = 0; i < 40; ++i) {
            double mantissa = static_cast<double>(rng() % 100000) / 1000.0;
            values.push_back(mantissa * std::pow(10.0, exponent));
            values.push_back(std::nextafter(std::pow(10.0, exponent), 0.0));
            values.push_back(std::pow(10.0, exponent));
        }
    }
    // Integral doubles of every size.
    for (int i = 0; i < 500; ++i)
        values.push_back(static_cast<double>(rng() >> (rng() % 64)));

    std::string input;
    for (double value : values) {
        char hex[64];
        std::snprintf(hex, sizeof(hex), "%a\n", value);
        input += hex;
    }
    std::string out = bbtest::run_python(R"(
import sys
for line in open(sys.argv[1]):
    print(repr(float.fromhex(line.strip())))
)",
                                         input);
    auto expected = bbtest::split_lines(out);
    REQUIRE(expected.size() == values.size());
    for (std::size_t i = 0; i < values.size(); ++i)
        CHECK_MESSAGE(bb::python_float_repr(values[i]) == expected[i], "value " << i);
}
