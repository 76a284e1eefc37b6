// What a --spool directory holds, read the way a drain would see it:
// segments (*.ndjson, not hidden) in name order, and hidden ".tmp-" files
// that a finished run must never leave behind.
#pragma once

#include <string>
#include <vector>

namespace bbtest::faults {

struct SpoolContents {
    std::vector<std::string> segments;  // full paths, in replay (name) order
    std::vector<std::string> temporary; // ".tmp-*" files left over
};

// A missing directory holds nothing.
SpoolContents spool_contents(const std::string& dir);

// The event_id of every event in the segments, in order. Checks that every
// segment is whole: it ends with '\n' and each line is a JSON envelope.
std::vector<std::string> spooled_event_ids(const SpoolContents& spool);

} // namespace bbtest::faults
