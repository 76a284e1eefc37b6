// open_input()'s kinds and read_file_text() of a pipe: nothing here may wait
// for a FIFO's writer (open() would, for ever, and no signal ends it).
#include "../support/temp_dir.hpp"

#include "bloodbank/file_access.hpp"

#include <doctest/doctest.h>

#include <chrono>
#include <fcntl.h>
#include <fstream>
#include <string>
#include <sys/stat.h>
#include <thread>
#include <unistd.h>

namespace {

std::string fifo_in(const bbtest::TempDir& dir) {
    std::string path = dir.file("fifo");
    REQUIRE(::mkfifo(path.c_str(), 0600) == 0);
    return path;
}

} // namespace

TEST_CASE("file kinds: a regular file is opened as any kind, a FIFO only where a pipe is taken") {
    bbtest::TempDir dir;
    std::string file = dir.file("plain");
    std::ofstream(file) << "text\n";
    for (auto kind : {bb::FileKind::any, bb::FileKind::regular, bb::FileKind::regular_or_pipe}) {
        auto opened = bb::open_input(file, kind);
        CHECK(opened.fd);
        CHECK_FALSE(opened.pipe);
    }
    std::string fifo = fifo_in(dir);
    auto regular = bb::open_input(fifo, bb::FileKind::regular);
    CHECK_FALSE(regular.fd);
    CHECK(regular.error == bb::not_a_regular_file);
    CHECK(bb::open_error(fifo, regular.error).message == fifo + ": not a regular file");
    CHECK(bb::open_error(fifo, regular.error).kind == bb::ErrorKind::io);
    auto pipe = bb::open_input(fifo, bb::FileKind::regular_or_pipe);
    CHECK(pipe.fd);
    CHECK(pipe.pipe);
    // A device is no regular file either.
    CHECK(bb::open_input("/dev/null", bb::FileKind::regular_or_pipe).error ==
          bb::not_a_regular_file);
}

TEST_CASE("file kinds: a FIFO that nothing writes to is an error, not an empty text") {
    bbtest::TempDir dir;
    std::string fifo = fifo_in(dir);
    auto text = bb::read_file_text(fifo, 100, bb::FileKind::regular_or_pipe);
    REQUIRE_FALSE(text);
    CHECK(text.error().kind == bb::ErrorKind::io);
    CHECK(text.error().message ==
          fifo + ": a pipe or FIFO that nothing writes to (not a regular file)");
}

TEST_CASE("file kinds: a pipe is read until its writer closes it, however slowly it writes") {
    int fds[2];
    REQUIRE(::pipe2(fds, O_CLOEXEC) == 0);
    std::string path = "/proc/self/fd/" + std::to_string(fds[0]);
    std::thread writer([&] {
        std::this_thread::sleep_for(std::chrono::milliseconds(100));
        CHECK(::write(fds[1], "sec", 3) == 3);
        std::this_thread::sleep_for(std::chrono::milliseconds(100));
        CHECK(::write(fds[1], "ret\n", 4) == 4);
        ::close(fds[1]);
    });
    auto text = bb::read_file_text(path, 100, bb::FileKind::regular_or_pipe);
    writer.join();
    ::close(fds[0]);
    REQUIRE(text);
    CHECK(*text == "secret\n");
}
