// Python's text rendering of numbers, for ids whose names must match what an
// f-string in the Python system would produce.
#pragma once

#include <string>

namespace bb {

// Python's repr(float), which str(float) and f"{x}" share: the shortest digits
// that read back as the same double; fixed notation when 1e-4 <= |x| < 1e16
// with ".0" for integral values ("100.0", "0.0001", "-0.0"), otherwise
// scientific with a signed exponent of at least two digits ("1e+16", "1e-05",
// "1.5e-07"); "inf", "-inf", "nan".
std::string python_float_repr(double value);
void append_python_float_repr(double value, std::string& out);

} // namespace bb
