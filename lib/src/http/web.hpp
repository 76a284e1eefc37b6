// The web page of bb-trace serve: its files and the JSON it reads, under
// paths the debug API does not use (http_api.hpp lists them).
#pragma once

#include "bloodbank/http_api.hpp"
#include "bloodbank/unique_fd.hpp"

#include <optional>
#include <string_view>

namespace bb::http_detail {

// The reply to a request for one of the page's paths (`path` decoded), or
// nullopt when the path is not the page's: the debug API's routes then
// answer as they always did.
std::optional<HttpReply> web_route(const HttpApiOptions& options, std::string_view method,
                                   std::string_view path, std::string_view query);

class LiveFeed;

// The live view's paths (web_live.cpp), answered apart because a stream
// keeps its connection: `taken` when the connection went to the feed's
// streams (`fd` empty then); else the reply to send, or none when the
// request is not for these paths (route_request answers it).
struct LiveAnswer {
    bool taken = false;
    std::optional<HttpReply> reply;
};
LiveAnswer live_route(const HttpApiOptions& options, LiveFeed& feed, std::string_view method,
                      std::string_view path, UniqueFd& fd);

// The headers every answer of the page's paths carries: the
// Content-Security-Policy, nosniff, no referrer, no caching.
HttpReply with_page_headers(HttpReply reply);

// The page's JSON (web_chain.cpp, web_event.cpp, web_search.cpp).
HttpReply web_chain_reply(const HttpApiOptions& options, std::string_view raw_id,
                          std::string_view query);
HttpReply web_event_reply(const HttpApiOptions& options, std::string_view raw_id);
HttpReply web_search_reply(const HttpApiOptions& options, std::string_view query);

// A query parameter that must be a whole number in [low, high]; absent:
// `fallback`. The 400 reply when it is not.
struct NumberParam {
    long value = 0;
    std::optional<HttpReply> error;
};
NumberParam number_param(std::string_view query, std::string_view name, long fallback, long low,
                         long high);

} // namespace bb::http_detail
