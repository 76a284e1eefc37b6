// A drain's record of what it has published from a segment, kept in the
// segment itself: each published line is overwritten in place with as many
// spaces (its newline stays), which every reader skips as a blank line, and
// the file is synced. Overwriting bytes a file already has allocates nothing,
// so this works on a full disk or under a file-size limit, where writing a
// shorter copy of the segment cannot: a drain that stops after publishing
// part of a segment never sends that part again.
#pragma once

#include "bloodbank/error.hpp"
#include "bloodbank/unique_fd.hpp"

#include <cstddef>
#include <cstdint>
#include <string>
#include <utility>
#include <vector>

namespace bb::spool_detail {

class SegmentMarks {
public:
    // Opens the segment for reading and writing (never through a link) and
    // finds where each of its lines starts. Errors are ErrorKind::io naming it.
    static Result<SegmentMarks> open(const std::string& path);

    // Read the segment through this: marking uses pwrite(), which leaves the
    // read position alone.
    int fd() const { return fd_.get(); }
    // Line `line` (from 1, as LineReader counts) was published: it is marked
    // at the next flush().
    void done(std::size_t line);
    std::size_t pending() const { return pending_.size(); }
    // Writes the pending marks and syncs the file. Errors are ErrorKind::io
    // naming the segment; the marks stay pending.
    Result<void> flush();

private:
    SegmentMarks(std::string path, UniqueFd fd, std::vector<std::uint64_t> starts,
                 bool last_newline)
        : path_(std::move(path)), fd_(std::move(fd)), starts_(std::move(starts)),
          last_newline_(last_newline) {}

    std::string path_;
    UniqueFd fd_;
    // Where each line starts, then where the last one ends: line N is
    // [starts_[N-1], starts_[N]), its newline included unless it is the last
    // line and the file does not end with one.
    std::vector<std::uint64_t> starts_;
    bool last_newline_ = true;
    std::vector<std::size_t> pending_;
};

} // namespace bb::spool_detail
