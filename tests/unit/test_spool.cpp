#include "spool_helpers.hpp"

#include "bloodbank/spool.hpp"

#include <doctest/doctest.h>
#include <fmt/format.h>

#include <chrono>
#include <csignal>
#include <ctime>
#include <fcntl.h>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>
#include <sys/mount.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>
#include <vector>

namespace {

namespace fs = std::filesystem;
using bbtest::TempDir;
using namespace bbtest::spool;

// Every segment list_spool gives, concatenated in replay order.
std::string read_spool(const std::string& dir) {
    auto segments = bb::list_spool(dir);
    REQUIRE(segments.has_value());
    std::string all;
    for (const auto& path : *segments)
        all += read_file(path);
    return all;
}

// Names in `dir` starting with ".tmp-" or ".rewrite-": uncommitted files.
std::vector<std::string> temp_files(const std::string& dir) {
    std::vector<std::string> names;
    for (const auto& entry : fs::directory_iterator(dir)) {
        std::string name = entry.path().filename().string();
        if (name.starts_with(".tmp-") || name.starts_with(".rewrite-"))
            names.push_back(name);
    }
    return names;
}

// "event-N" padded with x to `size` bytes, so every event is recognisable.
std::string event(std::size_t n, std::size_t size = 40) {
    std::string text = fmt::format(R"({{"n":{},"pad":")", n);
    text.append(size > text.size() + 2 ? size - text.size() - 2 : 0, 'x');
    return text + "\"}";
}

bb::SpoolWriter open_writer(const std::string& dir, bb::SpoolLimits limits = {}) {
    auto writer = bb::SpoolWriter::open(dir, limits);
    if (!writer)
        FAIL("cannot open the spool: " << writer.error().message);
    return std::move(*writer);
}

// Adds events first..last (input line = event number); returns what a drain
// should read back for them.
std::string add_events(bb::SpoolWriter& writer, std::size_t first, std::size_t last,
                       std::size_t size = 40) {
    std::string expected;
    for (std::size_t n = first; n <= last; ++n) {
        auto added = writer.add(event(n, size), n);
        REQUIRE_MESSAGE(added.has_value(), added.error().message);
        expected += event(n, size) + "\n";
    }
    return expected;
}

class ScopedUmask {
public:
    explicit ScopedUmask(mode_t mask) : old_(::umask(mask)) {}
    ~ScopedUmask() { ::umask(old_); }

private:
    mode_t old_;
};

// Files this process writes cannot grow past `bytes`: write() fails with
// EFBIG (SIGXFSZ ignored), a disk-full stand-in that needs no privileges.
class FileSizeLimit {
public:
    explicit FileSizeLimit(rlim_t bytes) {
        REQUIRE(::getrlimit(RLIMIT_FSIZE, &old_) == 0);
        old_handler_ = std::signal(SIGXFSZ, SIG_IGN);
        rlimit limit = old_;
        limit.rlim_cur = bytes;
        REQUIRE(::setrlimit(RLIMIT_FSIZE, &limit) == 0);
    }
    ~FileSizeLimit() {
        ::setrlimit(RLIMIT_FSIZE, &old_);
        std::signal(SIGXFSZ, old_handler_);
    }

private:
    rlimit old_{};
    void (*old_handler_)(int) = nullptr;
};

// The pid of a process that has ended (a child, reaped).
pid_t dead_pid() {
    pid_t child = ::fork();
    REQUIRE(child >= 0);
    if (child == 0)
        ::_exit(0);
    int status = 0;
    REQUIRE(::waitpid(child, &status, 0) == child);
    return child;
}

// Sets the modification time of `path` to `seconds` ago.
void age(const std::string& path, long seconds) {
    timespec times[2] = {{::time(nullptr) - seconds, 0}, {::time(nullptr) - seconds, 0}};
    REQUIRE(::utimensat(AT_FDCWD, path.c_str(), times, 0) == 0);
}

// What the writer says once it has stopped at `line`.
std::string not_kept(const std::string& dir, std::string_view reason, std::size_t line) {
    return fmt::format("spool {}: {}; events from input line {} on were not kept", dir, reason,
                       line);
}

} // namespace

