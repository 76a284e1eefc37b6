// The live view's paths, which need the server's consumer (live_feed.hpp):
// GET /ui/api/live, its state for the page, and GET /ui/api/live/{id}, a
// stream of the event's new descendants handed to the streams' thread.
#include "http/live_feed.hpp"
#include "http/replies.hpp"
#include "http/web.hpp"
#include "http/web_json.hpp"

#include "bloodbank/correlation.hpp"

#include <fmt/format.h>

namespace bb::http_detail {
namespace {

constexpr std::string_view status_path = "/ui/api/live";
constexpr std::string_view stream_prefix = "/ui/api/live/";

HttpReply status_reply(const HttpApiOptions& options, const LiveFeed& feed) {
    LiveFeed::Status status = feed.status();
    rapidjson::StringBuffer buffer;
    JsonWriter w(buffer);
    w.StartObject();
    w.Key("follow");
    w.Bool(options.live.follow);
    w.Key("state");
    write_string(w, status.state);
    w.Key("detail");
    if (status.detail.empty())
        w.Null();
    else
        write_text_or_null(w, status.detail);
    w.EndObject();
    return {200, text_of(buffer), {}};
}

// The head of a stream's answer: no length, the page's headers.
std::string stream_head() {
    std::string head = "HTTP/1.1 200 OK\r\nContent-Type: text/event-stream; charset=utf-8\r\n"
                       "Connection: close\r\n";
    for (const auto& [name, value] : with_page_headers(HttpReply{}).headers)
        head += fmt::format("{}: {}\r\n", name, value);
    return head + "\r\n";
}

// The event's descendants as Redis holds them now (ids only: the stream
// needs to know which events are below it, not what they are). An event
// Redis knows nothing of yet is followed from itself alone.
std::variant<TraceGraph, HttpReply> followed_graph(const HttpApiOptions& options,
                                                   std::string_view raw_id) {
    auto request = open_redis_for_id(options, raw_id);
    if (request.refusal)
        return std::move(*request.refusal);
    TraceOptions walk = options.trace;
    walk.summaries = false;
    auto graph = trace_chain(*request.redis, request.id, Direction::descendants, walk);
    if (graph)
        return std::move(*graph);
    if (graph.error().kind == ErrorKind::not_found)
        return TraceGraph(request.id, TraceView::descendants);
    return error_reply(graph.error(), "");
}

} // namespace

LiveAnswer live_route(const HttpApiOptions& options, LiveFeed& feed, std::string_view method,
                      std::string_view path, UniqueFd& fd) {
    if (method != "GET")
        return {}; // the page's routes answer 405
    if (path == status_path)
        return {false, with_page_headers(status_reply(options, feed))};
    if (path.substr(0, stream_prefix.size()) != stream_prefix)
        return {};
    std::string_view raw_id = path.substr(stream_prefix.size());
    if (raw_id.empty() || raw_id.find('/') != std::string_view::npos)
        return {};
    auto graph = followed_graph(options, raw_id);
    if (auto* refusal = std::get_if<HttpReply>(&graph))
        return {false, with_page_headers(std::move(*refusal))};
    if (!feed.add_stream(fd, std::move(std::get<TraceGraph>(graph)), stream_head()))
        return {false, with_page_headers(detail_reply(503, "Too many live streams"))};
    return {true, std::nullopt};
}

} // namespace bb::http_detail
