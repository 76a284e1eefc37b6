// A stream read from its first offset to its end, keeping the wanted events.
#include "bloodbank/stream_find.hpp"

#include "bloodbank/envelope.hpp"

#include <algorithm>

namespace bb {

Result<StreamFindOutcome> find_in_stream(const StreamFindSettings& settings,
                                         const StopRequests& stop, ConsumeListener& listener) {
    ConsumeSettings s;
    s.consumer = settings.consumer;
    s.consumer.declare_queue = false; // an archive is read, never made
    s.consumer.queue_type = QueueType::stream;
    s.consumer.stream_start = StreamStart{StreamStart::Kind::first, 0, 0};
    // Bodies are looked at here: one that is no envelope is passed over, not
    // dead-lettered (a stream keeps it whatever a reader does).
    s.raw = true;
    s.skip_replays = true;
    s.idle_timeout = settings.idle;

    StreamFindOutcome outcome;
    std::unordered_set<Uuid, UuidHash> wanted = settings.ids;
    bool reader_gone = false;
    s.on_event = [&](const Received& message, const Envelope*) {
        auto event = parse_envelope(message.body);
        if (!event || wanted.erase(event->event_id) == 0)
            return true;
        ++outcome.found;
        if (!settings.on_found(message.body)) {
            reader_gone = true;
            return false;
        }
        return !wanted.empty();
    };
    if (wanted.empty())
        return outcome;
    auto consumed = consume(s, stop, listener);
    if (!consumed)
        return consumed.error();
    outcome.consumed = std::move(*consumed);
    if (reader_gone)
        outcome.consumed.end = ConsumeEnd::reader_gone;
    outcome.missing.assign(wanted.begin(), wanted.end());
    std::sort(outcome.missing.begin(), outcome.missing.end());
    return outcome;
}

} // namespace bb
