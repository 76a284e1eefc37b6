// Reading an HTTP/1.x request as `bb-trace serve` needs it: the head only
// (the connection is closed after one answer, so a body is never parsed),
// and the target split into a decoded path and query parameters as
// uvicorn and Starlette read them.
#pragma once

#include <cstddef>
#include <optional>
#include <string>
#include <string_view>
#include <variant>

namespace bb::http_detail {

// A head no larger than this is read; a longer one is answered 431.
inline constexpr std::size_t max_head_bytes = 16 * 1024;

struct RequestHead {
    std::string method;
    std::string target;        // as sent: the path and query, still percent-encoded
    bool has_body = false;     // Content-Length above 0 or Transfer-Encoding: left unread
    std::string authorization; // the Authorization header, the last one given
    std::string cookie;        // every Cookie header, joined with "; "
};

// A head that cannot be served, and the status to answer it with.
struct BadHead {
    int status = 400;
    std::string detail;
};

// Where the head in `received` ends (just past its empty line); npos while
// it is incomplete. Lines may end in CRLF or LF.
std::size_t request_head_end(std::string_view received);

// Parses a complete head (request_head_end's prefix).
std::variant<RequestHead, BadHead> parse_request_head(std::string_view head);

// The target's path (before '?') and query (after it).
std::pair<std::string_view, std::string_view> split_target(std::string_view target);

// The value of query parameter `name` as Starlette gives it to a FastAPI
// handler: parse_qsl with blank values kept, the last occurrence winning.
std::optional<std::string> query_value(std::string_view query, std::string_view name);

} // namespace bb::http_detail
