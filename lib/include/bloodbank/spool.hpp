// The durable spool: events bb-publish could not get confirmed (broker down,
// connection lost, nack, return, confirm timeout, a signal) are kept on disk
// for a later `bb-publish --drain DIR`, never dropped.
//
// A spool is a directory (mode 0700) of segment files (mode 0600), each a run
// of completed envelopes, one per line, in input order. Segment names sort in
// the order they were written, which is the order a drain replays them:
//
//     20261127T110435.123456Z-04242-000001.ndjson
//     (UTC time the segment was started, writer pid, sequence in that run)
//
// The sequence counts the segments of the whole process, so two writers in
// one process never make the same name.
//
// A segment is written to a hidden ".tmp-PID-N" file in the same directory,
// then fsync()ed, renamed to its name and the directory fsync()ed: a reader
// sees a whole segment or none. A drain rewrites a segment the same way,
// through ".rewrite-PID-N". Names starting with "." are never drained as
// they are; a drain first recovers those of processes that died
// (recover_orphans). Writers take no lock (every segment name is new); drains
// take DIR/.drain.lock.
#pragma once

#include "bloodbank/error.hpp"
#include "bloodbank/unique_fd.hpp"

#include <chrono>
#include <cstddef>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace bb {

struct SpoolLimits {
    // A segment is committed when it holds this many events or bytes, so an
    // I/O error loses at most the current segment from the spool (and says so).
    std::size_t segment_events = 1000;
    std::size_t segment_bytes = 4 * 1024 * 1024;
};

class SpoolWriter {
public:
    // Creates `dir` (one level, mode 0700) when it does not exist; an existing
    // directory is used as is unless its group or others can write to it or
    // another user owns it (anything in a spool gets published). Errors are
    // ErrorKind::io naming the directory: "spool /x: cannot create:
    // Permission denied", "spool /x: not a directory", "spool /x: refused:
    // ...". From then on SIGXFSZ is ignored: a file-size limit is EFBIG,
    // reported as any write error.
    static Result<SpoolWriter> open(const std::string& dir, SpoolLimits limits = {});

    SpoolWriter(SpoolWriter&&) noexcept;
    SpoolWriter& operator=(SpoolWriter&&) noexcept;
    // Removes an uncommitted temporary file: never a partial segment.
    ~SpoolWriter();

    // Appends one event (a serialized envelope without newline) that came from
    // input line `line`; commits the segment when it is full. After an error
    // every further add() fails the same way. Errors are ErrorKind::io:
    // "spool /x: cannot write: No space left on device; events from input
    // line 123 on were not kept" (123 = first_unkept_line()).
    Result<void> add(std::string_view envelope, std::size_t line);

    // Makes every event added so far durable (fsync, rename, fsync of the
    // directory). Nothing pending: does nothing.
    Result<void> commit();

    std::size_t kept() const;    // events in committed segments
    std::size_t pending() const; // events added but not committed yet (0 after an error)
    // After an error: the input line of the first event that is not in the
    // spool (the first of the segment that failed).
    std::optional<std::size_t> first_unkept_line() const;
    const std::string& dir() const;
    const std::vector<std::string>& segments() const; // committed, full paths, in order

    struct State; // private to lib/src
    explicit SpoolWriter(std::unique_ptr<State> state);

private:
    std::unique_ptr<State> state_;
};

// The segments of a spool in replay order (full paths). A missing directory
// is ErrorKind::not_found ("spool /x: No such file or directory"); other
// errors are ErrorKind::io.
Result<std::vector<std::string>> list_spool(const std::string& dir);

// The names in a spool folder that are neither segments nor its own files
// (temporary files, the lock, the rejected/ folder), sorted: a file named
// almost like a segment, a link, a folder. A drain never takes them; it says
// so rather than ignore them. Errors as list_spool's.
Result<std::vector<std::string>> unknown_spool_files(const std::string& dir);

// An exclusive lock on DIR/.drain.lock (flock), held while it lives: two
// drains of one spool never publish the same segment. When another process
// holds it: ErrorKind::temporary, "spool /x: another drain is running"
// (this process too: a second acquire fails). A missing directory is
// ErrorKind::not_found, other errors ErrorKind::io.
class SpoolLock {
public:
    static Result<SpoolLock> acquire(const std::string& dir);

private:
    explicit SpoolLock(int fd) : fd_(fd) {}
    // The last descriptor of the open file: closing it releases the lock.
    UniqueFd fd_;
};

struct OrphanRecovery {
    std::size_t files = 0;     // writers' temporary files made into segments
    std::size_t events = 0;    // the whole lines they held
    std::size_t discarded = 0; // removed: drains' unfinished rewrites, files without a whole line
    // Writers' temporary files not taken yet (too recent, or their process
    // still runs), and the whole lines they hold: events a later drain gets.
    std::size_t left_files = 0;
    std::size_t left_events = 0;
};

// The temporary files of processes that died before committing them (SIGKILL,
// a crash, a power cut): a ".tmp-" file's whole lines become a segment named
// after its last write time, so a drain publishes events its writer had
// taken in but not yet reported spooled (a line cut short is dropped: it was
// never whole); a ".rewrite-" file is removed, its segment being still in
// place. Only files untouched for `min_age` whose pid is not a running
// process are taken: a live writer commits within seconds of its last write.
// Call it holding the SpoolLock. Errors are ErrorKind::io naming the file.
Result<OrphanRecovery> recover_orphans(const std::string& dir,
                                       std::chrono::seconds min_age = std::chrono::minutes(10));

// Replaces a segment with `lines` (what is still unpublished, in order), by
// the same temp-file, fsync, rename, fsync-directory steps; no lines removes
// the segment and fsyncs the directory; a segment already gone counts as
// removed. Errors are ErrorKind::io naming the file: "spool /x/SEGMENT:
// cannot write: No space left on device".
Result<void> rewrite_segment(const std::string& path, const std::vector<std::string>& lines);
Result<void> remove_segment(const std::string& path);

} // namespace bb