TEST_CASE_FIXTURE(FreshSpool,
                  "spool: events come back byte for byte and in order across segments") {
    auto writer = open_writer(dir, {.segment_events = 3});
    std::string expected = add_events(writer, 1, 7);
    // Bigger than the write buffer, and bytes a text mode would mangle.
    std::string big = event(8, 200 * 1024) + "\r\t\xc3\xa9";
    REQUIRE(writer.add(big, 8).has_value());
    expected += big + "\n";
    CHECK(writer.kept() == 6);
    CHECK(writer.pending() == 2);
    REQUIRE(writer.commit().has_value());
    CHECK(writer.kept() == 8);
    CHECK(writer.pending() == 0);
    CHECK_FALSE(writer.first_unkept_line().has_value());
    CHECK(writer.dir() == dir);

    auto listed = bb::list_spool(dir);
    REQUIRE(listed.has_value());
    CHECK(*listed == writer.segments());
    REQUIRE(listed->size() == 3);
    CHECK(read_file((*listed)[0]) == event(1) + "\n" + event(2) + "\n" + event(3) + "\n");
    CHECK(read_spool(dir) == expected);

    // Committing with nothing pending writes nothing.
    REQUIRE(writer.commit().has_value());
    CHECK(bb::list_spool(dir)->size() == 3);
}

TEST_CASE_FIXTURE(FreshSpool,
                  "spool: segment names carry the pid and a sequence, and sort in write order") {
    // Two writers of one process take turns: their segments interleave, and
    // may start within the same microsecond.
    auto first = open_writer(dir, {.segment_events = 1});
    auto second = open_writer(dir, {.segment_events = 1});
    std::string expected;
    for (std::size_t n = 1; n <= 20; ++n)
        expected += add_events(n % 2 ? first : second, n, n);
    CHECK(read_spool(dir) == expected);

    auto listed = bb::list_spool(dir);
    REQUIRE(listed->size() == 20);
    // After the time (list_spool checked its shape): "-PID-SEQUENCE.ndjson",
    // the sequence one more in each segment.
    constexpr std::size_t time_size = std::string_view("20261127T110435.123456Z").size();
    std::string first_name = fs::path(listed->front()).filename().string();
    std::size_t first_sequence = std::stoul(first_name.substr(first_name.rfind('-') + 1));
    for (std::size_t i = 0; i < listed->size(); ++i) {
        std::string name = fs::path((*listed)[i]).filename().string();
        CHECK(name.substr(time_size) ==
              fmt::format("-{:05}-{:06}.ndjson", ::getpid(), first_sequence + i));
    }
}

TEST_CASE_FIXTURE(FreshSpool, "spool: a segment is committed when it reaches the byte limit") {
    // 31 bytes per line: the fourth line reaches 100 bytes and commits.
    auto writer = open_writer(dir, {.segment_events = 1000, .segment_bytes = 100});
    add_events(writer, 1, 10, 30);
    CHECK(writer.kept() == 8);
    CHECK(writer.pending() == 2);
    REQUIRE(writer.segments().size() == 2);
    for (const auto& path : writer.segments())
        CHECK(fs::file_size(path) == 4 * 31);
}

TEST_CASE_FIXTURE(FreshSpool, "spool: writes are buffered in memory, but only up to a bound") {
    auto writer = open_writer(dir, {.segment_events = 100000, .segment_bytes = 1 << 30});
    add_events(writer, 1, 100, 100); // 10 kB: still in the buffer
    auto temps = temp_files(dir);
    REQUIRE(temps.size() == 1);
    std::string temp = dir + "/" + temps[0];
    CHECK(fs::file_size(temp) == 0);

    add_events(writer, 101, 3000, 100); // 300 kB: most of it on its way to disk
    std::uintmax_t total = 3000 * 101;
    CHECK(fs::file_size(temp) >= total - 64 * 1024);
    CHECK(fs::file_size(temp) < total);
    CHECK(bb::list_spool(dir)->empty());
    REQUIRE(writer.commit().has_value());
    CHECK(fs::file_size(writer.segments().at(0)) == total);
}

