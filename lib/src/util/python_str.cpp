#include "bloodbank/python_str.hpp"

#include <charconv>
#include <cmath>
#include <cstdlib>
#include <string_view>

namespace bb {

// Follows CPython's format_float_short() in mode 'r': take the shortest
// round-trip digits d1..dn and the decimal point position decpt (value =
// 0.d1..dn x 10^decpt); scientific when decpt <= -4 or decpt > 16.
void append_python_float_repr(double value, std::string& out) {
    if (std::isnan(value)) {
        out += "nan";
        return;
    }
    if (std::isinf(value)) {
        out += value < 0 ? "-inf" : "inf";
        return;
    }
    if (std::signbit(value))
        out += '-';
    // Shortest round-trip in scientific form, e.g. "1.2345e-07" or "5e+00".
    char buffer[64];
    auto [end, ec] = std::to_chars(buffer, buffer + sizeof(buffer), std::fabs(value),
                                   std::chars_format::scientific);
    std::string_view text(buffer, static_cast<std::size_t>(end - buffer));
    std::size_t e = text.find('e');
    std::string digits;
    for (char c : text.substr(0, e))
        if (c != '.')
            digits += c;
    int exponent = std::atoi(std::string(text.substr(e + 1)).c_str());
    int decpt = exponent + 1;
    auto ndigits = static_cast<int>(digits.size());

    if (decpt <= -4 || decpt > 16) {
        out += digits[0];
        if (ndigits > 1) {
            out += '.';
            out.append(digits, 1);
        }
        out += 'e';
        out += exponent < 0 ? '-' : '+';
        int magnitude = std::abs(exponent);
        if (magnitude < 10)
            out += '0';
        out += std::to_string(magnitude);
    } else if (decpt <= 0) {
        out += "0.";
        out.append(static_cast<std::size_t>(-decpt), '0');
        out += digits;
    } else if (decpt >= ndigits) {
        out += digits;
        out.append(static_cast<std::size_t>(decpt - ndigits), '0');
        out += ".0";
    } else {
        out.append(digits, 0, static_cast<std::size_t>(decpt));
        out += '.';
        out.append(digits, static_cast<std::size_t>(decpt));
    }
}

std::string python_float_repr(double value) {
    std::string out;
    append_python_float_repr(value, out);
    return out;
}

} // namespace bb
