// Pieces of the page's JSON: see web_json.hpp.
#include "http/web_json.hpp"

#include <utility>

namespace bb::http_detail {

void write_summary(JsonWriter& w, const std::optional<EventSummary>& summary) {
    if (!summary) {
        w.Null();
        return;
    }
    const EventSummary& s = *summary;
    w.StartObject();
    for (auto [key, value] : {std::pair{"event_type", &s.event_type},
                              {"timestamp", &s.timestamp},
                              {"source_host", &s.source_host},
                              {"source_app", &s.source_app},
                              {"source_type", &s.source_type}}) {
        w.Key(key);
        write_text_or_null(w, *value);
    }
    w.EndObject();
}

} // namespace bb::http_detail
