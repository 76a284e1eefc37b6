#include "bloodbank/envelope.hpp"

#include <limits.h>
#include <unistd.h>

namespace bb {

const std::string& local_hostname() {
    // Read once: it is on every envelope that does not name its host.
    static const std::string name = [] {
        char buffer[HOST_NAME_MAX + 1] = {};
        if (gethostname(buffer, sizeof(buffer) - 1) != 0 || buffer[0] == '\0')
            return std::string("localhost");
        return std::string(buffer);
    }();
    return name;
}

} // namespace bb
