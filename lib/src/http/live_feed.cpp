// The consumer behind the live streams: see live_feed.hpp.
#include "http/live_feed.hpp"

#include "bloodbank/consume.hpp"
#include "bloodbank/stop_signals.hpp"

#include <fmt/format.h>

#include <atomic>
#include <csignal>
#include <fcntl.h>
#include <mutex>
#include <poll.h>
#include <thread>
#include <unistd.h>

namespace bb::http_detail {
namespace {

// Asked to stop by the server, not by a signal: serve's signals are waited
// for by a thread of the app's, which stops the server.
class StopPipe final : public StopRequests {
public:
    StopPipe() {
        int fds[2];
        if (pipe2(fds, O_CLOEXEC | O_NONBLOCK) == 0) {
            read_.reset(fds[0]);
            write_.reset(fds[1]);
        }
    }
    int fd() const override { return read_.get(); }
    int count() const override { return count_.load(); }
    int first() const override { return count_.load() ? SIGTERM : 0; }
    void request() {
        ++count_;
        char byte = 1;
        (void)!write(write_.get(), &byte, 1);
    }
    // False when a stop request came first.
    bool pause(std::chrono::milliseconds time) const {
        pollfd p{read_.get(), POLLIN, 0};
        return count_.load() == 0 && poll(&p, 1, static_cast<int>(time.count())) == 0 &&
               count_.load() == 0;
    }

private:
    UniqueFd read_, write_;
    std::atomic<int> count_{0};
};

// The consumer's lines go to the server's log.
class LogListener final : public ConsumeListener {
public:
    explicit LogListener(const HttpApiOptions& options) : options_(options) {}
    void notice(const std::string& line) override { log("live updates: " + line); }
    void progress(const ConsumeCounts&) override {}
    void log(const std::string& line) const {
        if (options_.log)
            options_.log(line);
    }

private:
    const HttpApiOptions& options_;
};

} // namespace

struct LiveFeed::Impl {
    const HttpApiOptions& options;
    LiveStreams streams;
    StopPipe stop;
    mutable std::mutex mutex;
    std::string_view state = "off";
    std::string detail;
    std::thread consumer;

    explicit Impl(const HttpApiOptions& o) : options(o), streams(o.live) {}

    void set(std::string_view new_state, std::string new_detail) {
        std::lock_guard lock(mutex);
        state = new_state;
        detail = std::move(new_detail);
    }
    void unavailable(const std::string& why) {
        set("unavailable", why);
        streams.set_state(LiveState::unavailable, why);
    }
    void start() {
        std::lock_guard lock(mutex);
        if (consumer.joinable() || stop.count() > 0)
            return;
        state = "starting";
        consumer = std::thread([this] { consume_until_stopped(); });
    }
    void consume_until_stopped();
};

void LiveFeed::Impl::consume_until_stopped() {
    LogListener listener(options);
    ConsumeSettings s;
    s.consumer = options.live.consumer;
    s.consumer.patterns = {"#"};
    s.consumer.queue.clear(); // private, exclusive, auto-delete
    s.on_ready = [&]() -> Result<void> {
        set("on", "");
        streams.set_state(LiveState::on, "");
        listener.log(
            fmt::format("live updates: consuming every event of exchange {}", s.consumer.exchange));
        return {};
    };
    s.on_event = [&](const Received&, const Envelope* event) {
        if (event)
            streams.publish(*event);
        return true;
    };
    do {
        if (s.consumer.urls.empty()) {
            unavailable("no broker is configured (RABBIT_URL)");
            return;
        }
        set("starting", "");
        streams.set_state(LiveState::starting, "");
        auto outcome = consume(s, stop, listener);
        if (stop.count() > 0)
            return;
        std::string why = !outcome         ? outcome.error().message
                          : outcome->error ? outcome->error->message
                                           : "the consumer stopped";
        listener.log(fmt::format("live updates unavailable: {}; trying again in {} s", why,
                                 options.live.retry.count() / 1000));
        unavailable(why);
    } while (stop.pause(options.live.retry));
}

LiveFeed::LiveFeed(const HttpApiOptions& options) : impl_(std::make_unique<Impl>(options)) {
    if (options.live.follow)
        impl_->start();
}

LiveFeed::~LiveFeed() {
    stop();
}

LiveFeed::Status LiveFeed::status() const {
    std::lock_guard lock(impl_->mutex);
    return {impl_->state, impl_->detail};
}

bool LiveFeed::add_stream(UniqueFd& fd, TraceGraph graph, std::string opening) {
    impl_->start();
    return impl_->streams.add(fd, std::move(graph), std::move(opening));
}

void LiveFeed::stop() {
    impl_->stop.request();
    {
        // Waits for a start() under way: from here on, either its thread
        // exists or no thread will be started.
        std::lock_guard lock(impl_->mutex);
    }
    if (impl_->consumer.joinable())
        impl_->consumer.join();
    impl_->streams.stop();
}

} // namespace bb::http_detail
