// The Python system's debug HTTP API (`bb-trace serve`), over cpp-httplib:
//   GET /healthz                        {"ok":true,"service":SERVICE_NAME}
//   GET /debug/correlation/{id}         the dump (correlation.hpp), compact
//   GET /debug/correlation/{id}/chain?direction=ancestors|descendants
//                                       {"event_id","direction","chain","count"}
// Errors are {"detail": "..."} as FastAPI's HTTPException writes them, with
// the Python service's texts: 400 for a malformed id or direction, 404 for an
// id Redis knows nothing about, 503 when Redis cannot be reached, 500 for
// anything else. A dump whose chains met a limit carries the header
// X-Bloodbank-Truncated with the reason.
//
// Each request opens its own Redis connection: simple and correct with
// httplib's thread pool (a RedisConnection is not thread-safe), and cheap
// next to the queries for a debugging endpoint.
#pragma once

#include "bloodbank/config.hpp"
#include "bloodbank/correlation.hpp"
#include "bloodbank/error.hpp"

#include <chrono>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace bb {

struct HttpApiOptions {
    std::string host = "127.0.0.1"; // 0.0.0.0 only when asked
    int port = 8682;
    RedisTarget redis;
    std::chrono::milliseconds redis_timeout{1000};
    TraceOptions trace; // limits; summaries are never fetched (the answers hold ids only)
    std::string service_name = "bloodbank";
    // Called once per request with "GET /healthz 200"; may be called from
    // several threads at once. Nothing is logged when empty.
    std::function<void(std::string_view)> log;
};

struct HttpReply {
    int status = 200;
    std::string body; // always JSON
    std::vector<std::pair<std::string, std::string>> headers;
};

// The routes, independent of any socket; the server calls these.
HttpReply healthz_reply(const HttpApiOptions& options);
HttpReply dump_reply(const HttpApiOptions& options, std::string_view raw_id);
// direction: the query parameter, nullopt when absent (then "ancestors").
HttpReply chain_reply(const HttpApiOptions& options, std::string_view raw_id,
                      std::optional<std::string_view> direction);

class HttpApiServer {
public:
    explicit HttpApiServer(HttpApiOptions options);
    ~HttpApiServer();
    HttpApiServer(const HttpApiServer&) = delete;
    HttpApiServer& operator=(const HttpApiServer&) = delete;

    // Binds host:port. ErrorKind::unavailable when the address cannot be
    // bound (in use, not local).
    Result<void> bind();
    // Serves until stop() is called (from any thread).
    Result<void> run();
    void stop();

private:
    struct Impl;
    std::unique_ptr<Impl> impl_;
};

} // namespace bb
