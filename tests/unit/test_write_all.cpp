#include "bloodbank/write_all.hpp"

#include <doctest/doctest.h>

#include <cerrno>
#include <cstring>
#include <string>
#include <unistd.h>

namespace {

// Substitute write() calls: what each does is set by the test.
std::string written;
int calls = 0;

ssize_t never_progresses(int, const void*, std::size_t) {
    ++calls;
    return 0;
}

// Interrupted once, then three bytes at a time.
ssize_t interrupted_then_short(int, const void* data, std::size_t size) {
    if (calls++ == 0) {
        errno = EINTR;
        return -1;
    }
    std::size_t n = size < 3 ? size : 3;
    written.append(static_cast<const char*>(data), n);
    return static_cast<ssize_t>(n);
}

ssize_t disk_full(int, const void*, std::size_t) {
    errno = ENOSPC;
    return -1;
}

} // namespace

// bb-id's own loop (BlockWriter) spun for ever on such a write; the spool's
// stopped. Now both use this one.
TEST_CASE("write_all: a write that makes no progress is EIO, not an endless loop") {
    calls = 0;
    CHECK(bb::write_all(1, "data", never_progresses) == EIO);
    CHECK(calls == 1);
}

TEST_CASE("write_all: EINTR is retried and short writes resumed") {
    calls = 0;
    written.clear();
    CHECK(bb::write_all(1, "0123456789", interrupted_then_short) == 0);
    CHECK(written == "0123456789");
    CHECK(calls == 5); // EINTR, then 3 + 3 + 3 + 1 bytes
}

TEST_CASE("write_all: other errors come back as their errno") {
    CHECK(bb::write_all(1, "x", disk_full) == ENOSPC);
    CHECK(bb::write_all(1, "", disk_full) == 0); // nothing to write, no call
}

TEST_CASE("write_all: writes through a real descriptor") {
    int fds[2];
    REQUIRE(::pipe(fds) == 0);
    CHECK(bb::write_all(fds[1], "through a pipe") == 0);
    ::close(fds[1]);
    char buffer[64] = {};
    CHECK(::read(fds[0], buffer, sizeof buffer) == 14);
    CHECK(std::string(buffer) == "through a pipe");
    ::close(fds[0]);
    CHECK(bb::write_all(fds[1], "closed") == EBADF);
}
