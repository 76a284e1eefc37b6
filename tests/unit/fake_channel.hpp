// Scripted stand-ins for the broker and for stop requests, to drive the
// publish pipeline through the cases a real broker produces only now and
// then: answers out of order, nacks, returns, a lost connection, a broker
// that never answers, a signal while waiting.
#pragma once

#include "bloodbank/confirm_channel.hpp"
#include "bloodbank/stop_signals.hpp"

#include <csignal>
#include <cstdint>
#include <fcntl.h>
#include <functional>
#include <stdexcept>
#include <string>
#include <unistd.h>
#include <vector>

namespace bbtest {

// A pipe whose read end stays readable: the pipeline's poll() returns at
// once instead of sleeping, so the tests run at the speed of the script.
class ReadablePipe {
public:
    ReadablePipe() {
        if (::pipe(fds_) != 0)
            throw std::runtime_error("pipe");
        char byte = 1;
        if (::write(fds_[1], &byte, 1) != 1)
            throw std::runtime_error("write");
    }
    ~ReadablePipe() {
        ::close(fds_[0]);
        ::close(fds_[1]);
    }
    ReadablePipe(const ReadablePipe&) = delete;
    ReadablePipe& operator=(const ReadablePipe&) = delete;
    int fd() const { return fds_[0]; }

private:
    int fds_[2];
};

class FakeChannel final : public bb::ConfirmChannel {
public:
    struct Sent {
        std::uint64_t tag;
        std::string message_id;
        std::string correlation_id;
    };
    // What service() answers, given the tags in flight (oldest first); the
    // default acks them all in order. Answered tags leave the window.
    using Answer = std::function<std::vector<bb::Settled>(const std::vector<std::uint64_t>&)>;

    Answer answer = answer_each([](std::uint64_t) { return bb::Delivery::confirmed; });

    // Answers every tag in flight, in order, with what `verdict` says of it.
    static Answer answer_each(std::function<bb::Delivery(std::uint64_t)> verdict) {
        return [verdict](const std::vector<std::uint64_t>& tags) {
            std::vector<bb::Settled> out;
            for (auto tag : tags)
                out.push_back({tag, verdict(tag)});
            return out;
        };
    }
    // Answers nothing: a broker that has gone quiet.
    static std::vector<bb::Settled> answer_none(const std::vector<std::uint64_t>&) { return {}; }
    int lose_at_publish = 0;    // the Nth publish() in all finds the connection gone
    int failing_reconnects = 0; // reconnect() fails this many times first
    bool refuse = false;        // refused(): reconnecting would not help

    std::vector<Sent> sent; // every message published, resends included
    int publishes = 0;
    int reconnects = 0;
    bool connected = true;

    bb::Result<std::uint64_t> publish(const bb::OutgoingMessage& message) override {
        if (!connected)
            return lost();
        if (++publishes == lose_at_publish) {
            connected = false;
            return lost();
        }
        std::uint64_t tag = next_tag_++;
        in_flight_.push_back(tag);
        sent.push_back({tag, std::string(message.message_id), std::string(message.correlation_id)});
        return tag;
    }

    bb::Result<void> service(std::chrono::milliseconds,
                             std::vector<bb::Settled>& settled) override {
        if (!connected)
            return lost();
        for (const bb::Settled& s : answer(in_flight_)) {
            std::erase(in_flight_, s.tag);
            settled.push_back(s);
        }
        return {};
    }

    bb::Result<void> await_setup() override { return {}; }

    void abandon_in_flight(std::vector<bb::Settled>& settled) override {
        for (auto tag : in_flight_)
            settled.push_back({tag, bb::Delivery::unconfirmed});
        in_flight_.clear();
    }

    bb::Result<void> reconnect() override {
        ++reconnects;
        if (failing_reconnects > 0) {
            --failing_reconnects;
            return bb::make_error(bb::ErrorKind::unavailable,
                                  "cannot connect to amqp://fake/: connection refused");
        }
        connected = true;
        next_tag_ = 1;
        return {};
    }

    std::size_t in_flight() const override { return in_flight_.size(); }
    int fd() const override { return pipe_.fd(); }
    bool refused() const override { return refuse; }
    const std::string& target() const override { return target_; }

    // The message ids published, in order, resends included.
    std::vector<std::string> ids() const {
        std::vector<std::string> out;
        for (const auto& s : sent)
            out.push_back(s.message_id);
        return out;
    }

private:
    bb::Error lost() const {
        return bb::make_error(bb::ErrorKind::unavailable, "connection to amqp://fake/ lost");
    }

    std::vector<std::uint64_t> in_flight_;
    std::uint64_t next_tag_ = 1;
    std::string target_ = "amqp://fake/";
    ReadablePipe pipe_;
};

// Stop requests a test sends itself, as the signal handler would.
class FakeStopRequests final : public bb::StopRequests {
public:
    FakeStopRequests() {
        // Non-blocking, as the signal pipe: the pipeline drains it.
        if (::pipe2(fds_, O_NONBLOCK) != 0)
            throw std::runtime_error("pipe");
    }
    ~FakeStopRequests() {
        ::close(fds_[0]);
        ::close(fds_[1]);
    }
    FakeStopRequests(const FakeStopRequests&) = delete;
    FakeStopRequests& operator=(const FakeStopRequests&) = delete;

    void send(int signal = SIGTERM) {
        if (first_ == 0)
            first_ = signal;
        ++count_;
        char byte = 1;
        if (::write(fds_[1], &byte, 1) != 1)
            throw std::runtime_error("write");
    }
    int fd() const override { return fds_[0]; }
    int count() const override { return count_; }
    int first() const override { return first_; }

private:
    int fds_[2];
    int count_ = 0;
    int first_ = 0;
};

} // namespace bbtest
