// What the spool's unit tests share: files read and written whole, modes,
// a small private tmpfs (a full disk), and each test's own spool folder.
#pragma once

#include "../support/temp_dir.hpp"

#include <doctest/doctest.h>

#include <fstream>
#include <sstream>
#include <string>
#include <sys/mount.h>
#include <sys/stat.h>
#include <unistd.h>

namespace bbtest::spool {

inline std::string read_file(const std::string& path) {
    std::ifstream in(path, std::ios::binary);
    REQUIRE(in);
    std::ostringstream text;
    text << in.rdbuf();
    return text.str();
}

inline void write_file(const std::string& path, const std::string& text) {
    std::ofstream(path, std::ios::binary) << text;
}

inline unsigned mode_of(const std::string& path) {
    struct stat st {};
    REQUIRE(::stat(path.c_str(), &st) == 0);
    return st.st_mode & 07777;
}

// A tmpfs of `size` mounted on `dir` while it lives, private like a spool
// folder; only root can, and only where mounting is allowed at all.
class SmallTmpfs {
public:
    SmallTmpfs(const std::string& dir, const std::string& size) : dir_(dir) {
        mounted_ = ::geteuid() == 0 && ::mount("tmpfs", dir.c_str(), "tmpfs", 0,
                                               ("mode=0700,size=" + size).c_str()) == 0;
    }
    ~SmallTmpfs() {
        if (mounted_)
            ::umount2(dir_.c_str(), MNT_DETACH);
    }
    bool mounted() const { return mounted_; }

private:
    std::string dir_;
    bool mounted_ = false;
};

// Each test's own temporary folder; `dir` is a spool in it, not created yet.
struct FreshSpool {
    TempDir tmp{"bb-spool-test"};
    std::string dir = tmp.file("spool");
};

} // namespace bbtest::spool
