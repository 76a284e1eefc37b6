#include "faults/tmpfs_mount.hpp"

#include <cerrno>
#include <cstring>
#include <sys/mount.h>

namespace bbtest::faults {

TmpfsMount::TmpfsMount(std::string dir, const std::string& size) : dir_(std::move(dir)) {
    std::string options = "size=" + size + ",mode=0700";
    if (mount("tmpfs", dir_.c_str(), "tmpfs", MS_NOSUID | MS_NODEV, options.c_str()) == 0)
        mounted_ = true;
    else
        error_ = "mount -t tmpfs -o " + options + " " + dir_ + ": " + std::strerror(errno);
}

TmpfsMount::~TmpfsMount() {
    if (mounted_)
        umount2(dir_.c_str(), MNT_DETACH);
}

} // namespace bbtest::faults
