// A test-side AMQP client over rabbitmq-c, independent of libbloodbank's
// publisher (only its URL parser is shared): declares exchanges and queues,
// and reads back every message with every property, to check what the tools
// really put on the bus. Failures throw std::runtime_error.
#pragma once

#include <amqp.h>

#include <cstdint>
#include <map>
#include <memory>
#include <optional>
#include <set>
#include <string>
#include <vector>

namespace bbtest {

struct ReceivedMessage {
    std::string exchange;
    std::string routing_key;
    std::string body;
    std::optional<std::string> content_type;
    std::optional<std::string> content_encoding;
    std::optional<int> delivery_mode;
    std::optional<std::string> message_id;
    std::optional<std::string> correlation_id;
    std::optional<std::string> type;
    std::optional<std::uint64_t> timestamp;
    bool has_headers = false;
    std::map<std::string, std::string> headers; // string, integer, boolean values, as text
    bool has_other_properties = false; // priority, reply_to, expiration, user_id, app_id...
};

struct QueueOptions {
    bool durable = false;
    bool auto_delete = false;
    std::optional<long> max_length;  // x-max-length
    bool reject_publish = false;     // x-overflow: reject-publish
    std::optional<std::string> type; // x-queue-type: classic, quorum, stream
};

// "bbtest.<purpose>.<random hex>": names no other test run uses.
std::string unique_name(const std::string& purpose);

class AmqpConsumer {
public:
    explicit AmqpConsumer(const std::string& url);
    ~AmqpConsumer();
    AmqpConsumer(const AmqpConsumer&) = delete;
    AmqpConsumer& operator=(const AmqpConsumer&) = delete;

    void declare_exchange(const std::string& name, const std::string& type = "topic",
                          bool durable = true);
    void delete_exchange(const std::string& name);
    void declare_queue(const std::string& name, const QueueOptions& options = {});
    void bind(const std::string& queue, const std::string& exchange,
              const std::string& binding_key = "#");
    void delete_queue(const std::string& name);
    bool exchange_exists(const std::string& name);

    // Publishes a persistent message on a channel in confirm mode of its
    // own. An empty message_id sets none.
    void publish(const std::string& exchange, const std::string& routing_key,
                 const std::string& body, const std::string& message_id = "");
    // Waits until the broker confirmed every message published: then they
    // are in their queues. Throws on a nack or after 30 s.
    void wait_for_confirms();

    // Every message in the queue now, oldest first, acknowledged on receipt.
    std::vector<ReceivedMessage> drain(const std::string& queue);
    std::uint32_t message_count(const std::string& queue);

private:
    void check(const char* what);
    void reopen_channel();

    struct Deleter {
        void operator()(amqp_connection_state_t c) const;
    };
    std::unique_ptr<amqp_connection_state_t_, Deleter> conn_;
    bool confirming_ = false;             // the publishing channel is open
    std::uint64_t published_ = 0;         // delivery tag of the last message published
    std::set<std::uint64_t> unconfirmed_; // acks may come out of order
};

} // namespace bbtest
