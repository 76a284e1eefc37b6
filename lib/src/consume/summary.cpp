// The end of a consume run in words and as an exit status.
#include "bloodbank/consume.hpp"

#include <fmt/format.h>

namespace bb {
namespace {

std::string plural(std::uint64_t n, std::string_view one, std::string_view many) {
    return fmt::format("{} {}", n, n == 1 ? one : many);
}

} // namespace

int consume_exit_status(const ConsumeOutcome& o, int signal) {
    if (o.error)
        return exit_code(o.error->kind);
    if (o.end == ConsumeEnd::signal && signal)
        return signal_exit_status(signal);
    if (o.counts.invalid > 0)
        return exit_code(ErrorKind::data);
    if (o.counts.failed > 0 &&
        (o.unresolved_failures > 0 || o.counts.dead_lettered > 0 || o.counts.rejected > 0))
        return exit_code(ErrorKind::temporary);
    return 0;
}

std::string consume_summary(const ConsumeOutcome& o, std::chrono::duration<double> elapsed) {
    const ConsumeCounts& c = o.counts;
    double rate = elapsed.count() > 0 ? static_cast<double>(c.received) / elapsed.count() : 0;
    std::string text =
        fmt::format("{} from queue {} in {:.1f} s ({:.0f}/s): {} done",
                    plural(c.received, "event", "events"), o.queue, elapsed.count(), rate, c.done);
    auto add = [&](std::uint64_t n, std::string_view one, std::string_view many) {
        if (n > 0)
            text += ", " + plural(n, one, many);
    };
    add(c.failed, "failed attempt", "failed attempts");
    add(c.retried, "sent back for another attempt", "sent back for another attempt");
    add(c.dead_lettered, "dead-lettered", "dead-lettered");
    add(c.rejected, "rejected", "rejected");
    add(c.invalid, "invalid", "invalid");
    add(c.skipped, "skipped (not descended)", "skipped (not descended)");
    add(c.replays_skipped, "replay skipped", "replays skipped");
    add(c.returned, "left in the queue", "left in the queue");
    add(c.reconnects, "reconnect", "reconnects");
    switch (o.end) {
    case ConsumeEnd::count:
        text += "; --count reached";
        break;
    case ConsumeEnd::idle:
        text += "; idle";
        break;
    case ConsumeEnd::signal:
        text += "; stopped by a signal";
        break;
    case ConsumeEnd::reader_gone:
        text += o.error ? "; stdout failed" : "; stdout closed";
        break;
    case ConsumeEnd::broker_lost:
        text += "; connection lost";
        break;
    case ConsumeEnd::stream_failure:
        text += "; stopped at a failed command";
        break;
    case ConsumeEnd::offset_file_failed:
        text += "; the offset file could not be written";
        break;
    }
    return text;
}

} // namespace bb
