// Low-level file steps shared by the spool writer and the drain's segment
// rewrites: a file is written under a hidden temporary name and only takes its
// real name once it is complete and on disk, so a reader sees all or nothing.
#pragma once

#include "bloodbank/error.hpp"

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace bb::spool_detail {

// Files in a spool are the owner's only, whatever the umask.
constexpr unsigned file_mode = 0600;
constexpr unsigned dir_mode = 0700;
// Bytes collected before one write(): many small events, few system calls.
constexpr std::size_t write_buffer_bytes = 64 * 1024;

// Hidden names of unfinished files: a segment being written, and a drain's
// rewrite of a segment (whose original is still in place until the rename).
constexpr std::string_view segment_temp_prefix = ".tmp-";
constexpr std::string_view rewrite_temp_prefix = ".rewrite-";
// The drains' lock file, and the folder beside the segments where a drain
// sets aside the events that can never be published as they are.
constexpr std::string_view lock_name = ".drain.lock";
constexpr std::string_view rejected_dir_name = "rejected";

// 20261127T110435.123456Z-04242-000001.ndjson: every field fixed-width and
// most significant first, so byte order is time order.
std::string segment_name(std::int64_t unix_micros, long pid, std::size_t sequence);
// The same from a stamp already formatted ("20261127T110435.123456Z").
std::string segment_name(std::string_view stamp, long pid, std::size_t sequence);

struct SegmentName {
    std::string_view stamp; // "20261127T110435.123456Z"
    long pid = 0;
    std::size_t sequence = 0;
};
// The parts of a segment name as segment_name() makes them (the pid and the
// sequence may grow wider); nullopt for anything else in the folder, hidden
// temporary files included, which is never replayed as it is.
std::optional<SegmentName> parse_segment_name(std::string_view name);

struct TempName {
    bool rewrite = false; // a drain's rewrite, not a writer's segment
    long pid = 0;
    std::size_t sequence = 0;
};
// The parts of ".tmp-PID-N" or ".rewrite-PID-N", as TempFile names them;
// nullopt for anything else.
std::optional<TempName> parse_temp_name(std::string_view name);

// "dir/name", without doubling a trailing slash of dir.
std::string join_path(const std::string& dir, std::string_view name);
// The directory holding `path` ("." when it names none).
std::string parent_dir(const std::string& path);
// fsync() of a directory, so that a rename or unlink in it survives a crash.
// Returns 0 or the errno.
int sync_dir(const std::string& dir);
// An ErrorKind::io error "spool WHAT: DOING: strerror".
Error spool_error(const std::string& what, std::string_view doing, int error);
// Why `dir` cannot be opened: ErrorKind::not_found for ENOENT, else
// ErrorKind::io; "spool DIR: strerror".
Error dir_error(const std::string& dir, int error);

struct DirEntry {
    std::string name;
    bool regular = false;   // a regular file, not a link to one
    bool directory = false; // a directory, not a link to one
};
// What `dir` holds but "." and "..", unsorted. Opening errors as
// dir_error(), reading errors as spool_error().
Result<std::vector<DirEntry>> entries_in(const std::string& dir);
// The names of the regular files (not links to them) in `dir`, unsorted.
Result<std::vector<std::string>> regular_files_in(const std::string& dir);

// Whatever is in a spool gets published, so a spool folder that someone else
// can write into, or that belongs to another user, is refused (as ssh refuses
// such a key file). ErrorKind::io, naming the folder and the fix:
//   "spool /x: refused: its group or others can write to it (mode 0777;
//    chmod go-w fixes that)"
//   "spool /x: refused: owned by uid 1001, not by this user (uid 0)"
// A missing folder is dir_error().
Result<void> check_private_dir(const std::string& dir);

// Creates `dir` (one level, exactly 0700, the new entry synced) or checks
// the one that is there: a directory this process can write into, passing
// check_private_dir(). Errors are ErrorKind::io naming `dir`.
Result<void> prepare_dir(const std::string& dir);

// A file-size limit (RLIMIT_FSIZE) must come to the spool as EFBIG, an error
// it reports like a full disk, not as SIGXFSZ, whose default action kills the
// process with a partial temporary file left behind. Idempotent.
void ignore_file_size_signal();

// A file being written in `dir` under a hidden name, `prefix` + "PID-N".
// commit() gives it
// its final name. An uncommitted file is removed when discarded, destroyed or
// after any failed step (which leaves the TempFile closed). Errors are
// ErrorKind::io with the failed step only ("cannot write: No space left on
// device"); the caller adds what it was writing.
class TempFile {
public:
    static Result<TempFile> create(const std::string& dir, std::string_view prefix);

    TempFile(TempFile&& other) noexcept;
    TempFile& operator=(TempFile&& other) noexcept;
    ~TempFile();

    bool is_open() const { return fd_ >= 0; }
    // Buffered: at most write_buffer_bytes (or one larger piece) stay in memory.
    Result<void> write(std::string_view data);
    // Flushes, fsyncs, renames to `final_path` (in the same directory) and
    // fsyncs the directory. On any failure nothing is left under either name.
    Result<void> commit(const std::string& final_path);
    // Closes and removes the temporary file, if there is one.
    void discard();

private:
    TempFile(std::string dir, std::string path, int fd);
    Result<void> flush();

    std::string dir_;
    std::string path_;
    int fd_ = -1;
    std::string buffer_;
};

} // namespace bb::spool_detail
