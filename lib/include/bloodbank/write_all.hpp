// The one write loop: all of a buffer to a descriptor, resuming after
// signals and short writes.
#pragma once

#include <cstddef>
#include <string_view>
#include <sys/types.h>
#include <unistd.h>

namespace bb {

// The system call write_all() makes; tests substitute one that misbehaves.
using WriteCall = ssize_t (*)(int fd, const void* data, std::size_t size);

// Writes all of `data` to `fd`. EINTR is retried; a write() that returns 0
// (no progress and no reason) is EIO rather than a loop that never ends.
// Returns 0 or the errno; callers word the error.
int write_all(int fd, std::string_view data, WriteCall write = ::write);

} // namespace bb
