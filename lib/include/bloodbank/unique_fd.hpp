// A file descriptor with one owner, closed when that owner goes away: the one
// RAII wrapper for descriptors, so no early return can leak one.
#pragma once

#include <utility>

namespace bb {

class UniqueFd {
public:
    UniqueFd() = default;
    explicit UniqueFd(int fd) : fd_(fd) {}
    UniqueFd(UniqueFd&& other) noexcept : fd_(other.release()) {}
    UniqueFd& operator=(UniqueFd&& other) noexcept {
        if (this != &other)
            reset(other.release());
        return *this;
    }
    UniqueFd(const UniqueFd&) = delete;
    UniqueFd& operator=(const UniqueFd&) = delete;
    ~UniqueFd() { reset(); }

    int get() const { return fd_; }
    explicit operator bool() const { return fd_ >= 0; }
    // Gives the descriptor up without closing it (to a new owner).
    int release() { return std::exchange(fd_, -1); }
    // Closes the descriptor held, if any, and holds `fd` instead. The close()
    // result is ignored: a caller that must see a late write error calls
    // close() itself on release().
    void reset(int fd = -1);

private:
    int fd_ = -1;
};

} // namespace bb
