// Answering one request on its connection: the route's reply as HTTP/1.1,
// written within a deadline, then the connection closed (a live stream's
// connection is handed on instead).
#pragma once

#include "http/request.hpp"

#include "bloodbank/http_api.hpp"
#include "bloodbank/unique_fd.hpp"

#include <chrono>
#include <variant>

namespace bb::http_detail {

using Clock = std::chrono::steady_clock;

// A connection whose head has been read, waiting for a worker.
struct ReadRequest {
    UniqueFd fd; // non-blocking
    std::variant<RequestHead, BadHead> head;
};

// The reply as bytes on the wire: status line, headers, and the body unless
// the request was HEAD (whose Content-Length is still the body's).
std::string http_response(const HttpReply& reply, bool head_only);

class LiveFeed;

// Routes the request (or answers a bad head), logs it, writes the answer
// within options.client_timeout and closes the connection; or hands a live
// stream's connection to `live` (null: no live view).
void answer(const HttpApiOptions& options, ReadRequest request, LiveFeed* live);

} // namespace bb::http_detail
