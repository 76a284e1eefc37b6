// Unfinished files a killed process left in a spool. A writer's temporary
// segment holds events it had taken from its input but not yet reported as
// spooled; turning its whole lines into a segment gets them published (at
// least once: consumers deduplicate by message_id) rather than lost. A
// drain's unfinished rewrite is only a copy: its segment is still in place.
#include "spool/io.hpp"

#include "bloodbank/file_access.hpp"
#include "bloodbank/spool.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <cerrno>
#include <csignal>
#include <ctime>
#include <limits>
#include <optional>
#include <sys/stat.h>
#include <tuple>
#include <unistd.h>

namespace bb {

using spool_detail::spool_error;

namespace {

struct Orphan {
    std::string name;
    bool rewrite = false; // a drain's copy, not a writer's segment
    long pid = 0;
    std::size_t sequence = 0;
};

std::optional<Orphan> parse_name(std::string_view name) {
    auto parts = spool_detail::parse_temp_name(name);
    if (!parts)
        return std::nullopt;
    return Orphan{std::string(name), parts->rewrite, parts->pid, parts->sequence};
}

// A process that may still be writing: alive here, or not ours to signal.
bool is_running(long pid) {
    return ::kill(static_cast<pid_t>(pid), 0) == 0 || errno == EPERM;
}

std::int64_t micros_of(const timespec& t) {
    return static_cast<std::int64_t>(t.tv_sec) * 1'000'000 + t.tv_nsec / 1000;
}

// The whole lines of a file: what recovering it would make a segment of.
Result<std::size_t> whole_lines(const std::string& path) {
    auto text = read_file_text(path, std::numeric_limits<std::size_t>::max());
    if (!text)
        return make_error(ErrorKind::io, "spool " + text.error().message);
    return static_cast<std::size_t>(std::count(text->begin(), text->end(), '\n'));
}

Error cannot_recover(const std::string& path, const Error& step) {
    return make_error(ErrorKind::io,
                      fmt::format("spool {}: cannot recover: {}", path, step.message));
}

// The name of the segment made of a dead writer's temporary file: from the
// time it was last written, its pid and its number, but after every segment
// of that pid (the file's time is coarser than the clock segments are named
// by, and a writer's segments must replay in its order).
std::string adopted_name(const Orphan& orphan, const struct stat& st,
                         const std::vector<std::string>& files) {
    std::string name =
        spool_detail::segment_name(micros_of(st.st_mtim), orphan.pid, orphan.sequence);
    std::string latest; // the last segment of that pid, in replay order
    for (const auto& file : files)
        if (auto parts = spool_detail::parse_segment_name(file);
            parts && parts->pid == orphan.pid && file > latest)
            latest = file;
    if (latest < name)
        return name;
    auto parts = spool_detail::parse_segment_name(latest);
    return spool_detail::segment_name(parts->stamp, parts->pid, parts->sequence + 1);
}

// Gives the whole lines of a writer's temporary file a segment named by
// adopted_name(); returns how many lines were kept.
Result<std::size_t> adopt(const std::string& dir, const Orphan& orphan, const std::string& name) {
    std::string path = spool_detail::join_path(dir, orphan.name);
    // No limit here: a writer bounds its segments (SpoolLimits).
    auto text = read_file_text(path, std::numeric_limits<std::size_t>::max());
    if (!text)
        return make_error(ErrorKind::io, "spool " + text.error().message);
    // A line cut short by the kill has no newline yet: it was never whole.
    std::size_t last_newline = text->find_last_of('\n');
    text->resize(last_newline == std::string::npos ? 0 : last_newline + 1);
    std::size_t lines = 0;
    for (char c : *text)
        lines += c == '\n' ? 1 : 0;
    if (lines > 0) {
        auto file = spool_detail::TempFile::create(dir, spool_detail::segment_temp_prefix);
        if (!file)
            return cannot_recover(path, file.error());
        if (auto written = file->write(*text); !written)
            return cannot_recover(path, written.error());
        if (auto done = file->commit(spool_detail::join_path(dir, name)); !done)
            return cannot_recover(path, done.error());
    }
    if (::unlink(path.c_str()) != 0 && errno != ENOENT)
        return spool_error(path, "cannot remove", errno);
    return lines;
}

} // namespace

Result<OrphanRecovery> recover_orphans(const std::string& dir, std::chrono::seconds min_age) {
    auto files = spool_detail::regular_files_in(dir);
    if (!files)
        return files.error();
    std::vector<Orphan> orphans;
    for (const auto& name : *files)
        if (auto orphan = parse_name(name))
            orphans.push_back(std::move(*orphan));
    // One process's files in the order it made them, so that its recovered
    // segments replay in that order too.
    std::sort(orphans.begin(), orphans.end(), [](const Orphan& a, const Orphan& b) {
        return std::tie(a.pid, a.sequence) < std::tie(b.pid, b.sequence);
    });

    OrphanRecovery recovery;
    std::int64_t now = static_cast<std::int64_t>(std::time(nullptr));
    for (const Orphan& orphan : orphans) {
        std::string path = spool_detail::join_path(dir, orphan.name);
        struct stat st {};
        if (::lstat(path.c_str(), &st) != 0 || !S_ISREG(st.st_mode))
            continue; // gone meanwhile

        // A live writer commits within seconds of its last write; a file
        // untouched for min_age whose process is gone has no writer left.
        if (now - static_cast<std::int64_t>(st.st_mtim.tv_sec) < min_age.count() ||
            is_running(orphan.pid)) {
            // Not taken now, but events all the same: a drain must not say the
            // spool is empty while they wait.
            if (orphan.rewrite)
                continue; // a copy of a segment still in place
            auto lines = whole_lines(path);
            if (!lines)
                return lines.error();
            recovery.left_files += *lines > 0 ? 1 : 0;
            recovery.left_events += *lines;
            continue;
        }
        if (orphan.rewrite) {
            if (::unlink(path.c_str()) != 0 && errno != ENOENT)
                return spool_error(path, "cannot remove", errno);
            ++recovery.discarded;
            continue;
        }
        std::string name = adopted_name(orphan, st, *files);
        auto lines = adopt(dir, orphan, name);
        if (!lines)
            return lines.error();
        if (*lines > 0)
            files->push_back(std::move(name)); // the next one of this pid goes after it
        recovery.files += *lines > 0 ? 1 : 0;
        recovery.discarded += *lines > 0 ? 0 : 1;
        recovery.events += *lines;
    }
    if (recovery.files + recovery.discarded > 0)
        if (int error = spool_detail::sync_dir(dir); error != 0)
            return spool_error(dir, "cannot sync the directory", error);
    return recovery;
}

} // namespace bb
