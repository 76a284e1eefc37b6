#include "bloodbank/write_all.hpp"

#include <cerrno>

namespace bb {

int write_all(int fd, std::string_view data, WriteCall write) {
    while (!data.empty()) {
        ssize_t n = write(fd, data.data(), data.size());
        if (n < 0 && errno == EINTR)
            continue;
        if (n < 0)
            return errno;
        if (n == 0)
            return EIO;
        data.remove_prefix(static_cast<std::size_t>(n));
    }
    return 0;
}

} // namespace bb