TEST_CASE("spool: a new spool folder is 0700 and segments 0600 whatever the umask") {
    for (mode_t mask : {mode_t{0}, mode_t{0277}}) {
        CAPTURE(mask);
        TempDir tmp("bb-spool-test");
        std::string dir = tmp.file("spool");
        std::vector<std::string> segments;
        std::string lock_file = dir + "/.drain.lock";
        {
            ScopedUmask umask(mask);
            auto writer = open_writer(dir, {.segment_events = 2});
            add_events(writer, 1, 3);
            REQUIRE(writer.commit().has_value());
            segments = writer.segments();
            auto lock = bb::SpoolLock::acquire(dir);
            REQUIRE(lock.has_value());
            REQUIRE(bb::rewrite_segment(segments[0], {event(2)}).has_value());
        }
        CHECK(mode_of(dir) == 0700);
        REQUIRE(segments.size() == 2);
        for (const auto& path : segments)
            CHECK(mode_of(path) == 0600);
        if (mask == 0)
            CHECK(mode_of(lock_file) == 0600);
    }
}

TEST_CASE_FIXTURE(FreshSpool, "spool: an existing folder is used as it is") {
    REQUIRE(::mkdir(dir.c_str(), 0755) == 0);
    REQUIRE(::chmod(dir.c_str(), 0755) == 0);
    auto writer = open_writer(dir);
    add_events(writer, 1, 1);
    REQUIRE(writer.commit().has_value());
    CHECK(mode_of(dir) == 0755);
    CHECK(read_spool(dir) == event(1) + "\n");
}

TEST_CASE_FIXTURE(FreshSpool, "spool: opening names the folder and the reason") {
    std::string file = tmp.file("file");
    write_file(file, "x");

    auto not_dir = bb::SpoolWriter::open(file);
    REQUIRE_FALSE(not_dir.has_value());
    CHECK(not_dir.error().kind == bb::ErrorKind::io);
    CHECK(not_dir.error().message == "spool " + file + ": not a directory");

    std::string missing_parent = tmp.file("no/spool");
    auto missing = bb::SpoolWriter::open(missing_parent);
    REQUIRE_FALSE(missing.has_value());
    CHECK(missing.error().kind == bb::ErrorKind::io);
    CHECK(missing.error().message ==
          "spool " + missing_parent + ": cannot create: No such file or directory");

    std::string under_file = file + "/spool";
    auto blocked = bb::SpoolWriter::open(under_file);
    REQUIRE_FALSE(blocked.has_value());
    CHECK(blocked.error().message == "spool " + under_file + ": cannot create: Not a directory");
}

TEST_CASE_FIXTURE(FreshSpool, "spool: nothing partial is left when a writer ends without commit") {
    std::string committed;
    {
        auto writer = open_writer(dir, {.segment_events = 5});
        committed = add_events(writer, 1, 5);
        add_events(writer, 6, 7);
        CHECK(temp_files(dir).size() == 1);
        // Moving hands the one temporary file over to the new writer.
        bb::SpoolWriter moved = std::move(writer);
        CHECK(moved.pending() == 2);
        CHECK(temp_files(dir).size() == 1);
        // Assigning over a writer drops what it had pending.
        auto other = open_writer(dir);
        add_events(other, 100, 100);
        CHECK(temp_files(dir).size() == 2);
        other = std::move(moved);
        CHECK(temp_files(dir).size() == 1);
        CHECK(other.kept() == 5);
    }
    CHECK(temp_files(dir).empty());
    CHECK(read_spool(dir) == committed);
}

