// Pieces of the page's JSON that several answers share.
#pragma once

#include "http/json_text.hpp"

#include "bloodbank/trace.hpp"

#include <optional>

namespace bb::http_detail {

// {"event_type","timestamp","source_host","source_app","source_type"}, or
// null without a summary; text that is not UTF-8 is null.
void write_summary(JsonWriter& w, const std::optional<EventSummary>& summary);

} // namespace bb::http_detail
