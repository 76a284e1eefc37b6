// GET /ui/api/event/{id}: what the page's details pane shows of one event,
// read by the library's event_details in one round trip.
#include "http/replies.hpp"
#include "http/web.hpp"
#include "http/web_json.hpp"

#include "bloodbank/json.hpp"
#include "bloodbank/redis.hpp"
#include "bloodbank/trace_browse.hpp"

#include <fmt/format.h>

namespace bb::http_detail {

HttpReply web_event_reply(const HttpApiOptions& options, std::string_view raw_id) {
    auto request = open_redis_for_id(options, raw_id);
    if (request.refusal)
        return std::move(*request.refusal);
    const Uuid& id = request.id;
    auto details = event_details(*request.redis, id);
    if (!details)
        return error_reply(details.error(), "");
    if (!details->known)
        return detail_reply(404, fmt::format("No correlation data found for event {}", raw_id));

    rapidjson::StringBuffer buffer;
    JsonWriter w(buffer);
    w.StartObject();
    w.Key("id");
    write_string(w, id.str());
    w.Key("summary");
    write_summary(w, details->summary);
    w.Key("link");
    if (details->has_link) {
        w.StartObject();
        w.Key("created_at");
        write_text_or_null(w, details->link_created_at);
        // The metadata as the object it is; anything unreadable as its text.
        w.Key("metadata");
        auto metadata = parse_json(details->link_metadata_json);
        if (metadata && !find_invalid_utf8(details->link_metadata_json))
            metadata->Accept(w);
        else
            write_text_or_null(w, details->link_metadata_json);
        w.Key("reason");
        if (details->link_reason)
            write_text_or_null(w, *details->link_reason);
        else
            w.Null();
        w.EndObject();
    } else {
        w.Null();
    }
    w.Key("parent_count");
    w.Uint64(details->parents);
    w.Key("child_count");
    w.Uint64(details->children);
    w.Key("warnings");
    w.StartArray();
    for (const std::string& warning : details->warnings)
        write_text_or_null(w, warning);
    w.EndArray();
    w.EndObject();
    return {200, text_of(buffer), {}};
}

} // namespace bb::http_detail
