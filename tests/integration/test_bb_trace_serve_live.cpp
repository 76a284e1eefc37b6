// The live view of `bb-trace serve` as raw HTTP: the stream of an event's
// new descendants as server-sent events, fed by the server's consumer on the
// test's own exchange; the token; a broker that cannot be reached.
#include "support/ports.hpp"
#include "test_bb_trace_bus.hpp"
#include "test_bb_trace_serve_support.hpp"

#include <doctest/doctest.h>
#include <httplib.h>

#include <csignal>

using bbtest::publish::EnvelopeSpec;
using servetest::RawConnection;
using servetest::Server;
using servetest::start_serve;
using tracetest::FollowBus;

namespace {

constexpr auto patience = std::chrono::seconds(20);

std::string stream_request(const std::string& id, const std::string& extra_headers = "") {
    return "GET /ui/api/live/" + id + " HTTP/1.1\r\nHost: 127.0.0.1\r\n" + extra_headers + "\r\n";
}

// The live view's state as GET /ui/api/live tells the page.
std::string live_status(int port) {
    httplib::Client client("127.0.0.1", port);
    auto res = client.Get("/ui/api/live");
    REQUIRE(res);
    return res->body;
}

// The `data:` line of the stream that names `id`, or "".
std::string data_line_of(const std::string& stream, const std::string& id) {
    std::size_t at = stream.find("\"id\":\"" + id + "\"");
    if (at == std::string::npos)
        return "";
    std::size_t start = stream.rfind("\ndata: ", at);
    std::size_t end = stream.find('\n', at);
    return stream.substr(start + 1, end - start - 1);
}

} // namespace

TEST_CASE("bb-trace serve --follow: a stream sends each new descendant of its event as an SSE "
          "data line, and ends when the server stops") {
    auto f = tracetest::fixture();
    if (!f)
        return;
    FollowBus bus(f->services().rabbit_url);
    EnvelopeSpec root, child, grandchild, stranger;
    f->summary(root.event_id, "test.root", root.timestamp);
    child.event_type = "test.child";
    child.parents = {root.event_id};
    grandchild.parents = {child.event_id};

    auto options = tracetest::with_broker(*f);
    options.env["EXCHANGE_NAME"] = bus.exchange;
    Server server = start_serve(*f, options, {"--follow"});
    // The page learns that it follows by default, once the queue is bound.
    REQUIRE(bbtest::wait_until(
        [&] { return live_status(server.port) == R"({"follow":true,"state":"on","detail":null})"; },
        patience));

    RawConnection stream(server.port);
    stream.send_text(stream_request(root.event_id));
    REQUIRE_MESSAGE(stream.read_until("event: live\ndata: on\n\n", patience), stream.seen());
    std::string head = stream.seen().substr(0, stream.seen().find("\r\n\r\n"));
    CHECK(head.find("HTTP/1.1 200 OK\r\n") == 0);
    CHECK(head.find("\r\nContent-Type: text/event-stream; charset=utf-8\r\n") != std::string::npos);
    CHECK(head.find("connect-src 'self'") != std::string::npos);
    CHECK(head.find("Content-Length") == std::string::npos);

    bus.publish(child);
    REQUIRE_MESSAGE(stream.read_until(child.event_id, patience), stream.seen());
    REQUIRE(stream.read_until("\n\n", patience));
    std::string line = data_line_of(stream.seen(), child.event_id);
    CHECK(line.find("data: {\"id\":\"" + child.event_id + "\",\"level\":1,") == 0);
    CHECK(line.find(R"("event_type":"test.child")") != std::string::npos);
    CHECK(line.find("\"parents\":[\"" + root.event_id + "\"]") != std::string::npos);

    bus.publish(stranger);
    bus.publish(grandchild);
    REQUIRE_MESSAGE(stream.read_until(grandchild.event_id, patience), stream.seen());
    CHECK(data_line_of(stream.seen(), grandchild.event_id).find("\"level\":2,") !=
          std::string::npos);
    CHECK(stream.seen().find(stranger.event_id) == std::string::npos);

    // SIGTERM: serve exits, the stream told and closed first (what it
    // sent waits in the socket).
    CHECK(server.process->stop(SIGTERM) == 0);
    CHECK(stream.read_until("event: end\ndata: the server is stopping\n\n", patience));
    CHECK(stream.read_until_closed(patience).has_value());
    // Logged as the 200 it was answered, like any request.
    CHECK(server.process->err().find("bb-trace: GET /ui/api/live/" + root.event_id + " 200\n") !=
          std::string::npos);
}