TEST_CASE_FIXTURE(FreshSpool,
                  "spool: a write error keeps what was committed and names the first line lost") {
    auto writer = open_writer(dir, {.segment_events = 5});
    std::string committed = add_events(writer, 1, 5, 100);
    add_events(writer, 6, 6, 100);
    bb::Result<void> failed;
    bb::Result<void> later_add;
    bb::Result<void> later_commit;
    {
        FileSizeLimit limit(64 * 1024);
        // Written at once (bigger than the buffer): a short write, then EFBIG.
        failed = writer.add(event(7, 200 * 1024), 7);
        later_add = writer.add(event(8), 8);
        later_commit = writer.commit();
    }
    std::string message = not_kept(dir, "cannot write: File too large", 6);
    REQUIRE_FALSE(failed.has_value());
    CHECK(failed.error().kind == bb::ErrorKind::io);
    CHECK(failed.error().message == message);
    for (const auto* later : {&later_add, &later_commit}) {
        REQUIRE_FALSE(later->has_value());
        CHECK(later->error().message == message);
    }
    CHECK(writer.first_unkept_line() == 6);
    CHECK(writer.kept() == 5);
    CHECK(writer.pending() == 0);
    CHECK(writer.segments().size() == 1);
    CHECK(temp_files(dir).empty());
    CHECK(read_spool(dir) == committed);
    // Still failed once the disk has room again: the lost lines stay reported.
    CHECK(writer.add(event(9), 9).error().message == message);
}

TEST_CASE_FIXTURE(FreshSpool, "spool: a write error at commit loses the buffered segment only") {
    auto writer = open_writer(dir, {.segment_events = 1000});
    std::string committed = add_events(writer, 1, 3);
    REQUIRE(writer.commit().has_value());
    add_events(writer, 4, 40, 100); // 3.7 kB, all in the buffer
    bb::Result<void> failed;
    {
        FileSizeLimit limit(1000);
        failed = writer.commit();
    }
    REQUIRE_FALSE(failed.has_value());
    CHECK(failed.error().message == not_kept(dir, "cannot write: File too large", 4));
    CHECK(writer.first_unkept_line() == 4);
    CHECK(writer.kept() == 3);
    CHECK(temp_files(dir).empty());
    CHECK(read_spool(dir) == committed);
}

TEST_CASE_FIXTURE(FreshSpool, "spool: a folder that went away is reported at the next segment") {
    auto writer = open_writer(dir);
    fs::remove(dir);
    auto failed = writer.add(event(1), 41);
    REQUIRE_FALSE(failed.has_value());
    CHECK(failed.error().message ==
          not_kept(dir, "cannot create a file: No such file or directory", 41));
    CHECK(writer.first_unkept_line() == 41);
}

TEST_CASE_FIXTURE(FreshSpool, "spool: a full disk (tmpfs, as root) stops the writer with ENOSPC") {
    REQUIRE(::mkdir(dir.c_str(), 0700) == 0);
    SmallTmpfs disk(dir, "64k");
    if (!disk.mounted()) {
        MESSAGE("not root or mounting not allowed: the RLIMIT_FSIZE tests stand in for it");
        return;
    }
    auto writer = open_writer(dir, {.segment_events = 10});
    std::string expected;
    bb::Result<void> added;
    std::size_t n = 0;
    while (added.has_value() && n < 1000) {
        ++n;
        added = writer.add(event(n, 1000), n);
        if (added.has_value())
            expected += event(n, 1000) + "\n";
    }
    REQUIRE_FALSE(added.has_value());
    CHECK(writer.kept() > 0);
    CHECK(writer.first_unkept_line() == writer.kept() + 1);
    CHECK(added.error().message ==
          not_kept(dir, "cannot write: No space left on device", writer.kept() + 1));
    CHECK(temp_files(dir).empty());
    CHECK(read_spool(dir) == expected.substr(0, writer.kept() * 1001));
}

