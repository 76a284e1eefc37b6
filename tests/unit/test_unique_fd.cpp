#include "bloodbank/unique_fd.hpp"

#include <doctest/doctest.h>

#include <fcntl.h>
#include <unistd.h>
#include <utility>

namespace {

bool is_open(int fd) {
    return ::fcntl(fd, F_GETFD) != -1;
}

int open_null() {
    int fd = ::open("/dev/null", O_RDONLY | O_CLOEXEC);
    REQUIRE(fd >= 0);
    return fd;
}

} // namespace

TEST_CASE("unique_fd: closes its descriptor when it goes away") {
    int fd = open_null();
    {
        bb::UniqueFd owner(fd);
        CHECK(owner);
        CHECK(owner.get() == fd);
    }
    CHECK_FALSE(is_open(fd));
    CHECK_FALSE(bb::UniqueFd());
}

TEST_CASE("unique_fd: a move hands the descriptor on, release gives it up") {
    int fd = open_null();
    bb::UniqueFd first(fd);
    bb::UniqueFd second(std::move(first));
    CHECK_FALSE(first);
    CHECK(second.get() == fd);

    bb::UniqueFd third;
    third = std::move(second);
    CHECK(third.get() == fd);
    CHECK(is_open(fd));

    int released = third.release();
    CHECK(released == fd);
    CHECK_FALSE(third);
    CHECK(is_open(fd)); // not closed: the caller owns it now
    ::close(fd);
}

TEST_CASE("unique_fd: reset closes the old descriptor and takes the new one") {
    int a = open_null();
    int b = open_null();
    bb::UniqueFd owner(a);
    owner.reset(b);
    CHECK_FALSE(is_open(a));
    CHECK(owner.get() == b);
    owner.reset();
    CHECK_FALSE(is_open(b));
    CHECK_FALSE(owner);
}
