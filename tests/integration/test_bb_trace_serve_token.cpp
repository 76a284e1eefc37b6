// `bb-trace serve --token`: every request but /healthz carries the token, as
// a bearer token or the cookie that the printed address sets.
#include "support/process.hpp"
#include "test_bb_trace_serve_support.hpp"

#include <doctest/doctest.h>
#include <httplib.h>

#include <filesystem>
#include <fstream>
#include <signal.h>

using servetest::Server;
using servetest::start_serve;

namespace {

constexpr const char* token = "s3cret-Token_0123456789";

int status_of(int port, const std::string& path, const httplib::Headers& headers = {}) {
    httplib::Client client("127.0.0.1", port);
    auto res = client.Get(path.c_str(), headers);
    REQUIRE_MESSAGE(res, "no response for " << path);
    return res->status;
}

} // namespace

TEST_CASE("bb-trace serve --token: a bearer token or the cookie of the printed address") {
    auto f = tracetest::fixture();
    if (!f)
        return;
    std::string a = f->event(), b = f->event();
    f->link(b, {a});
    Server server = start_serve(*f, f->options(), {"--token", token});
    int port = server.port;
    // The printed address carries the token, for a person to open once.
    CHECK(server.process->err().find("/?token=" + std::string(token)) != std::string::npos);

    std::string chain = "/debug/correlation/" + b + "/chain";
    for (const std::string& path : {std::string("/"), chain, "/ui/api/event/" + b}) {
        CAPTURE(path);
        CHECK(status_of(port, path) == 401);
        CHECK(status_of(port, path, {{"Authorization", "Bearer wrong-token-0123456789"}}) == 401);
        CHECK(status_of(port, path, {{"Authorization", std::string("Bearer ") + token}}) == 200);
        CHECK(status_of(port, path, {{"Cookie", std::string("x=1; bb_token=") + token}}) == 200);
        CHECK(status_of(port, path, {{"Cookie", "bb_token=s3cret-Token_012345678"}}) == 401);
    }
    httplib::Client client("127.0.0.1", port);
    auto refused = client.Get("/ui/api/event/" + b);
    REQUIRE(refused);
    CHECK(refused->body == R"({"detail":"Not authenticated"})");
    CHECK(refused->get_header_value("WWW-Authenticate") == "Bearer");
    // Health checks need no token.
    CHECK(status_of(port, "/healthz") == 200);

    // The address with the token sets the cookie and sends the browser on
    // to the same path without it; never to another host.
    auto link = client.Get("/chain/" + b + "?token=" + token);
    REQUIRE(link);
    CHECK(link->status == 303);
    CHECK(link->get_header_value("Location") == "/chain/" + b);
    std::string cookie = link->get_header_value("Set-Cookie");
    CHECK(cookie.find(std::string("bb_token=") + token + ";") == 0);
    CHECK(cookie.find("HttpOnly") != std::string::npos);
    CHECK(cookie.find("SameSite=Strict") != std::string::npos);
    auto away = client.Get(std::string("//elsewhere.example/?token=") + token);
    REQUIRE(away);
    CHECK(away->get_header_value("Location") == "/");
    CHECK(status_of(port, "/?token=wrong-token-0123456789") == 401);
    CHECK(server.process->stop(SIGTERM) == 0);
}

TEST_CASE("bb-trace serve --token-file: the token from a file, and short or odd tokens refused") {
    auto f = tracetest::fixture();
    if (!f)
        return;
    std::string dir = bbtest::make_temp_dir();
    std::string file = dir + "/token";
    std::ofstream(file) << token << "\n";
    Server server = start_serve(*f, f->options(), {"--token-file", file});
    CHECK(status_of(server.port, "/") == 401);
    CHECK(status_of(server.port, "/", {{"Authorization", std::string("Bearer ") + token}}) == 200);
    CHECK(server.process->stop(SIGTERM) == 0);

    for (const char* bad : {"short", "has space in it 0123456789", "semi;colon0123456789"}) {
        CAPTURE(bad);
        auto run = f->trace({"serve", "--http-port", "0", "--token", bad});
        CHECK(run.status == 64);
        CHECK(run.err.find("a --token must be 16 to 256 characters") != std::string::npos);
    }
    auto both = f->trace({"serve", "--http-port", "0", "--token", token, "--token-file", file});
    CHECK(both.status == 64);
    std::filesystem::remove_all(dir);
}
