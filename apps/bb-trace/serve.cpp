#include "serve.hpp"

#include "cli.hpp"
#include "common/app.hpp"

#include "bloodbank/file_access.hpp"

#include <fmt/format.h>

#include <atomic>
#include <pthread.h>
#include <signal.h>
#include <thread>

namespace bbtrace {

bb::Result<std::string> serve_token(const Options& o) {
    std::string token = o.token;
    if (!o.token_file.empty()) {
        auto text = bb::read_file_text(o.token_file, 4096, bb::FileKind::regular_or_pipe);
        if (!text)
            return text.error();
        token = text->substr(0, text->find_first_of("\r\n"));
    } else if (o.token.empty()) {
        return token;
    }
    bool usable = token.size() >= 16 && token.size() <= 256 &&
                  token.find_first_not_of("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"
                                          "0123456789._~+/=-") == std::string::npos;
    if (!usable)
        return bb::make_error(bb::ErrorKind::usage,
                              "a --token must be 16 to 256 characters from A-Z a-z 0-9 . _ ~ + "
                              "/ = -");
    return token;
}

int serve(bb::HttpApiOptions options) {
    // Signals go to one waiting thread, never to the server's threads: stop()
    // is called from a normal thread, not from a signal handler.
    sigset_t signals;
    sigemptyset(&signals);
    sigaddset(&signals, SIGINT);
    sigaddset(&signals, SIGTERM);
    sigaddset(&signals, SIGUSR1); // our own wake-up when the server ends by itself
    pthread_sigmask(SIG_BLOCK, &signals, nullptr);
    // The live view's broker connection may be written to after the broker
    // closed it (OpenSSL's writes under amqps:// use no MSG_NOSIGNAL): an
    // error to handle, not a reason to die.
    signal(SIGPIPE, SIG_IGN);

    std::string host = options.host;
    // The page's address with the token, for a person to open once: the
    // server trades it for a cookie and sends the browser on without it.
    std::string page_query = options.token.empty() ? "" : "?token=" + options.token;
    std::string redis = options.redis.redacted();
    bb::HttpApiServer server(std::move(options));
    if (auto bound = server.bind(); !bound)
        return bb::app::fail(program, bound.error());
    // The port bound, which --http-port 0 leaves to the system.
    bb::app::report(program, fmt::format("serving the debug API on {} (Redis at {})",
                                         bb::http_url(host, server.port()), redis));
    bb::app::report(
        program, fmt::format("the web page: {}/{}", bb::http_url(host, server.port()), page_query));
    if (!bb::is_loopback_host(host))
        bb::app::report(program,
                        page_query.empty()
                            ? fmt::format("warning: listening on {}, which is not loopback: the "
                                          "page and the API answer everyone who can reach it, "
                                          "without authentication (see --token)",
                                          host)
                            : fmt::format("warning: listening on {}, which is not loopback, over "
                                          "plain HTTP: the token can be read on the way",
                                          host));

    std::atomic<int> received{0};
    std::thread waiter([&] {
        int signal = 0;
        sigwait(&signals, &signal);
        received = signal;
        server.stop();
    });
    auto ran = server.run();
    if (received == 0)
        pthread_kill(waiter.native_handle(), SIGUSR1);
    waiter.join();
    if (!ran && (received == 0 || received == SIGUSR1))
        return bb::app::fail(program, ran.error());
    bb::app::report(program,
                    fmt::format("stopped ({})", received == SIGINT ? "SIGINT" : "SIGTERM"));
    return 0;
}

} // namespace bbtrace
