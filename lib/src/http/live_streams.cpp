// The live streams' thread: see live_streams.hpp.
#include "http/live_streams.hpp"

#include "http/web_json.hpp"

#include <algorithm>
#include <cerrno>
#include <chrono>
#include <deque>
#include <fcntl.h>
#include <mutex>
#include <poll.h>
#include <sys/socket.h>
#include <thread>
#include <unistd.h>
#include <variant>
#include <vector>

namespace bb::http_detail {
namespace {

using Clock = std::chrono::steady_clock;

// Events kept for streams that open just after they were seen (the page
// reads the chain, then opens its stream).
constexpr std::size_t recent_events = 256;
// A client that takes nothing while this much waits for it is dropped.
constexpr std::size_t max_unsent_bytes = 1024 * 1024;

struct Stream {
    UniqueFd fd;
    TraceGraph graph;
    std::string out;     // written as the socket takes it
    bool ending = false; // closed once `out` is sent
};

struct StateChange {
    LiveState state;
    std::string detail;
};
struct Stop {};

using Message = std::variant<Stream, Envelope, StateChange, Stop>;

// A `data:` line holds no line break: the reason is made one line.
std::string one_line(std::string text) {
    std::replace_if(
        text.begin(), text.end(), [](char c) { return c == '\n' || c == '\r'; }, ' ');
    return text;
}

std::string state_event(LiveState state, const std::string& detail) {
    switch (state) {
    case LiveState::on:
        return "event: live\ndata: on\n\n";
    case LiveState::unavailable:
        return "event: unavailable\ndata: " + one_line(detail) + "\n\n";
    case LiveState::starting:
        break;
    }
    return "";
}

// The event as the chain answer writes it, its parents those in the graph.
std::string data_line(const TraceGraph& graph, std::size_t index, const Envelope& event) {
    ChainEvent shown{graph.node(index), {}, event.correlation_ids.size(), 0, {}, {}, false};
    for (std::size_t parent : graph.parents(index))
        shown.parents.push_back(graph.node(parent).id);
    shown.time_micros = event.timestamp.unix_micros;
    rapidjson::StringBuffer buffer;
    JsonWriter w(buffer);
    write_event(w, shown);
    return "data: " + text_of(buffer) + "\n\n";
}

} // namespace

struct LiveStreams::Impl {
    HttpLiveOptions options;
    UniqueFd wake_read, wake_write;
    std::mutex mutex;
    std::deque<Message> inbox;
    bool stopped = false;             // under mutex: no more streams
    std::atomic<std::size_t> open{0}; // streams added and not yet closed
    std::thread thread;

    // The thread's own.
    std::vector<Stream> streams;
    std::deque<Envelope> recent;
    LiveState state = LiveState::starting;
    std::string detail;