TEST_CASE_FIXTURE(FreshSpool, "spool: list_spool gives segment files only, sorted by name") {
    fs::create_directory(dir);
    std::vector<std::string> segments = {
        "20261127T110435.123456Z-04242-000002.ndjson",
        "20261127T110435.123456Z-04242-000010.ndjson",
        "20261127T110435.123457Z-00001-000001.ndjson",
        "20261127T110435.123457Z-1234567-000001.ndjson",
        "20281231T235959.999999Z-00007-1000000.ndjson",
    };
    for (auto it = segments.rbegin(); it != segments.rend(); ++it)
        write_file(dir + "/" + *it, "{}\n");
    for (const char* other : {".tmp-1-1", ".20261127T110435.123456Z-04242-000001.ndjson",
                              "notes.ndjson", "20261127T110435.123456Z-04242-000001.json",
                              "20261127T110435.123456Z-04242-000001.ndjson.bak",
                              "20261127T110435.123456Z-042-000001.ndjson",
                              "20261127T110435Z-04242-000001.ndjson", ".drain.lock"})
        write_file(dir + "/" + other, "{}\n");
    fs::create_directory(dir + "/20261127T110435.123456Z-04242-000003.ndjson");
    fs::create_symlink(dir + "/" + segments[0],
                       dir + "/20261127T110435.123456Z-04242-000004.ndjson");

    auto listed = bb::list_spool(dir + "/");
    REQUIRE(listed.has_value());
    std::vector<std::string> expected;
    for (const auto& name : segments)
        expected.push_back(dir + "/" + name);
    CHECK(*listed == expected);
}

TEST_CASE_FIXTURE(FreshSpool,
                  "spool: list_spool of a missing folder is not_found, of a file an I/O error") {
    std::string missing = tmp.file("missing");
    auto none = bb::list_spool(missing);
    REQUIRE_FALSE(none.has_value());
    CHECK(none.error().kind == bb::ErrorKind::not_found);
    CHECK(none.error().message == "spool " + missing + ": No such file or directory");

    std::string file = tmp.file("file");
    write_file(file, "x");
    auto not_dir = bb::list_spool(file);
    REQUIRE_FALSE(not_dir.has_value());
    CHECK(not_dir.error().kind == bb::ErrorKind::io);
    CHECK(not_dir.error().message == "spool " + file + ": Not a directory");

    auto empty = bb::list_spool(tmp.path().string());
    REQUIRE(empty.has_value());
    CHECK(empty->empty());
}

TEST_CASE_FIXTURE(FreshSpool,
                  "spool: rewrite_segment replaces a segment whole, remove_segment deletes it") {
    auto writer = open_writer(dir, {.segment_events = 4});
    add_events(writer, 1, 8);
    auto segments = writer.segments();
    REQUIRE(segments.size() == 2);

    REQUIRE(bb::rewrite_segment(segments[0], {event(3), event(4)}).has_value());
    CHECK(read_file(segments[0]) == event(3) + "\n" + event(4) + "\n");
    CHECK(mode_of(segments[0]) == 0600);
    CHECK(temp_files(dir).empty());
    CHECK(*bb::list_spool(dir) == segments);

    // No lines left: the segment goes.
    REQUIRE(bb::rewrite_segment(segments[0], {}).has_value());
    CHECK_FALSE(fs::exists(segments[0]));
    REQUIRE(bb::remove_segment(segments[1]).has_value());
    CHECK(bb::list_spool(dir)->empty());
    // Already gone is not an error: nothing of it is left to replay.
    CHECK(bb::remove_segment(segments[1]).has_value());
    CHECK(temp_files(dir).empty());
}

