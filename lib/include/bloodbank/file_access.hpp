// Opening input files and naming system errors, one way for the whole
// library: every file it reads (inputs, .env, password files, certificates,
// spool segments) is opened by open_input().
#pragma once

#include "bloodbank/error.hpp"
#include "bloodbank/unique_fd.hpp"

#include <cstddef>
#include <string>

namespace bb {

// strerror() with a lowercase first letter ("connection refused", "no such
// file or directory"), to follow a colon.
std::string errno_text(int error);

struct OpenedInput {
    UniqueFd fd;   // open for reading, when error is 0
    int error = 0; // errno of the failure: ENOENT, EACCES, EISDIR, ...
};

// Opens `path` for reading (close-on-exec). A directory is refused with
// EISDIR: open() takes one, and reading it would fail later and less clearly.
// Callers word the failure; open_error() is the library's usual wording.
OpenedInput open_input(const std::string& path);

// How an input that cannot be opened is reported: ErrorKind::not_found only
// when it does not exist (ENOENT); permission denied, a directory and the rest
// are ErrorKind::io, never "not found".
ErrorKind open_error_kind(int error);

// "PATH: no such file or directory", "PATH: permission denied", of
// open_error_kind(error).
Error open_error(const std::string& path, int error);

// The text of `path`, opened by open_input() and failing as open_error()
// says. Reading stops after max_bytes + 1 bytes, so a caller sees a file too
// large for it without reading all of it. Read errors: "PATH: input/output
// error" (io).
Result<std::string> read_file_text(const std::string& path, std::size_t max_bytes);

} // namespace bb
