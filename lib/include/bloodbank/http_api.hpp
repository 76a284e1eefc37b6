// The Python system's debug HTTP API (`bb-trace serve`):
//   GET /healthz                        {"ok":true,"service":SERVICE_NAME}
//   GET /debug/correlation/{id}         the dump (correlation.hpp), compact
//   GET /debug/correlation/{id}/chain?direction=ancestors|descendants
//                                       {"event_id","direction","chain","count"}
// Errors are {"detail": "..."} as FastAPI's HTTPException writes them, with
// the Python service's texts: 400 for a malformed id or direction, 404 for an
// unknown path or an id Redis knows nothing about, 405 (with Allow: GET) for
// another method on a known path, 503 when Redis cannot be reached, 500 for
// anything else. A dump whose chains met a limit carries the header
// X-Bloodbank-Truncated with the reason.
//
// Beside it, a web page to look at a chain, under paths of its own (files
// of web/, embedded at build time), read-only like the rest:
//   GET /, /chain/{id}                  the page (web/index.html)
//   GET /ui/static/{file}               its script and style sheet
//   GET /ui/api/chain/{id}?direction=around|ancestors|descendants&depth=D&limit=N
//                                       the events up to D levels away (1-20,
//                                       default 2), at most N (1-2000, default
//                                       500) each way, in time order, each with
//                                       its parents in the answer and its
//                                       parent and child counts in Redis
//   GET /ui/api/event/{id}              one event's record, link and counts
//   GET /ui/api/search?q=TEXT&limit=N   events whose id starts with TEXT or
//                                       whose type contains it, among those a
//                                       bounded SCAN of bloodbank:event:* meets
//   GET /ui/api/live                    {"follow","state","detail"}: whether the
//                                       live view is on (HttpLiveOptions)
//   GET /ui/api/live/{id}               server-sent events: each descendant of
//                                       the event published from then on, as
//                                       a `data:` line holding the chain
//                                       answer's event object
// Every answer of these paths carries a Content-Security-Policy that lets
// the page load only the server's own script and style sheet, and
// X-Content-Type-Options: nosniff.
//
// The server reads request heads of all connections in one poll() loop, so
// a client that stalls costs a descriptor and a buffer, never a thread, and
// is closed when its time is up; complete requests go to a few workers.
// Each request opens its own Redis connection: correct with several workers
// (a RedisConnection is not thread-safe), and cheap next to the queries for
// a debugging endpoint. Every answer closes its connection, but for a live
// stream, which a thread of its own keeps open (HttpLiveOptions).
#pragma once

#include "bloodbank/config.hpp"
#include "bloodbank/consumer.hpp"
#include "bloodbank/correlation.hpp"
#include "bloodbank/error.hpp"
#include "bloodbank/uuid.hpp"

#include <chrono>
#include <cstddef>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace bb {

// The page's live view: one consumer per server (a private auto-delete queue
// bound to every event on the exchange, through bb-consume's library part,
// as bb-trace --follow reads the bus) feeds every open stream; each stream
// holds the descendants of its event, read from Redis when it opened, and
// sends the events that join them (add_descendant, trace.hpp). Streams are
// written by one thread, each with a heartbeat comment so that a client gone
// away is noticed, and end when the server stops. When the broker cannot be
// reached, a stream says so (event `unavailable`) and ends; the consumer
// tries again after a pause.
struct HttpLiveOptions {
    ConsumerOptions consumer;     // urls empty: no live view (every stream ends as unavailable)
    bool follow = false;          // consume from the start and have the page follow by default;
                                  // else the consumer starts with the first stream
    std::size_t max_streams = 32; // more are answered 503
    std::chrono::milliseconds heartbeat{15000};
    std::chrono::milliseconds retry{10000}; // after the broker was lost or refused
};

struct HttpApiOptions {
    std::string host = "127.0.0.1"; // 0.0.0.0 only when asked
    int port = 8682;                // 0: a free port the system picks (HttpApiServer::port())
    RedisTarget redis;
    std::chrono::milliseconds redis_timeout{1000};
    TraceOptions trace; // limits; summaries are never fetched (the answers hold ids only)
    std::string service_name = "bloodbank";
    // A client has this long to send its request head, and again to take
    // the answer; then its connection is closed.
    std::chrono::milliseconds client_timeout{5000};
    // Connections held at once (reading, waiting or being answered); the
    // next one is answered 503 and closed.
    std::size_t max_connections = 256;
    // Requests answered at the same time, each with its own Redis connection.
    unsigned workers = 4;
    // Not empty: every request but GET /healthz must carry it, as
    // "Authorization: Bearer TOKEN" or the cookie bb_token that a GET of
    // any path with ?token=TOKEN sets (answered 303 to the same path without
    // the query, so that the address the person opened is the link they
    // keep). Else 401 {"detail":"Not authenticated"}.
    std::string token;
    // Called once per request with "GET /healthz 200"; may be called from
    // several threads at once. Nothing is logged when empty.
    std::function<void(std::string_view)> log;
    HttpLiveOptions live;
};

struct HttpReply {
    int status = 200;
    std::string body;
    std::vector<std::pair<std::string, std::string>> headers;
    std::string content_type = "application/json"; // the page's files say otherwise
};

// The routes, independent of any socket; the server calls route_request
// with the request line's method and target (path and query, as sent).
// Paths are matched percent-decoded and the last of repeated query
// parameters wins, as in Starlette.
HttpReply route_request(const HttpApiOptions& options, std::string_view method,
                        std::string_view target);
HttpReply healthz_reply(const HttpApiOptions& options);
HttpReply dump_reply(const HttpApiOptions& options, std::string_view raw_id);
// direction: the query parameter, nullopt when absent (then "ancestors").
HttpReply chain_reply(const HttpApiOptions& options, std::string_view raw_id,
                      std::optional<std::string_view> direction);
// {"detail": DETAIL} with `status`.
HttpReply detail_reply(int status, std::string_view detail);

// An id in any form Python's uuid.UUID() accepts, as the Python service
// reads path ids: 32 hex digits in any case, with or without dashes
// anywhere, within braces, after "urn:uuid:", and what int(hex, 16) allows
// besides (a 0x prefix, a + sign, underscores between digits, surrounding
// whitespace). ASCII only: Python would also take other scripts' digits.
std::optional<Uuid> parse_uuid_as_python(std::string_view text);

// True for an address only this machine can reach: 127.0.0.0/8, ::1 (in
// brackets or not) and "localhost". Any other address (0.0.0.0 included)
// exposes the unauthenticated API and page to the network.
bool is_loopback_host(std::string_view host);

// "http://HOST:PORT", the host in brackets when it is an IPv6 address.
std::string http_url(std::string_view host, int port);

class HttpApiServer {
public:
    explicit HttpApiServer(HttpApiOptions options);
    ~HttpApiServer();
    HttpApiServer(const HttpApiServer&) = delete;
    HttpApiServer& operator=(const HttpApiServer&) = delete;

    // Binds host:port. ErrorKind::unavailable when the address cannot be
    // bound (in use, not local).
    Result<void> bind();
    // The port bound (the one picked when options.port is 0).
    int port() const;
    // Serves until stop() is called (from any thread, not from a signal
    // handler): then stops accepting, closes the connections still sending
    // their heads, and returns once the requests already read are answered.
    Result<void> run();
    void stop();

private:
    struct Impl;
    std::unique_ptr<Impl> impl_;
};

} // namespace bb
