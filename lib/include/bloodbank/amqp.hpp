// A RabbitMQ publisher over rabbitmq-c with publisher confirms (DESIGN §3).
//
// One connection, one channel in confirm mode, messages published with
// `mandatory` set. publish() never waits for the broker: it sends and returns
// the delivery tag; service() reads acks, nacks and basic.return frames as
// they arrive and reports each tag once it is settled. The caller keeps the
// window of unconfirmed messages small (max_in_flight) and services the
// connection while it waits for input, which also keeps heartbeats flowing.
// Every call that can block has a deadline.
#pragma once

#include "bloodbank/config.hpp"
#include "bloodbank/confirm_channel.hpp"
#include "bloodbank/error.hpp"
#include "bloodbank/tls.hpp"

#include <chrono>
#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

namespace bb {

struct PublisherOptions {
    std::vector<AmqpUrl> urls; // tried in turn at connect until one works
    TlsOptions tls;            // for the amqps:// ones
    std::string exchange = "bloodbank.events.v1";
    bool declare_exchange = true; // durable topic exchange; false: must already exist
    // Mandatory: an event no queue is bound for comes back (returned) rather
    // than being dropped by the broker. false: it is confirmed and dropped.
    bool mandatory = true;
    std::chrono::milliseconds connect_timeout{5000}; // TCP connect and the AMQP handshake
    std::chrono::milliseconds rpc_timeout{10000};    // each synchronous AMQP method
    std::chrono::milliseconds write_timeout{10000};  // the socket accepting a message
    int heartbeat_seconds = 30;                      // 0 turns heartbeats off
    // true: connect() returns once the channel and the exchange are confirmed
    // usable. false: it returns right after sending their setup, so the first
    // message goes out in the same round trip; a refusal (e.g. an exchange of
    // another type) then comes from service() or publish() instead, with the
    // same message.
    bool wait_for_setup = true;
};

// The ConfirmChannel of a real broker.
class Publisher final : public ConfirmChannel {
public:
    // Connects to the first reachable URL, logs in, opens a channel, turns on
    // confirms and declares the exchange. Errors are ErrorKind::unavailable
    // and name the redacted URL: "cannot connect to amqp://guest@host:1/:
    // connection refused", or the broker's reason for refusing the exchange;
    // over TLS also "certificate verify failed: ...". A TLS file that cannot
    // be used stops at once, without trying further URLs: ErrorKind::not_found
    // (missing), io (unreadable) or usage (not PEM, key not matching).
    // `refused`, when given, tells whether a broker that was reached refused
    // the channel or the exchange on purpose (another type, no permission):
    // a configuration error, which waiting for the broker would not cure.
    static Result<Publisher> connect(const PublisherOptions& options, bool* refused = nullptr);

    Publisher(Publisher&&) noexcept;
    Publisher& operator=(Publisher&&) noexcept;
    ~Publisher() override;

    // Sends one persistent, mandatory message and returns its delivery tag
    // (1, 2, 3, ...). Waits only if the socket does not accept data, and then
    // at most write_timeout. Frames arriving meanwhile are kept for service().
    Result<std::uint64_t> publish(const OutgoingMessage& message) override;

    // Reads the frames that are available, waiting up to `timeout` for the
    // first one (zero: do not wait), and appends to `settled` every tag that
    // the broker has now answered, in tag order. Also sends heartbeats when
    // due. An Error means the channel or connection is gone (ErrorKind::
    // unavailable, with the broker's reason); the tags still in flight then
    // count as unconfirmed and abandon_in_flight() reports them.
    Result<void> service(std::chrono::milliseconds timeout, std::vector<Settled>& settled) override;

    // Waits (at most rpc_timeout) until the broker has answered the channel
    // setup, when connect() did not; the Error is the setup's refusal.
    Result<void> await_setup() override;

    // Every tag still waiting for an answer, settled as unconfirmed.
    void abandon_in_flight(std::vector<Settled>& settled) override;

    // After a lost connection: drops it without a handshake (call
    // abandon_in_flight() first) and connects again as connect() does, trying
    // the URLs in turn. Delivery tags start again at 1. Errors are connect()'s;
    // the publisher then stays closed and reconnect() may be called again.
    Result<void> reconnect() override;

    std::size_t in_flight() const override;
    // The socket, to poll() it together with the input.
    int fd() const override;
    // The broker closed the channel on purpose (a missing exchange, one of
    // another type, no permission): connecting again would not help.
    bool refused() const override;
    // The URL actually connected to, redacted.
    const std::string& target() const override;

    // Closes the channel and the connection politely (bounded by rpc_timeout).
    void close();

    struct State; // opaque: the rabbitmq-c handle and the window, private to lib/src
    explicit Publisher(std::unique_ptr<State> state);

private:
    std::unique_ptr<State> state_;
};

} // namespace bb
