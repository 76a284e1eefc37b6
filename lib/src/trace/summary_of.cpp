// An event's summary from its envelope, field for field as tracking writes it.
#include "bloodbank/envelope.hpp"
#include "bloodbank/trace.hpp"

namespace bb {

EventSummary summary_of(const Envelope& event) {
    EventSummary s;
    s.event_type = event.event_type;
    s.timestamp = event.timestamp.iso();
    s.source_host = event.source.host;
    s.source_app = event.source.app.value_or("");
    s.source_type = std::string(to_string(event.source.type));
    s.time_micros = event.timestamp.unix_micros;
    return s;
}

} // namespace bb
