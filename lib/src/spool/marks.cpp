// A segment's published lines marked in place: see marks.hpp.
#include "spool/marks.hpp"

#include "spool/io.hpp"

#include <algorithm>
#include <cerrno>
#include <fcntl.h>
#include <unistd.h>

namespace bb::spool_detail {
namespace {

// Where each line of the file starts (a last line without a newline too),
// then the file's size. pread(): the read position stays at the start.
Result<std::vector<std::uint64_t>> line_starts(int fd, const std::string& path,
                                               bool& last_newline) {
    std::vector<std::uint64_t> starts{0};
    char buffer[64 * 1024];
    std::uint64_t at = 0;
    for (;;) {
        ssize_t got = ::pread(fd, buffer, sizeof buffer, static_cast<off_t>(at));
        if (got < 0 && errno == EINTR)
            continue;
        if (got < 0)
            return spool_error(path, "cannot read", errno);
        if (got == 0)
            break;
        for (ssize_t i = 0; i < got; ++i)
            if (buffer[i] == '\n')
                starts.push_back(at + static_cast<std::uint64_t>(i) + 1);
        at += static_cast<std::uint64_t>(got);
    }
    last_newline = starts.back() == at;
    if (!last_newline)
        starts.push_back(at); // the end of a last line without newline
    return starts;
}

} // namespace

Result<SegmentMarks> SegmentMarks::open(const std::string& path) {
    int raw = -1;
    do {
        raw = ::open(path.c_str(), O_RDWR | O_NOFOLLOW | O_CLOEXEC);
    } while (raw < 0 && errno == EINTR);
    if (raw < 0)
        return spool_error(path, "cannot open", errno);
    UniqueFd fd(raw);
    bool last_newline = true;
    auto starts = line_starts(fd.get(), path, last_newline);
    if (!starts)
        return starts.error();
    return SegmentMarks(path, std::move(fd), std::move(*starts), last_newline);
}

void SegmentMarks::done(std::size_t line) {
    if (line >= 1 && line < starts_.size())
        pending_.push_back(line);
}

Result<void> SegmentMarks::flush() {
    if (pending_.empty())
        return {};
    std::sort(pending_.begin(), pending_.end());
    pending_.erase(std::unique(pending_.begin(), pending_.end()), pending_.end());
    // One write per run of consecutive lines: spaces, their newlines kept.
    std::string blanks;
    for (std::size_t first = 0; first < pending_.size();) {
        std::size_t last = first;
        while (last + 1 < pending_.size() && pending_[last + 1] == pending_[last] + 1)
            ++last;
        std::uint64_t begin = starts_[pending_[first] - 1];
        std::uint64_t end = starts_[pending_[last]];
        blanks.assign(end - begin, ' ');
        for (std::size_t line = pending_[first]; line <= pending_[last]; ++line)
            if (line + 1 < starts_.size() || last_newline_)
                blanks[starts_[line] - 1 - begin] = '\n';
        std::size_t written = 0;
        while (written < blanks.size()) {
            ssize_t n = ::pwrite(fd_.get(), blanks.data() + written, blanks.size() - written,
                                 static_cast<off_t>(begin + written));
            if (n < 0 && errno == EINTR)
                continue;
            if (n <= 0)
                return spool_error(path_, "cannot mark published events", n < 0 ? errno : EIO);
            written += static_cast<std::size_t>(n);
        }
        first = last + 1;
    }
    while (::fdatasync(fd_.get()) != 0)
        if (errno != EINTR)
            return spool_error(path_, "cannot mark published events", errno);
    pending_.clear();
    return {};
}

} // namespace bb::spool_detail
