#include "spool/io.hpp"

#include "bloodbank/write_all.hpp"

#include <fmt/format.h>

#include <atomic>
#include <cerrno>
#include <charconv>
#include <csignal>
#include <cstring>
#include <ctime>
#include <dirent.h>
#include <fcntl.h>
#include <memory>
#include <sys/stat.h>
#include <unistd.h>
#include <utility>

namespace bb::spool_detail {
namespace {

int sync_fd(int fd) {
    while (::fsync(fd) != 0) {
        if (errno != EINTR)
            return errno;
    }
    return 0;
}

Error step_error(std::string_view doing, int error) {
    return make_error(ErrorKind::io, fmt::format("{}: {}", doing, std::strerror(error)));
}

} // namespace

std::string join_path(const std::string& dir, std::string_view name) {
    std::string path = dir;
    if (path.empty() || path.back() != '/')
        path += '/';
    path += name;
    return path;
}

std::string parent_dir(const std::string& path) {
    if (path.empty())
        return ".";
    std::size_t end = path.find_last_not_of('/'); // "a/b/" names a/b too
    if (end == std::string::npos)
        return "/";
    std::size_t slash = path.find_last_of('/', end);
    if (slash == std::string::npos)
        return ".";
    std::size_t last = path.find_last_not_of('/', slash);
    return last == std::string::npos ? "/" : path.substr(0, last + 1);
}

int sync_dir(const std::string& dir) {
    int fd = ::open(dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (fd < 0)
        return errno;
    int error = sync_fd(fd);
    ::close(fd);
    return error;
}

Error spool_error(const std::string& what, std::string_view doing, int error) {
    return make_error(ErrorKind::io,
                      fmt::format("spool {}: {}: {}", what, doing, std::strerror(error)));
}

Error dir_error(const std::string& dir, int error) {
    return make_error(error == ENOENT ? ErrorKind::not_found : ErrorKind::io,
                      fmt::format("spool {}: {}", dir, std::strerror(error)));
}

Result<std::vector<DirEntry>> entries_in(const std::string& dir) {
    std::unique_ptr<DIR, int (*)(DIR*)> handle(::opendir(dir.c_str()), ::closedir);
    if (!handle)
        return dir_error(dir, errno);
    std::vector<DirEntry> entries;
    for (;;) {
        errno = 0;
        const dirent* entry = ::readdir(handle.get());
        if (entry == nullptr) {
            if (errno != 0)
                return spool_error(dir, "cannot read", errno);
            return entries;
        }
        std::string_view name = entry->d_name;
        if (name == "." || name == "..")
            continue;
        // A drain rewrites and removes files in place: never through a link.
        unsigned char type = entry->d_type;
        if (type == DT_UNKNOWN) {
            struct stat st {};
            if (::fstatat(::dirfd(handle.get()), entry->d_name, &st, AT_SYMLINK_NOFOLLOW) == 0)
                type = S_ISREG(st.st_mode) ? DT_REG : S_ISDIR(st.st_mode) ? DT_DIR : DT_UNKNOWN;
        }
        entries.push_back({std::string(name), type == DT_REG, type == DT_DIR});
    }
}

Result<std::vector<std::string>> regular_files_in(const std::string& dir) {
    auto entries = entries_in(dir);
    if (!entries)
        return entries.error();
    std::vector<std::string> names;
    for (auto& entry : *entries)
        if (entry.regular)
            names.push_back(std::move(entry.name));
    return names;
}

Result<void> check_private_dir(const std::string& dir) {
    struct stat st {};
    if (::stat(dir.c_str(), &st) != 0)
        return dir_error(dir, errno);
    if (st.st_uid != ::geteuid())
        return make_error(
            ErrorKind::io,
            fmt::format("spool {}: refused: owned by uid {}, not by this user (uid {})", dir,
                        st.st_uid, ::geteuid()));
    if ((st.st_mode & (S_IWGRP | S_IWOTH)) != 0)
        return make_error(ErrorKind::io,
                          fmt::format("spool {}: refused: its group or others can write to it "
                                      "(mode {:04o}; chmod go-w fixes that)",
                                      dir, st.st_mode & 07777));
    return {};
}

// Creates the spool directory (one level) or checks the one that is there.
Result<void> prepare_dir(const std::string& dir) {
    if (::mkdir(dir.c_str(), dir_mode) == 0) {
        // Exactly 0700 whatever the umask, and the new entry made durable.
        if (::chmod(dir.c_str(), dir_mode) != 0)
            return spool_error(dir, "cannot create", errno);
        if (int error = sync_dir(parent_dir(dir)); error != 0)
            return spool_error(dir, "cannot create", error);
        return {};
    }
    if (errno != EEXIST)
        return spool_error(dir, "cannot create", errno);
    struct stat st {};
    if (::stat(dir.c_str(), &st) != 0)
        return spool_error(dir, "cannot create", errno);
    if (!S_ISDIR(st.st_mode))
        return make_error(ErrorKind::io, fmt::format("spool {}: not a directory", dir));
    if (auto mine = check_private_dir(dir); !mine)
        return mine;
    // Say so now rather than at the first event that needs keeping.
    if (::faccessat(AT_FDCWD, dir.c_str(), W_OK | X_OK, AT_EACCESS) != 0)
        return spool_error(dir, "cannot write", errno);
    return {};
}

void ignore_file_size_signal() {
    std::signal(SIGXFSZ, SIG_IGN);
}

std::string segment_name(std::int64_t unix_micros, long pid, std::size_t sequence) {
    std::time_t seconds = static_cast<std::time_t>(unix_micros / 1'000'000);
    std::tm utc{};
    ::gmtime_r(&seconds, &utc);
    return segment_name(fmt::format("{:04}{:02}{:02}T{:02}{:02}{:02}.{:06}Z", utc.tm_year + 1900,
                                    utc.tm_mon + 1, utc.tm_mday, utc.tm_hour, utc.tm_min,
                                    utc.tm_sec, unix_micros % 1'000'000),
                        pid, sequence);
}

std::string segment_name(std::string_view stamp, long pid, std::size_t sequence) {
    return fmt::format("{}-{:05}-{:06}.ndjson", stamp, pid, sequence);
}

std::optional<SegmentName> parse_segment_name(std::string_view name) {
    constexpr std::string_view suffix = ".ndjson";
    constexpr std::string_view stamp = "ddddddddTdddddd.ddddddZ-"; // d: a digit
    if (name.size() < stamp.size() + suffix.size() || !name.ends_with(suffix))
        return std::nullopt;
    name.remove_suffix(suffix.size());
    for (std::size_t i = 0; i < stamp.size(); ++i) {
        bool fits = stamp[i] == 'd' ? name[i] >= '0' && name[i] <= '9' : name[i] == stamp[i];
        if (!fits)
            return std::nullopt;
    }
    SegmentName parts{name.substr(0, stamp.size() - 1)};
    name.remove_prefix(stamp.size());
    // Digits only: from_chars would also take a sign.
    auto digits = [](std::string_view s) { return s.find_first_not_of("0123456789"); };
    std::size_t pid = digits(name);
    if (pid == std::string_view::npos || pid < 5 || name[pid] != '-')
        return std::nullopt;
    std::string_view sequence = name.substr(pid + 1);
    if (sequence.size() < 6 || digits(sequence) != std::string_view::npos)
        return std::nullopt;
    auto [pid_end, pid_error] = std::from_chars(name.data(), name.data() + pid, parts.pid);
    auto [seq_end, seq_error] =
        std::from_chars(sequence.data(), sequence.data() + sequence.size(), parts.sequence);
    if (pid_error != std::errc{} || seq_error != std::errc{})
        return std::nullopt; // out of range
    return parts;
}

std::optional<TempName> parse_temp_name(std::string_view name) {
    TempName parts;
    if (name.starts_with(segment_temp_prefix))
        name.remove_prefix(segment_temp_prefix.size());
    else if (name.starts_with(rewrite_temp_prefix)) {
        name.remove_prefix(rewrite_temp_prefix.size());
        parts.rewrite = true;
    } else
        return std::nullopt;
    const char* end = name.data() + name.size();
    auto [dash, pid_error] = std::from_chars(name.data(), end, parts.pid);
    if (pid_error != std::errc{} || parts.pid <= 0 || dash == end || *dash != '-')
        return std::nullopt;
    auto [rest, seq_error] = std::from_chars(dash + 1, end, parts.sequence);
    if (seq_error != std::errc{} || rest != end)
        return std::nullopt;
    return parts;
}

Result<TempFile> TempFile::create(const std::string& dir, std::string_view prefix) {
    // Unique within the process by the counter and across processes by the
    // pid; O_EXCL skips a leftover of an earlier process with the same pid.
    static std::atomic<unsigned long> counter{0};
    for (int attempt = 0; attempt < 100; ++attempt) {
        std::string path = join_path(
            dir, fmt::format("{}{}-{}", prefix, static_cast<long>(::getpid()), ++counter));
        int fd = ::open(path.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, file_mode);
        if (fd < 0 && (errno == EEXIST || errno == EINTR))
            continue;
        if (fd < 0)
            return step_error("cannot create a file", errno);
        // The umask may have taken bits away; the mode is exactly 0600.
        if (::fchmod(fd, file_mode) != 0) {
            int error = errno;
            ::close(fd);
            ::unlink(path.c_str());
            return step_error("cannot create a file", error);
        }
        return TempFile(dir, std::move(path), fd);
    }
    return step_error("cannot create a file", EEXIST);
}

TempFile::TempFile(std::string dir, std::string path, int fd)
    : dir_(std::move(dir)), path_(std::move(path)), fd_(fd) {
    buffer_.reserve(write_buffer_bytes);
}

TempFile::TempFile(TempFile&& other) noexcept
    : dir_(std::move(other.dir_)), path_(std::move(other.path_)), fd_(std::exchange(other.fd_, -1)),
      buffer_(std::move(other.buffer_)) {}

TempFile& TempFile::operator=(TempFile&& other) noexcept {
    if (this != &other) {
        discard();
        dir_ = std::move(other.dir_);
        path_ = std::move(other.path_);
        fd_ = std::exchange(other.fd_, -1);
        buffer_ = std::move(other.buffer_);
    }
    return *this;
}

TempFile::~TempFile() {
    discard();
}

void TempFile::discard() {
    if (fd_ < 0)
        return;
    ::close(fd_);
    ::unlink(path_.c_str());
    fd_ = -1;
    buffer_.clear();
}

Result<void> TempFile::flush() {
    int error = write_all(fd_, buffer_);
    buffer_.clear();
    if (error != 0) {
        discard();
        return step_error("cannot write", error);
    }
    return {};
}

Result<void> TempFile::write(std::string_view data) {
    if (buffer_.size() + data.size() > write_buffer_bytes) {
        if (auto flushed = flush(); !flushed)
            return flushed;
    }
    if (data.size() < write_buffer_bytes) {
        buffer_.append(data);
        return {};
    }
    // A piece as big as the buffer goes straight to the file: never copied.
    if (int error = write_all(fd_, data); error != 0) {
        discard();
        return step_error("cannot write", error);
    }
    return {};
}

Result<void> TempFile::commit(const std::string& final_path) {
    if (auto flushed = flush(); !flushed)
        return flushed;
    if (int error = sync_fd(fd_); error != 0) {
        discard();
        return step_error("cannot write", error);
    }
    int fd = std::exchange(fd_, -1);
    // close() can report a late write error (NFS); EINTR still closes it.
    if (::close(fd) != 0 && errno != EINTR) {
        int error = errno;
        ::unlink(path_.c_str());
        return step_error("cannot write", error);
    }
    if (::rename(path_.c_str(), final_path.c_str()) != 0) {
        int error = errno;
        ::unlink(path_.c_str());
        return step_error("cannot rename", error);
    }
    if (int error = sync_dir(dir_); error != 0) {
        // Not known to be durable: take it back rather than report it kept.
        ::unlink(final_path.c_str());
        return step_error("cannot sync the directory", error);
    }
    return {};
}

} // namespace bb::spool_detail
