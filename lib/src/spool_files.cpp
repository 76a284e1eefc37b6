// What a drain does with a spool: list its segments, lock it against a second
// drain, and replace or remove a segment once (some of) it is published.
#include "spool_io.hpp"

#include "bloodbank/spool.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <cctype>
#include <cerrno>
#include <cstring>
#include <dirent.h>
#include <fcntl.h>
#include <memory>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>
#include <utility>

namespace bb {

using spool_detail::spool_error;

namespace {

std::size_t leading_digits(std::string_view s) {
    auto end =
        std::find_if_not(s.begin(), s.end(), [](unsigned char c) { return std::isdigit(c) != 0; });
    return static_cast<std::size_t>(end - s.begin());
}

// 20261127T110435.123456Z-04242-000001.ndjson, as SpoolWriter names them (the
// pid and the sequence may grow wider). Anything else in the folder, hidden
// temporary files included, is not replayed.
bool is_segment_name(std::string_view name) {
    constexpr std::string_view suffix = ".ndjson";
    constexpr std::string_view stamp = "ddddddddTdddddd.ddddddZ-"; // d: a digit
    if (name.size() < stamp.size() + suffix.size() || !name.ends_with(suffix))
        return false;
    name.remove_suffix(suffix.size());
    for (std::size_t i = 0; i < stamp.size(); ++i) {
        bool fits = stamp[i] == 'd' ? std::isdigit(static_cast<unsigned char>(name[i])) != 0
                                    : name[i] == stamp[i];
        if (!fits)
            return false;
    }
    name.remove_prefix(stamp.size());
    std::size_t pid = leading_digits(name);
    if (pid < 5 || pid >= name.size() || name[pid] != '-')
        return false;
    name.remove_prefix(pid + 1);
    std::size_t sequence = leading_digits(name);
    return sequence >= 6 && sequence == name.size();
}

// A regular file, not a link to one: a drain rewrites segments in place.
bool is_regular_file(DIR* dir, const dirent& entry) {
    if (entry.d_type != DT_UNKNOWN)
        return entry.d_type == DT_REG;
    struct stat st {};
    return ::fstatat(::dirfd(dir), entry.d_name, &st, AT_SYMLINK_NOFOLLOW) == 0 &&
           S_ISREG(st.st_mode);
}

Error missing_or_io(const std::string& dir, int error) {
    return make_error(error == ENOENT ? ErrorKind::not_found : ErrorKind::io,
                      fmt::format("spool {}: {}", dir, std::strerror(error)));
}

} // namespace

Result<std::vector<std::string>> list_spool(const std::string& dir) {
    std::unique_ptr<DIR, int (*)(DIR*)> handle(::opendir(dir.c_str()), ::closedir);
    if (!handle)
        return missing_or_io(dir, errno);
    std::vector<std::string> names;
    for (;;) {
        errno = 0;
        const dirent* entry = ::readdir(handle.get());
        if (entry == nullptr) {
            if (errno != 0)
                return spool_error(dir, "cannot read", errno);
            break;
        }
        if (is_segment_name(entry->d_name) && is_regular_file(handle.get(), *entry))
            names.emplace_back(entry->d_name);
    }
    std::sort(names.begin(), names.end());
    std::vector<std::string> paths;
    paths.reserve(names.size());
    for (const auto& name : names)
        paths.push_back(spool_detail::join_path(dir, name));
    return paths;
}

Result<SpoolLock> SpoolLock::acquire(const std::string& dir) {
    std::string path = spool_detail::join_path(dir, ".drain.lock");
    int fd = -1;
    do {
        fd = ::open(path.c_str(), O_RDONLY | O_CREAT | O_CLOEXEC, spool_detail::file_mode);
    } while (fd < 0 && errno == EINTR);
    if (fd < 0)
        return errno == ENOENT ? missing_or_io(dir, errno) : spool_error(dir, "cannot lock", errno);
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

SpoolLock::SpoolLock(SpoolLock&& other) noexcept : fd_(std::exchange(other.fd_, -1)) {}

SpoolLock::~SpoolLock() {
    if (fd_ >= 0)
        ::close(fd_); // the last descriptor of the open file: the lock goes with it
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
