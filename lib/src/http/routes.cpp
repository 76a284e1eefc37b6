// The routes of the debug API: which reply a request gets, independent of
// any socket (server.cpp reads the requests and writes the replies).
#include "http/json_text.hpp"
#include "http/replies.hpp"
#include "http/request.hpp"
#include "http/web.hpp"

#include "bloodbank/hex.hpp"
#include "bloodbank/http_api.hpp"
#include "bloodbank/json.hpp"
#include "bloodbank/redis.hpp"

#include <fmt/format.h>

namespace bb {

using http_detail::error_reply;
using http_detail::JsonWriter;
using http_detail::open_redis_for_id;
using http_detail::text_of;
using http_detail::write_string;

HttpReply detail_reply(int status, std::string_view detail) {
    rapidjson::StringBuffer buffer;
    JsonWriter w(buffer);
    w.StartObject();
    w.Key("detail");
    // A path that is not UTF-8 cannot be echoed in JSON; say so instead.
    if (!w.String(detail.data(), static_cast<rapidjson::SizeType>(detail.size()))) {
        buffer.Clear();
        JsonWriter plain(buffer);
        plain.StartObject();
        plain.Key("detail");
        write_string(plain, "the request is not valid UTF-8");
        plain.EndObject();
        return {status, text_of(buffer), {}};
    }
    w.EndObject();
    return {status, text_of(buffer), {}};
}

namespace {

// Both endpoints answer with ids only: no summaries to fetch.
TraceOptions ids_only(const HttpApiOptions& options) {
    TraceOptions trace = options.trace;
    trace.summaries = false;
    return trace;
}

} // namespace

HttpReply healthz_reply(const HttpApiOptions& options) {
    rapidjson::StringBuffer buffer;
    JsonWriter w(buffer);
    w.StartObject();
    w.Key("ok");
    w.Bool(true);
    w.Key("service");
    write_string(w, options.service_name);
    w.EndObject();
    return {200, text_of(buffer), {}};
}

HttpReply dump_reply(const HttpApiOptions& options, std::string_view raw_id) {
    auto request = open_redis_for_id(options, raw_id);
    if (request.refusal)
        return std::move(*request.refusal);
    auto dump = correlation_dump(*request.redis, request.id, ids_only(options));
    if (!dump)
        return error_reply(dump.error(),
                           fmt::format("No correlation data found for event {}", raw_id));
    HttpReply reply{200, dump_json(*dump, false), {}};
    if (dump->truncated)
        reply.headers.emplace_back("X-Bloodbank-Truncated", dump->truncated_reason);
    return reply;
}

HttpReply chain_reply(const HttpApiOptions& options, std::string_view raw_id,
                      std::optional<std::string_view> direction_param) {
    std::string_view direction_name = direction_param.value_or("ancestors");
    if (direction_name != "ancestors" && direction_name != "descendants")
        return detail_reply(400, fmt::format("Invalid direction: {}. Must be 'ancestors' or "
                                             "'descendants'",
                                             direction_name));
    Direction direction =
        direction_name == "ancestors" ? Direction::ancestors : Direction::descendants;
    auto request = open_redis_for_id(options, raw_id);
    if (request.refusal)
        return std::move(*request.refusal);
    auto graph = trace_chain(*request.redis, request.id, direction, ids_only(options));
    if (!graph)
        return error_reply(graph.error(),
                           fmt::format("No correlation chain found for event {}", raw_id));

    rapidjson::StringBuffer buffer;
    JsonWriter w(buffer);
    w.StartObject();
    w.Key("event_id");
    write_string(w, raw_id); // echoed as given, as the Python service does
    w.Key("direction");
    write_string(w, direction_name);
    w.Key("chain");
    w.StartArray();
    for (const TraceNode& node : graph->nodes())
        write_string(w, node.id.str());
    w.EndArray();
    w.Key("count");
    w.Uint64(graph->size());
    w.EndObject();
    HttpReply reply{200, text_of(buffer), {}};
    if (graph->truncated())
        reply.headers.emplace_back("X-Bloodbank-Truncated", graph->truncated_reason());
    return reply;
}

namespace {

enum class Route { none, healthz, dump, chain };

// Which route a decoded path names, and its id; ids match [^/]+ as
// Starlette's {param} does.
std::pair<Route, std::string_view> find_route(std::string_view path) {
    if (path == "/healthz")
        return {Route::healthz, {}};
    constexpr std::string_view prefix = "/debug/correlation/";
    constexpr std::string_view chain_suffix = "/chain";
    if (path.substr(0, prefix.size()) != prefix)
        return {Route::none, {}};
    std::string_view rest = path.substr(prefix.size());
    Route route = Route::dump;
    if (rest.size() > chain_suffix.size() &&
        rest.substr(rest.size() - chain_suffix.size()) == chain_suffix) {
        rest.remove_suffix(chain_suffix.size());
        route = Route::chain;
    }
    if (rest.empty() || rest.find('/') != std::string_view::npos)
        return {Route::none, {}};
    return {route, rest};
}

} // namespace

HttpReply route_request(const HttpApiOptions& options, std::string_view method,
                        std::string_view target) {
    auto [raw_path, query] = http_detail::split_target(target);
    std::string path = percent_decode(raw_path);
    if (auto page = http_detail::web_route(options, method, path, query))
        return *page;
    auto [route, id] = find_route(path);
    if (route == Route::none)
        return detail_reply(404, "Not Found");
    // Every route is GET only; FastAPI answers HEAD and the rest alike.
    if (method != "GET") {
        HttpReply reply = detail_reply(405, "Method Not Allowed");
        reply.headers.emplace_back("Allow", "GET");
        return reply;
    }
    switch (route) {
    case Route::healthz:
        return healthz_reply(options);
    case Route::dump:
        return dump_reply(options, id);
    case Route::chain: {
        std::optional<std::string> direction = http_detail::query_value(query, "direction");
        return chain_reply(options, id, direction);
    }
    case Route::none:
        break;
    }
    return detail_reply(404, "Not Found");
}

} // namespace bb
