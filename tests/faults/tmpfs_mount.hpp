// A tiny tmpfs mounted for one test (root only), to fill a disk on purpose.
#pragma once

#include <string>

namespace bbtest::faults {

class TmpfsMount {
public:
    // Mounts a tmpfs of `size` (e.g. "1m") on the existing directory `dir`.
    TmpfsMount(std::string dir, const std::string& size);
    ~TmpfsMount(); // unmounts (lazily, so a file still open cannot stop it)
    TmpfsMount(const TmpfsMount&) = delete;
    TmpfsMount& operator=(const TmpfsMount&) = delete;

    bool mounted() const { return mounted_; }
    const std::string& error() const { return error_; } // why it is not mounted

private:
    std::string dir_;
    bool mounted_ = false;
    std::string error_;
};

} // namespace bbtest::faults
