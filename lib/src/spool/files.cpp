// What a drain does with a spool: list its segments, lock it against a second
// drain, and replace or remove a segment once (some of) it is published.
#include "spool/io.hpp"

#include "bloodbank/spool.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <cerrno>
#include <fcntl.h>
#include <memory>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>
#include <utility>

namespace bb {

using spool_detail::spool_error;

namespace {

// What a spool folder is known to hold besides its segments.
bool is_known(const spool_detail::DirEntry& entry) {
    if (entry.directory)
        return entry.name == spool_detail::rejected_dir_name;
    if (!entry.regular)
        return false; // a link, a FIFO...: never drained
    return spool_detail::parse_segment_name(entry.name) ||
           spool_detail::parse_temp_name(entry.name) || entry.name == spool_detail::lock_name;
}

} // namespace

Result<std::vector<std::string>> unknown_spool_files(const std::string& dir) {
    auto entries = spool_detail::entries_in(dir);
    if (!entries)
        return entries.error();
    std::vector<std::string> names;
    for (auto& entry : *entries)
        if (!is_known(entry))
            names.push_back(std::move(entry.name));
    std::sort(names.begin(), names.end());
    return names;
}

Result<std::vector<std::string>> list_spool(const std::string& dir) {
    auto files = spool_detail::regular_files_in(dir);
    if (!files)
        return files.error();
    std::vector<std::string> names;
    for (auto& name : *files)
        if (spool_detail::parse_segment_name(name))
            names.push_back(std::move(name));
    std::sort(names.begin(), names.end());
    std::vector<std::string> paths;
    paths.reserve(names.size());
    for (const auto& name : names)
        paths.push_back(spool_detail::join_path(dir, name));
    return paths;
}

Result<SpoolLock> SpoolLock::acquire(const std::string& dir) {
    std::string path = spool_detail::join_path(dir, spool_detail::lock_name);
    int fd = -1;
    do {
        fd = ::open(path.c_str(), O_RDONLY | O_CREAT | O_CLOEXEC, spool_detail::file_mode);
    } while (fd < 0 && errno == EINTR);
    if (fd < 0)
        return errno == ENOENT ? spool_detail::dir_error(dir, errno)
                               : spool_error(dir, "cannot lock", errno);
    SpoolLock lock(fd); // closes fd on every way out
    int rc = -1;
    do {
        rc = ::flock(fd, LOCK_EX | LOCK_NB);
    } while (rc != 0 && errno == EINTR);
    if (rc != 0 && errno == EWOULDBLOCK)
        return make_error(ErrorKind::temporary,
                          fmt::format("spool {}: another drain is running", dir));
    if (rc != 0)
        return spool_error(dir, "cannot lock", errno);
    return lock;
}

Result<void> rewrite_segment(const std::string& path, const std::vector<std::string>& lines) {
    if (lines.empty())
        return remove_segment(path);
    auto in_segment = [&](const Error& step) {
        return make_error(ErrorKind::io, fmt::format("spool {}: {}", path, step.message));
    };
    auto file = spool_detail::TempFile::create(spool_detail::parent_dir(path),
                                               spool_detail::rewrite_temp_prefix);
    if (!file)
        return in_segment(file.error());
    for (const auto& line : lines) {
        if (auto written = file->write(line); !written)
            return in_segment(written.error());
        if (auto written = file->write("\n"); !written)
            return in_segment(written.error());
    }
    if (auto done = file->commit(path); !done)
        return in_segment(done.error());
    return {};
}

Result<void> remove_segment(const std::string& path) {
    // Already gone is what was asked for: nothing of it is left to replay.
    if (::unlink(path.c_str()) != 0 && errno != ENOENT)
        return spool_error(path, "cannot remove", errno);
    if (int error = spool_detail::sync_dir(spool_detail::parent_dir(path)); error != 0)
        return spool_error(path, "cannot sync the directory", error);
    return {};
}

} // namespace bb
