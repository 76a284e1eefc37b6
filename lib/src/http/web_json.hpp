// Pieces of the page's JSON that several answers share.
#pragma once

#include "http/json_text.hpp"

#include "bloodbank/trace.hpp"

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

namespace bb::http_detail {

// {"event_type","timestamp","source_host","source_app","source_type"}, or
// null without a summary; text that is not UTF-8 is null.
void write_summary(JsonWriter& w, const std::optional<EventSummary>& summary);

// One event of the page's timeline and graph, as the chain answer and the
// live stream send it.
struct ChainEvent {
    TraceNode node;
    std::vector<Uuid> parents; // those in the answer, in the walk's order
    std::size_t parent_count = 0;
    std::size_t child_count = 0;
    std::string link_created_at;
    std::optional<std::int64_t> time_micros;
    bool time_from_link = false;
};

// {"id","level","known","summary","link_created_at","time_us",
// "time_from_link","parents","parent_count","child_count"}
void write_event(JsonWriter& w, const ChainEvent& event);

} // namespace bb::http_detail
