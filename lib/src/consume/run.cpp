// The consume loop: one poll() over the broker's socket, the signal pipe and
// the running commands; deliveries go to stdout or to commands, and are
// acked, sent back or dead-lettered as they settle. A lost connection is
// made again with backoff; what was not acked then comes back by itself.
#include "consume/command.hpp"
#include "consume/event_line.hpp"
#include "consume/stream_output.hpp"

#include "bloodbank/consume.hpp"
#include "bloodbank/envelope.hpp"
#include "bloodbank/stop_signals.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <deque>
#include <poll.h>
#include <sched.h>
#include <set>
#include <unordered_set>

namespace bb {
namespace {

using namespace consume_detail;
using Clock = std::chrono::steady_clock;
using std::chrono::milliseconds;

milliseconds until(Clock::time_point t) {
    return std::max(milliseconds(0),
                    std::chrono::duration_cast<milliseconds>(t - Clock::now() + milliseconds(1)));
}

// One command running for one delivery.
struct Running {
    Received message;
    Command command;
    Clock::time_point deadline;
    unsigned generation; // the connection the delivery came on
};

class Run {
public:
    Run(const ConsumeSettings& settings, const StopRequests& stop, ConsumeListener& listener)
        : s_(settings), stop_(stop), listener_(listener), out_(settings.out_fd) {}

    Result<ConsumeOutcome> go();

private:
    bool exec_mode() const { return !s_.command.empty(); }
    bool limit_reached() const { return s_.count && finished_ >= s_.count; }
    std::uint64_t in_progress() const { return running_.size() + (in_pipe_ ? 1 : 0); }

    void step();      // one turn of the loop
    void check_end(); // ends the run when an end condition holds
    void take(std::vector<Received>& arrived);
    void dispatch();     // queued deliveries to stdout or commands
    void hand_over();    // queued deliveries to settings.on_event
    bool write_batch();  // batch_ to stdout; false ends the run
    void stream_batch(); // not paced: all queued lines in one write
    void stream_paced(); // into a pipe: one line at a time
    void start_command(Received message, const Envelope* envelope);
    void settle_commands(const std::vector<pollfd>& fds);
    void fail(const Received& m, const std::string& why);
    // `attempts`: the command runs that failed (none for an invalid body).
    void dead_letter(const Received& m, const std::string& why, int attempts);
    void done(const Received& m);
    void ack(std::uint64_t tag, bool multiple = false);
    bool passes(const Received& m, const Envelope* envelope);
    void connection_lost(Error why);
    bool reconnect(Error& why);
    void end(ConsumeEnd how, std::optional<Error> error = {});
    void begin_stop();
    // Streams: `m` reached its final state; the offset file moves past it.
    void offset_done(const Received& m);
    std::optional<std::uint64_t> resume_offset() const;
    void save_offset();

    const ConsumeSettings& s_;
    ConsumerOptions options_; // s_.consumer, started where the offset file says
    const StopRequests& stop_;
    ConsumeListener& listener_;
    std::optional<Consumer> consumer_;
    StreamOutput out_;
    ConsumeOutcome outcome_;
    std::optional<ConsumeEnd> ended_;

