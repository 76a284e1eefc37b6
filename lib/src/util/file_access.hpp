// Opening files and naming system errors the way the library's messages read.
#pragma once

#include "bloodbank/error.hpp"

#include <cstddef>
#include <string>

namespace bb {

// strerror() with a lowercase first letter ("connection refused", "no such
// file or directory"), to follow a colon.
std::string errno_text(int error);

// A descriptor open for reading `path`, which must not be a directory; the
// caller closes it. Errors: "PATH: no such file or directory"
// (ErrorKind::not_found), "PATH: permission denied" and the like (io).
Result<int> open_for_reading(const std::string& path);

// The text of `path`, opened as open_for_reading() does. Reading stops after
// max_bytes + 1 bytes, so a caller sees a file too large for it without
// reading all of it. Read errors: "PATH: input/output error" (io).
Result<std::string> read_file_text(const std::string& path, std::size_t max_bytes);

} // namespace bb
