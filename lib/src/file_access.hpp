// Opening files and naming system errors the way the library's messages read.
#pragma once

#include "bloodbank/error.hpp"

#include <string>

namespace bb {

// strerror() with a lowercase first letter ("connection refused", "no such
// file or directory"), to follow a colon.
std::string errno_text(int error);

// A descriptor open for reading `path`, which must not be a directory; the
// caller closes it. Errors: "PATH: no such file or directory"
// (ErrorKind::not_found), "PATH: permission denied" and the like (io).
Result<int> open_for_reading(const std::string& path);

} // namespace bb