TEST_CASE("bb-trace serve --token: a live stream needs the token too") {
    auto f = tracetest::fixture();
    if (!f)
        return;
    std::string id = tracetest::root_event(*f);
    auto options = tracetest::with_broker(*f);
    const std::string token = "s3cret-Token_0123456789";
    Server server = start_serve(*f, options, {"--token", token});

    std::string refused = servetest::raw_exchange(server.port, stream_request(id));
    CHECK(refused.find("HTTP/1.1 401 ") == 0);
    CHECK(refused.find("text/event-stream") == std::string::npos);

    RawConnection stream(server.port);
    stream.send_text(stream_request(id, "Authorization: Bearer " + token + "\r\n"));
    CHECK_MESSAGE(stream.read_until("text/event-stream", patience), stream.seen());
    CHECK(stream.seen().find("HTTP/1.1 200 OK\r\n") == 0);
}

TEST_CASE("bb-trace serve: with the broker down, a stream says live updates are unavailable and "
          "ends, and the page's JSON still answers") {
    auto f = tracetest::fixture();
    if (!f)
        return;
    std::string id = tracetest::root_event(*f);
    bbtest::RefusedPort down;
    auto options = f->options();
    options.env["RABBIT_URL"] = "amqp://guest:guest@127.0.0.1:" + std::to_string(down.port()) + "/";
    Server server = start_serve(*f, options);
    CHECK(live_status(server.port) == R"({"follow":false,"state":"off","detail":null})");

    RawConnection stream(server.port);
    stream.send_text(stream_request(id));
    auto answer = stream.read_until_closed(patience);
    REQUIRE(answer.has_value());
    CHECK(answer->find("HTTP/1.1 200 OK\r\n") == 0);
    CHECK(answer->find("\r\n\r\nevent: unavailable\ndata: ") != std::string::npos);
    CHECK(answer->find("refused") != std::string::npos);
    CHECK(live_status(server.port).find(R"("state":"unavailable")") != std::string::npos);

    httplib::Client client("127.0.0.1", server.port);
    auto chain = client.Get("/ui/api/chain/" + id);
    REQUIRE(chain);
    CHECK(chain->status == 200);
}

TEST_CASE("bb-trace serve: at most 32 live streams at once, and a client that closes frees its "
          "place") {
    auto f = tracetest::fixture();
    if (!f)
        return;
    std::string id = tracetest::root_event(*f);
    Server server = start_serve(*f, tracetest::with_broker(*f), {"--follow"});
    REQUIRE(bbtest::wait_until(
        [&] { return live_status(server.port).find(R"("state":"on")") != std::string::npos; },
        patience));

    std::vector<std::unique_ptr<RawConnection>> streams;
    for (int i = 0; i < 32; ++i) {
        streams.push_back(std::make_unique<RawConnection>(server.port));
        streams.back()->send_text(stream_request(id));
        REQUIRE_MESSAGE(streams.back()->read_until("event: live\n", patience),
                        streams.back()->seen());
    }
    std::string refused = servetest::raw_exchange(server.port, stream_request(id));
    CHECK(refused.find("HTTP/1.1 503 ") == 0);
    CHECK(refused.find(R"({"detail":"Too many live streams"})") != std::string::npos);

    // The server notices the closed connection without writing to it, and
    // takes a new stream in its place.
    streams.pop_back();
    CHECK(bbtest::wait_until(
        [&] {
            RawConnection again(server.port);
            again.send_text(stream_request(id));
            return again.read_until("event: live\n", patience);
        },
        patience));
}

TEST_CASE("bb-trace serve: a quiet live stream gets a heartbeat comment, so that a client gone "
          "away is noticed") {
    auto f = tracetest::fixture();
    if (!f)
        return;
    std::string id = tracetest::root_event(*f);
    Server server = start_serve(*f, tracetest::with_broker(*f), {"--follow"});
    RawConnection stream(server.port);
    stream.send_text(stream_request(id));
    // Every 15 s; the patience only bounds a failure.
    CHECK_MESSAGE(stream.read_until("\n\n: keep-alive\n\n", std::chrono::seconds(40)),
                  stream.seen());
}
