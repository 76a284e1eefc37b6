// ISO-8601 timestamps as the Python system writes them (datetime.isoformat()).
#pragma once

#include "bloodbank/error.hpp"

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace bb {

struct Timestamp {
    std::int64_t unix_micros = 0;      // the instant, microseconds since the epoch (UTC)
    std::optional<int> offset_minutes; // the written UTC offset; nullopt: naive (read as UTC)

    // Now, in UTC with a +00:00 offset.
    static Timestamp now();

    // Python isoformat: 2025-10-18T14:03:07.123456+00:00; the fraction is left
    // out when the microseconds are zero, the offset when naive.
    std::string iso() const;
    // Python datetime.utcnow().isoformat(): the same instant in UTC, no offset.
    std::string iso_utc_naive() const;
    std::int64_t unix_seconds() const;
};

// Accepts YYYY-MM-DDTHH:MM:SS[.f{1,6}][Z|±HH:MM] (also a space for T, the
// forms Pydantic reads). Errors are ErrorKind::data with a reason.
Result<Timestamp> parse_timestamp(std::string_view text);

} // namespace bb
