// Opening input files and naming system errors, one way for the whole
// library: every file it reads (inputs, .env, password files, certificates,
// spool segments) is opened by open_input().
#pragma once

#include "bloodbank/error.hpp"
#include "bloodbank/unique_fd.hpp"

#include <chrono>
#include <cstddef>
#include <string>

namespace bb {

// strerror() with a lowercase first letter ("connection refused", "no such
// file or directory"), to follow a colon.
std::string errno_text(int error);

struct OpenedInput {
    UniqueFd fd;       // open for reading, when error is 0
    int error = 0;     // errno of the failure: ENOENT, EACCES, EISDIR, ...; or not_a_regular_file
    bool pipe = false; // a pipe or FIFO (FileKind::regular_or_pipe), opened non-blocking
};

// OpenedInput::error for a file of a kind the caller does not take.
constexpr int not_a_regular_file = -1;

// What open_input() takes besides a regular file. Opening a FIFO waits for a
// writer, maybe for ever, and no signal ends an open(), so the kinds other
// than `any` open without waiting and refuse what they do not take.
enum class FileKind {
    any,             // inputs (--file, bb-id): a FIFO waits for its writer, as with cat
    regular,         // files another library opens again by name (TLS files)
    regular_or_pipe, // read once, whole: a password from `<(...)` is a pipe
};

// Opens `path` for reading (close-on-exec). A directory is refused with
// EISDIR: open() takes one, and reading it would fail later and less clearly.
// Callers word the failure; open_error() is the library's usual wording.
OpenedInput open_input(const std::string& path, FileKind kind = FileKind::any);

// How an input that cannot be opened is reported: ErrorKind::not_found only
// when it does not exist (ENOENT); permission denied, a directory and the rest
// are ErrorKind::io, never "not found".
ErrorKind open_error_kind(int error);

// "PATH: no such file or directory", "PATH: permission denied", "PATH: not a
// regular file", of open_error_kind(error).
Error open_error(const std::string& path, int error);

// How long read_file_text() waits for a pipe's writer to finish.
constexpr std::chrono::seconds pipe_read_timeout{10};

// The text of `path`, opened by open_input(path, kind) and failing as
// open_error() says. Reading stops after max_bytes + 1 bytes, so a caller
// sees a file too large for it without reading all of it. Read errors:
// "PATH: input/output error" (io). A pipe (FileKind::regular_or_pipe) is read
// until its writer closes it, within pipe_read_timeout, ended early by a stop
// request (stop_signals.hpp); one with no writer is an error, not an empty
// text, since it is almost always a FIFO named by mistake.
Result<std::string> read_file_text(const std::string& path, std::size_t max_bytes,
                                   FileKind kind = FileKind::any);

} // namespace bb
