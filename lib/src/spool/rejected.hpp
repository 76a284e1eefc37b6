// Events a drain sets aside: the broker returned them (no queue is bound for
// their type) or they cannot be read back as envelopes. Sending them again
// would get the same answer, and keeping them in their segment would stop
// every drain there, so they go to DIR/rejected/, each file with the reasons
// beside it, for a person to look at (and move back once they can be
// published).
#pragma once

#include "bloodbank/error.hpp"

#include <cstddef>
#include <string>
#include <vector>

namespace bb::spool_detail {

struct RejectedEvent {
    std::size_t line = 0; // in its segment
    std::string text;     // the envelope (or the record that is not one)
    std::string reason;   // one line of visible text
};

// Writes `events` to DIR/rejected/NAME, NAME being the segment's name (or the
// next free one of its writer's sequence), in the segment format, and their
// reasons to NAME.reasons, one line each: "line 1: SEGMENT line 3: REASON".
// The folder is made like the spool's (0700, checked like it); the files are
// 0600, synced and renamed into place. Returns the events file's path. Errors
// are ErrorKind::io naming what could not be written; nothing is left then.
Result<std::string> set_aside(const std::string& dir, const std::string& segment_name,
                              const std::vector<RejectedEvent>& events);

} // namespace bb::spool_detail
