// A timeout as the C libraries (hiredis, rabbitmq-c, select) take it.
#pragma once

#include <chrono>
#include <sys/time.h>

namespace bb {

inline timeval to_timeval(std::chrono::milliseconds ms) {
    timeval tv{};
    tv.tv_sec = static_cast<time_t>(ms.count() / 1000);
    tv.tv_usec = static_cast<suseconds_t>((ms.count() % 1000) * 1000);
    return tv;
}

} // namespace bb
