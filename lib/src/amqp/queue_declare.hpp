// Private to the consumer: declaring a named queue of a type (classic,
// quorum, stream), and the consume arguments of a stream consumer.
#pragma once

#include "bloodbank/consumer.hpp"

#include <amqp.h>

#include <string>

namespace bb::amqp_detail {

// What a declaration needs besides the connection: where errors say it happened.
struct QueueDeclaration {
    amqp_connection_state_t conn;
    const std::string& target;
    const ConsumerOptions& options;
};

// Declares options.queue (durable, named) as its type says. QueueType::automatic
// leaves an existing queue as it is and declares a new one quorum. A queue
// that exists with another type is ErrorKind::usage, naming both types; any
// other refusal is ErrorKind::unavailable and sets `refused`.
Result<void> declare_named_queue(const QueueDeclaration& d, bool& refused);

// The x-stream-offset consume argument of `start`; `entry` holds the table's one entry.
amqp_table_t stream_offset_argument(const StreamStart& start, amqp_table_entry_t& entry);

} // namespace bb::amqp_detail
