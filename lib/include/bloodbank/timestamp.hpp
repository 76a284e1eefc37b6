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
    // Appends iso() to out without a temporary string; for hot loops.
    void append_iso(std::string& out) const;
    // Python datetime.utcnow().isoformat(): the same instant in UTC, no offset.
    std::string iso_utc_naive() const;
    std::int64_t unix_seconds() const;
};

// Accepts YYYY-MM-DDTHH:MM:SS[.f{1,6}][Z|±HH:MM] (also a space for T, the
// forms Pydantic reads). Errors are ErrorKind::data with a reason.
// Details, as Pydantic v2 reads a datetime string: 'T', 't' or ' ' between
// date and time; 'Z' or 'z' for UTC; ±HH:MM or ±HHMM offsets below 24 h;
// any number of fraction digits, truncated to microseconds; no offset means
// naive (kept naive, read as UTC). Seconds are required; years 1-9999; no
// leap second. The error message is the reason only ("month 13 is out of
// range"); callers add the value and the field.
Result<Timestamp> parse_timestamp(std::string_view text);

} // namespace bb
