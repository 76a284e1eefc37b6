// Shutdown of the publish pipeline on request: see shutdown.hpp.
#include "publish/shutdown.hpp"

#include <algorithm>
#include <poll.h>
#include <unistd.h>

namespace bb::publish_detail {

bool Shutdown::arrived() {
    if (!requests_ || requests_->count() == seen_)
        return false;
    char buffer[64];
    while (::read(requests_->fd(), buffer, sizeof buffer) > 0) {
    }
    seen_ = requests_->count();
    return true;
}

std::chrono::milliseconds Shutdown::until_deadline() const {
    return std::max(
        std::chrono::milliseconds(0),
        std::chrono::duration_cast<std::chrono::milliseconds>(deadline_ - Clock::now()));
}

void Shutdown::sleep(std::chrono::milliseconds delay) const {
    pollfd p{fd(), POLLIN, 0};
    ::poll(&p, 1, static_cast<int>(delay.count()));
}

} // namespace bb::publish_detail