TEST_CASE_FIXTURE(FreshSpool,
                  "spool: rewrite_segment and remove_segment name the file they failed on") {
    std::string segment = tmp.file("gone/20261127T110435.123456Z-04242-000001.ndjson");
    auto rewritten = bb::rewrite_segment(segment, {event(1)});
    REQUIRE_FALSE(rewritten.has_value());
    CHECK(rewritten.error().kind == bb::ErrorKind::io);
    CHECK(rewritten.error().message ==
          "spool " + segment + ": cannot create a file: No such file or directory");

    std::string not_empty = tmp.file("20261127T110435.123456Z-04242-000002.ndjson");
    fs::create_directories(not_empty + "/inside");
    auto removed = bb::remove_segment(not_empty);
    REQUIRE_FALSE(removed.has_value());
    CHECK(removed.error().kind == bb::ErrorKind::io);
    CHECK(removed.error().message.starts_with("spool " + not_empty + ": cannot remove: "));

    // A failed rewrite leaves the segment as it was and no temporary file.
    auto writer = open_writer(dir);
    add_events(writer, 1, 2);
    REQUIRE(writer.commit().has_value());
    const std::string& kept = writer.segments().at(0);
    bb::Result<void> failed;
    {
        FileSizeLimit limit(1000);
        failed = bb::rewrite_segment(kept, {event(1, 2000)});
    }
    REQUIRE_FALSE(failed.has_value());
    CHECK(failed.error().message == "spool " + kept + ": cannot write: File too large");
    CHECK(read_file(kept) == event(1) + "\n" + event(2) + "\n");
    CHECK(temp_files(dir).empty());
}

TEST_CASE_FIXTURE(FreshSpool, "spool: one drain at a time holds the lock") {
    fs::create_directory(dir);
    {
        auto held = bb::SpoolLock::acquire(dir);
        REQUIRE(held.has_value());
        CHECK(fs::exists(dir + "/.drain.lock"));

        // flock belongs to the open file: a second acquire in this process fails too.
        auto again = bb::SpoolLock::acquire(dir);
        REQUIRE_FALSE(again.has_value());
        CHECK(again.error().kind == bb::ErrorKind::temporary);
        CHECK(again.error().message == "spool " + dir + ": another drain is running");

        // And so it does in another process.
        pid_t child = ::fork();
        REQUIRE(child >= 0);
        if (child == 0) {
            auto other = bb::SpoolLock::acquire(dir);
            ::_exit(!other.has_value() && other.error().kind == bb::ErrorKind::temporary ? 0 : 1);
        }
        int status = 0;
        REQUIRE(::waitpid(child, &status, 0) == child);
        CHECK(WIFEXITED(status));
        CHECK(WEXITSTATUS(status) == 0);

        // A moved lock still holds.
        bb::SpoolLock moved(std::move(*held));
        CHECK_FALSE(bb::SpoolLock::acquire(dir).has_value());
    }
    // Released with the last owner.
    auto after = bb::SpoolLock::acquire(dir);
    CHECK(after.has_value());
}

TEST_CASE_FIXTURE(FreshSpool, "spool: locking a missing folder is not_found") {
    std::string missing = tmp.file("missing");
    auto lock = bb::SpoolLock::acquire(missing);
    REQUIRE_FALSE(lock.has_value());
    CHECK(lock.error().kind == bb::ErrorKind::not_found);
    CHECK(lock.error().message == "spool " + missing + ": No such file or directory");
    CHECK_FALSE(fs::exists(missing));
}

