// The envelopes of given events found in a stream queue: a stream bound to
// the exchange is an archive of the bus, and this is how bb-trace
// --from-stream shows the whole events of a chain that Redis only links.
#pragma once

#include "bloodbank/consume.hpp"
#include "bloodbank/trace.hpp" // UuidHash
#include "bloodbank/uuid.hpp"

#include <chrono>
#include <functional>
#include <string_view>
#include <unordered_set>
#include <vector>

namespace bb {

struct StreamFindSettings {
    // The broker and the stream's name; the stream is read as it is (it is
    // neither declared nor bound) from its first offset.
    ConsumerOptions consumer;
    std::unordered_set<Uuid, UuidHash> ids; // the events wanted
    // A stream has no end a reader can see: it is taken to be reached when
    // nothing has arrived for this long (or once every event was found).
    std::chrono::milliseconds idle{2000};
    // Each wanted event's body, as published, in stream order; the first copy
    // only (replays that bb-publish --replay sent again are passed over).
    // False stops the search (the reader has gone).
    std::function<bool(std::string_view body)> on_found;
};

struct StreamFindOutcome {
    std::size_t found = 0;
    std::vector<Uuid> missing; // wanted and not in the stream, in id order
    ConsumeOutcome consumed;   // how the read ended (a signal, the reader gone, ...)
};

// Errors: the broker cannot be reached, or the stream does not exist
// (ErrorKind::unavailable, as bb::consume reports them).
Result<StreamFindOutcome> find_in_stream(const StreamFindSettings& settings,
                                         const StopRequests& stop, ConsumeListener& listener);

} // namespace bb