    std::deque<std::pair<Received, std::optional<Envelope>>> queued_;
    std::vector<Running> running_;
    std::optional<std::uint64_t> in_pipe_; // paced: the tag of the line in the pipe
    std::optional<Received> in_pipe_message_;
    // Streams: offsets received and not yet in their final state, and the one
    // after the last that reached it.
    std::set<std::uint64_t> open_offsets_;
    std::optional<std::uint64_t> next_offset_;
    bool offset_moved_ = false;
    bool stopped_at_failure_ = false; // a stream's command failed: no further event starts
    std::unordered_set<std::string> descendants_;
    std::unordered_set<std::string> awaiting_retry_; // ids sent back after a failure
    std::uint64_t finished_ = 0;                     // events in their final state
    unsigned generation_ = 0;
    bool stopping_ = false;
    Clock::time_point shutdown_deadline_;
    Clock::time_point last_arrival_ = Clock::now();
    Clock::time_point last_progress_ = Clock::now();
    milliseconds pipe_wait_{0};
    std::string batch_;
};

Result<ConsumeOutcome> Run::go() {
    if (s_.descends_from)
        descendants_ = *s_.descends_from;
    options_ = s_.consumer;
    if (!s_.offset_file.empty() && !options_.stream_start) {
        auto kept = read_offset_file(s_.offset_file);
        if (!kept)
            return kept.error();
        options_.stream_start = *kept ? StreamStart{StreamStart::Kind::offset, **kept, 0}
                                      : StreamStart{StreamStart::Kind::first, 0, 0};
    }
    auto connected = Consumer::connect(options_);
    if (!connected)
        return connected.error();
    consumer_ = std::move(*connected);
    outcome_.queue = consumer_->queue();
    if (s_.on_ready)
        if (auto ready = s_.on_ready(); !ready) {
            consumer_->close();
            return ready.error();
        }
    while (!ended_)
        step();
    save_offset();
    outcome_.end = *ended_;
    outcome_.unresolved_failures = awaiting_retry_.size();
    outcome_.counts.returned += queued_.size() + running_.size() + (in_pipe_ ? 1 : 0);
    for (Running& r : running_)
        r.command.kill("bb-consume stopped");
    running_.clear();
    if (consumer_)
        consumer_->close();
    return outcome_;
}

void Run::end(ConsumeEnd how, std::optional<Error> error) {
    if (!ended_) {
        ended_ = how;
        outcome_.error = std::move(error);
    }
}

void Run::begin_stop() {
    stopping_ = true;
    shutdown_deadline_ = Clock::now() + s_.shutdown_timeout;
    outcome_.counts.returned += queued_.size();
    queued_.clear();
    if (consumer_)
        if (auto r = consumer_->stop_consuming(); !r)
            connection_lost(r.error());
}

void Run::check_end() {
    if (ended_)
        return;
    bool outstanding = !running_.empty() || in_pipe_ || consumer_->forwards_pending() > 0;
    if (stopping_) {
        if (!outstanding || stop_.count() > 1 || Clock::now() >= shutdown_deadline_)
            end(stopped_at_failure_ && stop_.count() == 0 ? ConsumeEnd::stream_failure
                                                          : ConsumeEnd::signal);
    } else if (limit_reached() && !outstanding) {
        end(ConsumeEnd::count);
    } else if (s_.idle_timeout.count() > 0 && queued_.empty() && !outstanding &&
               Clock::now() - last_arrival_ >= s_.idle_timeout) {
        end(ConsumeEnd::idle);
    }
}

void Run::step() {
    if (stop_.count() > 0 && !stopping_) {
        begin_stop();
        if (!running_.empty())
            listener_.notice(fmt::format(
                "{}: waiting for {} running command{} (at most {:g} s)", signal_name(stop_.first()),
                running_.size(), running_.size() == 1 ? "" : "s",
                std::chrono::duration<double>(s_.shutdown_timeout).count()));
    }
    check_end();
    if (ended_)
        return;
    dispatch();
    check_end(); // the last event may just have been written
    if (ended_)
        return;

    // Wait for the broker, a signal, a command, or the next deadline.
    std::vector<pollfd> fds;
    fds.push_back({consumer_->fd(), POLLIN, 0});
    fds.push_back({stop_.fd(), POLLIN, 0});
    for (const Running& r : running_)
        fds.push_back({r.command.fd(), POLLIN, 0});
    milliseconds wait(1000); // heartbeats are sent from receive()
    if (in_pipe_)
        wait = pipe_wait_;
    if ((!queued_.empty() && !exec_mode()) || consumer_->has_buffered())
        wait = milliseconds(0);
    if (s_.idle_timeout.count() > 0)
        wait = std::min(wait, until(last_arrival_ + s_.idle_timeout));
    for (const Running& r : running_)
        if (s_.exec_timeout.count() > 0)
            wait = std::min(wait, until(r.deadline));
    if (stopping_)
        wait = std::min(wait, until(shutdown_deadline_));
    if (in_pipe_ && wait.count() == 0)
        sched_yield(); // the reader is likely on the other core, reading now
    else
        ::poll(fds.data(), fds.size(), static_cast<int>(wait.count()));

    settle_commands(fds);
    if (in_pipe_) {
        if (out_.drained()) {
            ack(*in_pipe_);
            offset_done(*in_pipe_message_);
            in_pipe_.reset();
            pipe_wait_ = milliseconds(0);
            ++outcome_.counts.done;
            ++finished_;
        } else if (out_.reader_gone()) {
            in_pipe_.reset();
            ++outcome_.counts.returned;
            return end(ConsumeEnd::reader_gone);
        } else {
            pipe_wait_ = std::min(milliseconds(50), std::max(milliseconds(1), pipe_wait_ * 2));
        }
    }
    std::vector<Received> arrived;
    if (auto r = consumer_->receive(milliseconds(0), arrived); !r)
        connection_lost(r.error());
    for (const std::string& id : consumer_->take_dropped()) {
        // A dead letter that its exchange routed nowhere: the event is gone.
        listener_.notice(fmt::format("event {}: the dead-letter exchange \"{}\" has no queue "
                                     "bound for it: rejected",
                                     id, s_.consumer.dead_letter_exchange));
        if (outcome_.counts.dead_lettered > 0)
            --outcome_.counts.dead_lettered;
        ++outcome_.counts.rejected;
    }
    take(arrived);
    save_offset();
    if (Clock::now() - last_progress_ >= milliseconds(250)) {
        last_progress_ = Clock::now();
        listener_.progress(outcome_.counts);
    }
}

bool Run::passes(const Received& m, const Envelope* envelope) {
    if (!s_.descends_from)
        return true;
    if (!envelope)
        return false;
    std::string id = envelope->event_id.str();
    if (descendants_.count(id))
        return true;
    for (const Uuid& parent : envelope->correlation_ids)
        if (descendants_.count(parent.str())) {
            descendants_.insert(id);
            return true;
        }
    (void)m;
    return false;
}

void Run::take(std::vector<Received>& arrived) {
    if (!arrived.empty())
        last_arrival_ = Clock::now();
    for (Received& m : arrived) {
        ++outcome_.counts.received;
        if (auto offset = m.stream_offset())
            open_offsets_.insert(*offset);
        if (stopping_) { // sent before the broker saw the cancel: back to the queue
            ++outcome_.counts.returned;
            continue;
        }
        if (s_.skip_replays && m.replay()) {
            ++outcome_.counts.replays_skipped;
            ack(m.tag);
            offset_done(m);
            continue;
        }
        std::optional<Envelope> envelope;
        if (!s_.raw || s_.descends_from) {
            auto parsed = parse_envelope(m.body);
            if (parsed) {
                envelope = std::move(*parsed);
            } else if (!s_.raw) {
                ++outcome_.counts.invalid;
                std::string why = "not a valid envelope: " + parsed.error().message;
                listener_.notice(
                    fmt::format("message {} (routing key {}): {}",
                                m.message_id.empty() ? "without message_id" : m.message_id,
                                m.routing_key, why));
                dead_letter(m, why, m.attempts());
                continue;
            }
        }
        if (!passes(m, envelope ? &*envelope : nullptr)) {
            ++outcome_.counts.skipped;
            ack(m.tag);
            offset_done(m);
            continue;
        }
        queued_.emplace_back(std::move(m), s_.raw ? std::nullopt : std::move(envelope));
    }
}

void Run::dispatch() {
    if (stopping_)
        return;
    if (exec_mode()) {
        while (!queued_.empty() && running_.size() < s_.concurrency &&
               (!s_.count || finished_ + in_progress() < s_.count)) {
            auto [m, envelope] = std::move(queued_.front());
            queued_.pop_front();
            start_command(std::move(m), envelope ? &*envelope : nullptr);
        }
    } else if (s_.on_event) {
        hand_over();
    } else if (out_.paced()) {
        stream_paced();
    } else {
        stream_batch();
    }
}

void Run::hand_over() {
    while (!queued_.empty() && !ended_ && !limit_reached()) {
        auto [m, envelope] = std::move(queued_.front());
        queued_.pop_front();
        bool more = s_.on_event(m, envelope ? &*envelope : nullptr);
        ack(m.tag);
        offset_done(m);
        ++outcome_.counts.done;
        ++finished_;
        if (!more)
            end(ConsumeEnd::count);
    }
}

bool Run::write_batch() {
    auto written = out_.write(batch_);
    if (written && *written)
        return true;
    // The reader closed stdout (nothing of the batch counts as read), or it failed.
    end(ConsumeEnd::reader_gone, written ? std::nullopt : std::optional<Error>(written.error()));
    return false;
}

void Run::stream_batch() {
    if (queued_.empty())
        return;
    batch_.clear();
    std::uint64_t last = 0;
    std::size_t taken = 0;
    for (auto& [m, envelope] : queued_) {
        if (s_.count && finished_ + taken >= s_.count)
            break;
        append_event_line(m, envelope ? &*envelope : nullptr, s_.format, batch_);
        last = m.tag;
        ++taken;
    }
    if (!write_batch())
        return;
    // One ack for the batch, unless copies awaiting their confirm hold earlier tags.
    bool multiple = consumer_->forwards_pending() == 0 && taken > 1;
    if (multiple)
        ack(last, true);
    for (std::size_t i = 0; i < taken; ++i) {
        if (!multiple)
            ack(queued_.front().first.tag);
        offset_done(queued_.front().first);
        queued_.pop_front();
    }
    outcome_.counts.done += taken;
    finished_ += taken;
}

void Run::stream_paced() {
    if (in_pipe_ || queued_.empty() || limit_reached())
        return;
    auto& [m, envelope] = queued_.front();
    batch_.clear();
    append_event_line(m, envelope ? &*envelope : nullptr, s_.format, batch_);
    if (!write_batch())
        return;
    in_pipe_ = m.tag;
    in_pipe_message_ = m;
    pipe_wait_ = milliseconds(0);
    queued_.pop_front();
}

void Run::start_command(Received m, const Envelope* envelope) {
    if (m.attempts() >= static_cast<int>(s_.max_attempts)) {
        // Only the broker's delivery count gets here: handed out that often
        // with no verdict, the event likely brings its consumer down.
        ++outcome_.counts.failed;
        std::string why = fmt::format("delivered {} times without a verdict (the consumer "
                                      "stopped while handling it)",
                                      m.attempts());
        listener_.notice(
            fmt::format("event {} ({}): {}", m.message_id, m.original_routing_key(), why));
        return dead_letter(m, why, m.attempts());
    }
    std::vector<std::string> env;
    env.push_back("BB_ROUTING_KEY=" + std::string(m.original_routing_key()));
    env.push_back(std::string("BB_REDELIVERED=") + (m.redelivered || m.attempts() > 0 ? "1" : "0"));
    env.push_back(fmt::format("BB_ATTEMPT={}", m.attempts() + 1));
    env.push_back(std::string("BB_REPLAY=") + (m.replay() ? "1" : "0"));
    if (auto offset = m.stream_offset())
        env.push_back(fmt::format("BB_STREAM_OFFSET={}", *offset));
    if (envelope) {
        env.push_back("BB_EVENT_ID=" + envelope->event_id.str());
        env.push_back("BB_EVENT_TYPE=" + envelope->event_type);
        std::string ids;
        for (const Uuid& id : envelope->correlation_ids) {
            if (!ids.empty())
                ids += ',';
            ids += id.str();
        }
        env.push_back("BB_CORRELATION_IDS=" + ids);
    }
    auto command = Command::start(s_.command, m.body, env);
    if (!command) {
        fail(m, command.error().message);
        return;
    }
    auto deadline =
        s_.exec_timeout.count() > 0 ? Clock::now() + s_.exec_timeout : Clock::time_point::max();
    running_.push_back({std::move(m), std::move(*command), deadline, generation_});
}

void Run::settle_commands(const std::vector<pollfd>& fds) {
    auto now = Clock::now();
    for (std::size_t i = 0; i < running_.size();) {
        Running& r = running_[i];
        bool ended = false;
        for (std::size_t f = 2; f < fds.size(); ++f)
            ended = ended || (fds[f].fd == r.command.fd() && (fds[f].revents & POLLIN));
        if (!ended) {
            if (now >= r.deadline) {
                r.command.kill(fmt::format("timed out after {:g} s",
                                           std::chrono::duration<double>(s_.exec_timeout).count()));
                r.deadline = Clock::time_point::max();
            }
            ++i;
            continue;
        }
        std::string why = r.command.finish();
        Received m = std::move(r.message);
        bool current = r.generation == generation_;
        running_.erase(running_.begin() + static_cast<std::ptrdiff_t>(i));
        if (!current) // its delivery went with the old connection and comes back
            continue;
        if (why.empty())
            done(m);
        else
            fail(m, why);
    }
}

void Run::done(const Received& m) {
    ack(m.tag);
    offset_done(m);
    awaiting_retry_.erase(m.message_id);
    ++outcome_.counts.done;
    ++finished_;
}

void Run::fail(const Received& m, const std::string& why) {
    ++outcome_.counts.failed;
    if (auto offset = m.stream_offset()) {
        // A copy sent back would land at the end of the stream, out of order
        // and kept by every other reader: the run stops instead, and the
        // offset file keeps this event for the next run.
        listener_.notice(fmt::format("event {} ({}): command failed ({}) at stream offset {}; "
                                     "stopping: a stream keeps its events in order",
                                     m.message_id, m.original_routing_key(), why, *offset));
        awaiting_retry_.insert(m.message_id);
        if (!stopping_) {
            stopped_at_failure_ = true;
            begin_stop();
        }
        return;
    }
    int attempts = m.attempts() + 1;
    if (static_cast<unsigned>(attempts) >= s_.max_attempts) {
        listener_.notice(fmt::format("event {} ({}): command failed ({}), attempt {} of {}",
                                     m.message_id, m.original_routing_key(), why, attempts,
                                     s_.max_attempts));
        return dead_letter(m, why, attempts);
    }
    listener_.notice(fmt::format(
        "event {} ({}): command failed ({}), attempt {} of {}; back to queue {}", m.message_id,
        m.original_routing_key(), why, attempts, s_.max_attempts, consumer_->queue()));
    std::vector<Header> extra = {
        {std::string(attempts_header), {std::int64_t{attempts}}},
        {std::string(routing_key_header), {std::string(m.original_routing_key())}},
        {std::string(failure_header), {why}},
    };
    if (auto r = consumer_->forward(m, "", consumer_->queue(), extra); !r)
        return connection_lost(r.error());
    ++outcome_.counts.retried;
    awaiting_retry_.insert(m.message_id);
}

void Run::dead_letter(const Received& m, const std::string& why, int attempts) {
    awaiting_retry_.erase(m.message_id);
    ++finished_;
    offset_done(m);
    const std::string& exchange = s_.consumer.dead_letter_exchange;
    if (exchange.empty()) {
        listener_.notice(fmt::format("event {}: rejected (no --dead-letter exchange)",
                                     m.message_id.empty() ? m.routing_key : m.message_id));
        ++outcome_.counts.rejected;
        if (auto r = consumer_->reject(m.tag); !r)
            connection_lost(r.error());
        return;
    }
    std::vector<Header> extra = {
        {std::string(attempts_header), {std::int64_t{attempts}}},
        {std::string(routing_key_header), {std::string(m.original_routing_key())}},
        {std::string(failure_header), {why}},
        {std::string(queue_header), {consumer_->queue()}},
    };
    if (auto r = consumer_->forward(m, exchange, m.original_routing_key(), extra); !r)
        return connection_lost(r.error());
    ++outcome_.counts.dead_lettered;
}

void Run::ack(std::uint64_t tag, bool multiple) {
    if (auto r = consumer_->ack(tag, multiple); !r)
        connection_lost(r.error());
}

void Run::connection_lost(Error why) {
    if (ended_)
        return;
    if (stopping_ || consumer_->refused() || !reconnect(why))
        return end(ConsumeEnd::broker_lost, std::move(why));
}

void Run::offset_done(const Received& m) {
    auto offset = m.stream_offset();
    if (!offset)
        return;
    open_offsets_.erase(*offset);
    next_offset_ = std::max(next_offset_.value_or(0), *offset + 1);
    offset_moved_ = true;
}

std::optional<std::uint64_t> Run::resume_offset() const {
    if (!open_offsets_.empty())
        return *open_offsets_.begin();
    return next_offset_;
}

void Run::save_offset() {
    if (s_.offset_file.empty() || !offset_moved_)
        return;
    offset_moved_ = false;
    if (auto saved = write_offset_file(s_.offset_file, *resume_offset()); !saved)
        end(ConsumeEnd::offset_file_failed, saved.error());
}

bool Run::reconnect(Error& why) {
    // What was not acked comes back on the new connection.
    outcome_.counts.returned += queued_.size() + (in_pipe_ ? 1 : 0);
    queued_.clear();
    in_pipe_.reset();
    ++generation_;
    // A stream is read again from the first event not done.
    if (auto offset = resume_offset())
        consumer_->resume_stream_at(*offset);
    open_offsets_.clear();
    if (s_.reconnect_attempts <= 0)
        return false;
    listener_.notice(fmt::format("{}; reconnecting", why.message));
    auto deadline = Clock::now() + s_.reconnect_time;
    milliseconds delay(200);
    for (int attempt = 1; attempt <= s_.reconnect_attempts; ++attempt) {
        pollfd p{stop_.fd(), POLLIN, 0};
        if (::poll(&p, 1, static_cast<int>(std::min(delay, until(deadline)).count())) > 0 ||
            Clock::now() >= deadline)
            return false;
        auto again = consumer_->reconnect();
        if (again) {
            listener_.notice(fmt::format("reconnected to {}", consumer_->target()));
            ++outcome_.counts.reconnects;
            outcome_.queue = consumer_->queue();
            return true;
        }
        why = again.error();
        delay = std::min(delay * 2, milliseconds(5000));
    }
    return false;
}

} // namespace

Result<ConsumeOutcome> consume(const ConsumeSettings& settings, const StopRequests& stop,
                               ConsumeListener& listener) {
    if (!settings.command.empty())
        if (auto runnable = check_runnable(settings.command.front()); !runnable)
            return runnable.error();
    Run run(settings, stop, listener);
    return run.go();
}

} // namespace bb
