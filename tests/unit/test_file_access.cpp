#include "../support/temp_dir.hpp"

#include "bloodbank/file_access.hpp"
#include "bloodbank/id_request.hpp"
#include "bloodbank/line_reader.hpp"

#include <doctest/doctest.h>

#include <cerrno>
#include <fstream>
#include <functional>
#include <string>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

namespace {

std::string write_file(const bbtest::TempDir& dir, const std::string& name,
                       const std::string& text) {
    std::string path = dir.file(name);
    std::ofstream(path, std::ios::binary) << text;
    return path;
}

// Runs `check` where opening a 0600 file of root's fails with EACCES: as is
// for an ordinary user, in a child process that became "nobody" for root (the
// tests run as root in CI, and root may open anything). The child's exit
// status is the check's answer: 0 passed, 1 failed, 2 could not drop root.
int as_unprivileged(const std::function<bool()>& check) {
    if (::geteuid() != 0)
        return check() ? 0 : 1;
    pid_t child = ::fork();
    if (child == 0) {
        if (::setgid(65534) != 0 || ::setuid(65534) != 0)
            ::_exit(2);
        ::_exit(check() ? 0 : 1);
    }
    int status = 0;
    ::waitpid(child, &status, 0);
    return WIFEXITED(status) ? WEXITSTATUS(status) : 3;
}

} // namespace

TEST_CASE("file_access: open_input opens a file, refuses a directory, names the errno") {
    bbtest::TempDir dir;
    std::string path = write_file(dir, "in.txt", "text");
    auto file = bb::open_input(path);
    CHECK(file.fd);
    CHECK(file.error == 0);

    auto directory = bb::open_input(dir.path().string());
    CHECK_FALSE(directory.fd);
    CHECK(directory.error == EISDIR);

    auto missing = bb::open_input(dir.file("missing"));
    CHECK_FALSE(missing.fd);
    CHECK(missing.error == ENOENT);
}

TEST_CASE("file_access: only a missing file is 'not found'") {
    CHECK(bb::open_error_kind(ENOENT) == bb::ErrorKind::not_found);
    CHECK(bb::open_error_kind(EACCES) == bb::ErrorKind::io);
    CHECK(bb::open_error_kind(EISDIR) == bb::ErrorKind::io);
    auto denied = bb::open_error("/x/secret", EACCES);
    CHECK(denied.kind == bb::ErrorKind::io);
    CHECK(denied.message == "/x/secret: permission denied");
    CHECK(bb::open_error("/x/gone", ENOENT).message == "/x/gone: no such file or directory");
    CHECK(bb::errno_text(EISDIR) == "is a directory");
}

TEST_CASE("file_access: read_file_text reads at most one byte past the limit") {
    bbtest::TempDir dir;
    std::string path = write_file(dir, "ten", "0123456789");
    CHECK(*bb::read_file_text(path, 100) == "0123456789");
    CHECK(*bb::read_file_text(path, 10) == "0123456789");
    CHECK(*bb::read_file_text(path, 4) == "01234"); // one more: too large for 4
    auto directory = bb::read_file_text(dir.path().string(), 100);
    REQUIRE_FALSE(directory.has_value());
    CHECK(directory.error().kind == bb::ErrorKind::io);
    CHECK(directory.error().message == dir.path().string() + ": is a directory");
}

// bb-publish's input: a directory used to be opened and fail at the first
// read as "cannot read input: Is a directory".
TEST_CASE("file_access: an input file that is a directory is refused when opened") {
    bbtest::TempDir dir;
    auto input = bb::InputFile::open(dir.path().string());
    REQUIRE_FALSE(input.has_value());
    CHECK(input.error().kind == bb::ErrorKind::io);
    CHECK(input.error().message == "cannot open " + dir.path().string() + ": Is a directory");

    auto batch = bb::run_id_batch(dir.path().string(), 1, "bloodbank",
                                  [](std::uint64_t, const bb::Error&) {});
    REQUIRE_FALSE(batch.has_value());
    CHECK(batch.error().kind == bb::ErrorKind::io);
    CHECK(batch.error().message == dir.path().string() + ": Is a directory");
}

// An unreadable input used to be ErrorKind::not_found (exit 66, "does not
// exist") although the message said "Permission denied".
TEST_CASE("file_access: an input file that may not be read is an I/O error, not 'not found'") {
    bbtest::TempDir dir;
    std::string path = write_file(dir, "secret.ndjson", "{}\n");
    REQUIRE(::chmod(path.c_str(), 0600) == 0);
    REQUIRE(::chmod(dir.path().c_str(), 0755) == 0);
    int answer = as_unprivileged([&] {
        auto input = bb::InputFile::open(path);
        auto text = bb::read_file_text(path, 100);
        return !input && input.error().kind == bb::ErrorKind::io &&
               input.error().message == "cannot open " + path + ": Permission denied" && !text &&
               text.error().kind == bb::ErrorKind::io &&
               text.error().message == path + ": permission denied";
    });
    if (answer == 2)
        MESSAGE("skipped: root could not become nobody here");
    else
        CHECK(answer == 0);
}