    void post(Message message) {
        {
            std::lock_guard lock(mutex);
            inbox.push_back(std::move(message));
        }
        char byte = 1;
        (void)!write(wake_write.get(), &byte, 1);
    }
    void run();
    bool take_inbox(); // false after Stop
    void opened(Stream stream);
    void changed(StateChange change);
    void seen(const Envelope& event);
    void send(Stream& stream);
    void close(Stream& stream) {
        stream.fd.reset();
        --open;
    }
};

void LiveStreams::Impl::opened(Stream stream) {
    stream.out += state_event(state, detail);
    if (state == LiveState::unavailable)
        stream.ending = true;
    for (const Envelope& event : recent)
        if (auto index = add_descendant(stream.graph, event))
            stream.out += data_line(stream.graph, *index, event);
    streams.push_back(std::move(stream));
}

void LiveStreams::Impl::changed(StateChange change) {
    state = change.state;
    detail = std::move(change.detail);
    for (Stream& stream : streams) {
        stream.out += state_event(state, detail);
        if (state == LiveState::unavailable)
            stream.ending = true;
    }
}

void LiveStreams::Impl::seen(const Envelope& event) {
    for (Stream& stream : streams)
        if (auto index = add_descendant(stream.graph, event))
            stream.out += data_line(stream.graph, *index, event);
    recent.push_back(event);
    if (recent.size() > recent_events)
        recent.pop_front();
}

bool LiveStreams::Impl::take_inbox() {
    char drain[256];
    while (read(wake_read.get(), drain, sizeof drain) > 0) {
    }
    std::deque<Message> messages;
    {
        std::lock_guard lock(mutex);
        messages.swap(inbox);
    }
    bool go_on = true;
    for (Message& message : messages) {
        if (auto* stream = std::get_if<Stream>(&message))
            opened(std::move(*stream));
        else if (auto* event = std::get_if<Envelope>(&message))
            seen(*event);
        else if (auto* change = std::get_if<StateChange>(&message))
            changed(std::move(*change));
        else
            go_on = false;
    }
    return go_on;
}

// Writes what the socket takes now; a client that fails or lets too much
// pile up is closed.
void LiveStreams::Impl::send(Stream& stream) {
    while (!stream.out.empty()) {
        ssize_t sent = ::send(stream.fd.get(), stream.out.data(), stream.out.size(), MSG_NOSIGNAL);
        if (sent > 0) {
            stream.out.erase(0, static_cast<std::size_t>(sent));
        } else if (sent < 0 && errno == EINTR) {
            continue;
        } else if (sent < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) {
            if (stream.out.size() > max_unsent_bytes)
                close(stream);
            return;
        } else {
            close(stream);
            return;
        }
    }
    if (stream.ending)
        close(stream);
}

void LiveStreams::Impl::run() {
    Clock::time_point next_heartbeat = Clock::now() + options.heartbeat;
    std::vector<pollfd> polled;
    bool go_on = true;
    while (go_on) {
        polled.assign({{wake_read.get(), POLLIN, 0}});
        for (const Stream& stream : streams)
            polled.push_back({stream.fd.get(),
                              static_cast<short>(POLLIN | (stream.out.empty() ? 0 : POLLOUT)), 0});
        auto left = std::chrono::ceil<std::chrono::milliseconds>(next_heartbeat - Clock::now());
        int timeout = static_cast<int>(std::clamp<long long>(left.count(), 0, 60'000));
        int ready = poll(polled.data(), polled.size(), timeout);
        if (ready < 0 && errno != EINTR)
            break;
        std::size_t polled_streams = polled.size() - 1;
        // A client sends nothing after its request: readable means it went
        // away (or sends what is ignored).
        for (std::size_t i = 0; ready > 0 && i < polled_streams; ++i) {
            if (!(polled[i + 1].revents & (POLLIN | POLLHUP | POLLERR)))
                continue;
            char buffer[1024];
            ssize_t got = recv(streams[i].fd.get(), buffer, sizeof buffer, 0);
            if (got == 0 || (got < 0 && errno != EAGAIN && errno != EWOULDBLOCK && errno != EINTR))
                close(streams[i]);
        }
        if (ready > 0 && polled[0].revents)
            go_on = take_inbox();
        if (Clock::now() >= next_heartbeat) {
            for (Stream& stream : streams)
                stream.out += ": keep-alive\n\n";
            next_heartbeat = Clock::now() + options.heartbeat;
        }
        if (!go_on)
            for (Stream& stream : streams) {
                stream.out += "event: end\ndata: the server is stopping\n\n";
                stream.ending = true;
            }
        for (Stream& stream : streams)
            if (stream.fd)
                send(stream);
        std::erase_if(streams, [](const Stream& stream) { return !stream.fd; });
    }
    // What the last send could not write is dropped with its connection.
    for (Stream& stream : streams) {
        shutdown(stream.fd.get(), SHUT_RDWR);
        close(stream);
    }
    streams.clear();
}

LiveStreams::LiveStreams(const HttpLiveOptions& options) : impl_(std::make_unique<Impl>()) {
    impl_->options = options;
    int fds[2];
    if (pipe2(fds, O_CLOEXEC | O_NONBLOCK) == 0) {
        impl_->wake_read.reset(fds[0]);
        impl_->wake_write.reset(fds[1]);
        impl_->thread = std::thread([this] { impl_->run(); });
    } else {
        impl_->stopped = true; // no thread to write streams: refuse them all
    }
}

LiveStreams::~LiveStreams() {
    stop();
}

bool LiveStreams::add(UniqueFd& fd, TraceGraph graph, std::string opening) {
    {
        std::lock_guard lock(impl_->mutex);
        if (impl_->stopped || impl_->open.load() >= impl_->options.max_streams)
            return false;
        ++impl_->open;
    }
    impl_->post(Stream{std::move(fd), std::move(graph), std::move(opening)});
    return true;
}

void LiveStreams::publish(Envelope event) {
    // A stream needs the id, the parents and the summary: the rest of a
    // large event is not kept among the recent ones.
    event.payload.clear();
    event.agent_context.reset();
    impl_->post(std::move(event));
}

void LiveStreams::set_state(LiveState state, std::string detail) {
    impl_->post(StateChange{state, std::move(detail)});
}

void LiveStreams::stop() {
    {
        std::lock_guard lock(impl_->mutex);
        if (impl_->stopped && !impl_->thread.joinable())
            return;
        impl_->stopped = true;
    }
    if (impl_->thread.joinable()) {
        impl_->post(Stop{});
        impl_->thread.join();
    }
}

} // namespace bb::http_detail
