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

void write_event(JsonWriter& w, const ChainEvent& event) {
    const TraceNode& node = event.node;
    w.StartObject();
    w.Key("id");
    write_string(w, node.id.str());
    w.Key("level");
    w.Int(node.level);
    w.Key("known");
    w.Bool(node.known);
    w.Key("summary");
    write_summary(w, node.summary);
    w.Key("link_created_at");
    if (event.link_created_at.empty())
        w.Null();
    else
        write_text_or_null(w, event.link_created_at);
    w.Key("time_us");
    if (event.time_micros)
        w.Int64(*event.time_micros);
    else
        w.Null();
    w.Key("time_from_link");
    w.Bool(event.time_from_link);
    w.Key("parents");
    w.StartArray();
    for (const Uuid& parent : event.parents)
        write_string(w, parent.str());
    w.EndArray();
    w.Key("parent_count");
    w.Uint64(event.parent_count);
    w.Key("child_count");
    w.Uint64(event.child_count);
    w.EndObject();
}

} // namespace bb::http_detail