TEST_CASE_FIXTURE(FreshSpool, "spool: the whole lines a killed writer left in its temporary "
                              "file become a segment after the ones it committed") {
    // A writer that commits two events, then dies (no destructors run, as
    // with SIGKILL) with two large events written and one still buffered.
    const std::size_t large = 100 * 1024; // past the write buffer: goes to the file
    pid_t writer = ::fork();
    REQUIRE(writer >= 0);
    if (writer == 0) {
        auto w = bb::SpoolWriter::open(dir);
        bool ok = w && w->add(event(1), 1) && w->add(event(2), 2) && w->commit() &&
                  w->add(event(3, large), 3) && w->add(event(4, large), 4) && w->add(event(5), 5);
        ::_exit(ok ? 0 : 1);
    }
    int status = 0;
    REQUIRE(::waitpid(writer, &status, 0) == writer);
    REQUIRE(WIFEXITED(status));
    REQUIRE(WEXITSTATUS(status) == 0);
    REQUIRE(temp_files(dir).size() == 1);
    REQUIRE(bb::list_spool(dir)->size() == 1);

    // No minimum age: the writer is known to be gone.
    auto recovered = bb::recover_orphans(dir, std::chrono::seconds(0));
    REQUIRE_MESSAGE(recovered.has_value(), recovered.error().message);
    // Event 4's newline was still in the buffer: only event 3 was whole.
    CHECK(recovered->files == 1);
    CHECK(recovered->events == 1);
    CHECK(recovered->discarded == 0);
    CHECK(temp_files(dir).empty());
    auto segments = bb::list_spool(dir);
    REQUIRE(segments->size() == 2);
    CHECK(segments->at(1).find(fmt::format("Z-{:05}-", writer)) != std::string::npos);
    CHECK(mode_of(segments->at(1)) == 0600);
    CHECK(read_spool(dir) == event(1) + "\n" + event(2) + "\n" + event(3, large) + "\n");
}

TEST_CASE_FIXTURE(FreshSpool, "spool: recovery leaves live and recent files alone and removes "
                              "a dead drain's rewrite") {
    fs::create_directory(dir);
    pid_t gone = dead_pid();
    std::string running = fmt::format("{}/.tmp-{}-1", dir, ::getpid());
    std::string recent = fmt::format("{}/.tmp-{}-2", dir, gone);
    std::string rewrite = fmt::format("{}/.rewrite-{}-3", dir, gone);
    std::string no_whole_line = fmt::format("{}/.tmp-{}-4", dir, gone);
    std::string not_ours = dir + "/.tmp-notapid-5";
    for (const auto& path : {running, recent, rewrite, no_whole_line, not_ours})
        write_file(path, event(1) + (path == no_whole_line ? "" : "\n"));
    for (const auto& path : {running, rewrite, no_whole_line, not_ours})
        age(path, 3600);

    auto recovered = bb::recover_orphans(dir);
    REQUIRE_MESSAGE(recovered.has_value(), recovered.error().message);
    CHECK(recovered->files == 0);
    CHECK(recovered->events == 0);
    CHECK(recovered->discarded == 2);
    CHECK(fs::exists(running));
    CHECK(fs::exists(recent));
    CHECK(fs::exists(not_ours));
    CHECK_FALSE(fs::exists(rewrite));
    CHECK_FALSE(fs::exists(no_whole_line));
    CHECK(bb::list_spool(dir)->empty());

    // With no minimum age, the recent file of the dead writer is taken too.
    auto now = bb::recover_orphans(dir, std::chrono::seconds(0));
    REQUIRE(now.has_value());
    CHECK(now->files == 1);
    CHECK(fs::exists(running));
    CHECK(read_spool(dir) == event(1) + "\n");
}

TEST_CASE_FIXTURE(FreshSpool, "spool: two temporary files of one dead writer are recovered in "
                              "the order it made them, neither over the other") {
    fs::create_directory(dir);
    pid_t gone = dead_pid();
    // A segment the writer committed, named by a clock ahead of both files'
    // times: each recovered segment has to go after it, and after the other.
    write_file(fmt::format("{}/20991231T235959.999999Z-{:05}-000005.ndjson", dir, gone),
               event(0) + "\n");
    std::string first = fmt::format("{}/.tmp-{}-2", dir, gone);
    std::string second = fmt::format("{}/.tmp-{}-10", dir, gone);
    write_file(second, event(2) + "\n");
    write_file(first, event(1) + "\n");
    age(first, 3600);
    age(second, 3600);

    auto recovered = bb::recover_orphans(dir);
    REQUIRE_MESSAGE(recovered.has_value(), recovered.error().message);
    CHECK(recovered->files == 2);
    CHECK(recovered->events == 2);
    CHECK(bb::list_spool(dir)->size() == 3);
    CHECK(read_spool(dir) == event(0) + "\n" + event(1) + "\n" + event(2) + "\n");
}
