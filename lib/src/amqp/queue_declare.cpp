// Named queues of a type. The broker refuses to declare a queue again with
// another x-queue-type by closing the channel with "inequivalent arg
// 'x-queue-type'": that text is read back into the two types, which is what
// a person needs to fix the command line.
#include "amqp/queue_declare.hpp"

#include "amqp/connection.hpp"

#include "bloodbank/stop_signals.hpp"

#include <fmt/format.h>

#include <optional>
#include <vector>

namespace bb {

std::string_view queue_type_name(QueueType type) {
    switch (type) {
    case QueueType::automatic:
        return "automatic";
    case QueueType::classic:
        return "classic";
    case QueueType::quorum:
        return "quorum";
    case QueueType::stream:
        return "stream";
    }
    return "automatic";
}

namespace amqp_detail {
namespace {

// A channel of its own for probing: a refused passive declaration closes it,
// not the consuming channel.
constexpr amqp_channel_t probe_channel = 2;

amqp_bytes_t bytes(std::string_view s) {
    return {s.size(), const_cast<char*>(s.data())};
}

const amqp_channel_close_t* channel_close(const amqp_rpc_reply_t& reply) {
    if (reply.reply_type != AMQP_RESPONSE_SERVER_EXCEPTION ||
        reply.reply.id != AMQP_CHANNEL_CLOSE_METHOD)
        return nullptr;
    return static_cast<const amqp_channel_close_t*>(reply.reply.decoded);
}

// The quoted value after `marker` in the broker's text: 'quorum'.
std::optional<std::string> quoted_after(std::string_view text, std::string_view marker) {
    std::size_t at = text.find(marker);
    if (at == std::string_view::npos)
        return std::nullopt;
    std::size_t open = text.find('\'', at + marker.size());
    std::size_t close = open == std::string_view::npos ? open : text.find('\'', open + 1);
    if (close == std::string_view::npos)
        return std::nullopt;
    return std::string(text.substr(open + 1, close - open - 1));
}

// "PRECONDITION_FAILED - inequivalent arg 'x-queue-type' for queue 'q' in
// vhost '/': received 'classic' but current is 'quorum'" (also written
// "received the value 'quorum' of type 'longstr'"; "current is none": a
// queue declared without the argument, which is classic).
std::optional<Error> type_conflict(std::string_view text, const std::string& queue) {
    if (text.find("inequivalent arg 'x-queue-type'") == std::string_view::npos)
        return std::nullopt;
    std::size_t current_at = text.find("but current is");
    if (current_at == std::string_view::npos)
        return std::nullopt;
    auto asked = quoted_after(text.substr(0, current_at), "received");
    auto current = quoted_after(text.substr(current_at), "current is");
    if (!asked)
        return std::nullopt;
    return make_error(ErrorKind::usage,
                      fmt::format("queue \"{}\" is a {} queue, not a {} queue: consume it with "
                                  "--queue-type {}, or give another --queue name",
                                  queue, current.value_or("classic"), *asked,
                                  current.value_or("classic")));
}

Result<void> refusal(const QueueDeclaration& d, const amqp_rpc_reply_t& reply, bool& refused) {
    if (stop_requested())
        return cannot_connect(d.target, stopped_by_signal());
    if (const auto* close = channel_close(reply)) {
        std::string_view text(static_cast<const char*>(close->reply_text.bytes),
                              close->reply_text.len);
        if (auto conflict = type_conflict(text, d.options.queue)) {
            refused = true;
            return *conflict;
        }
    }
    refused = reply.reply_type == AMQP_RESPONSE_SERVER_EXCEPTION;
    return make_error(ErrorKind::unavailable,
                      fmt::format("cannot declare queue \"{}\" on {}: {}", d.options.queue,
                                  d.target, describe_reply(reply)));
}

// Whether the queue exists, asked on a channel of its own.
Result<bool> queue_exists(const QueueDeclaration& d, bool& refused) {
    amqp_channel_open(d.conn, probe_channel);
    if (amqp_rpc_reply_t reply = amqp_get_rpc_reply(d.conn);
        reply.reply_type != AMQP_RESPONSE_NORMAL)
        return refusal(d, reply, refused).error();
    amqp_queue_declare(d.conn, probe_channel, bytes(d.options.queue), /*passive=*/1, 0, 0, 0,
                       amqp_empty_table);
    amqp_rpc_reply_t reply = amqp_get_rpc_reply(d.conn);
    if (reply.reply_type == AMQP_RESPONSE_NORMAL) {
        amqp_channel_close(d.conn, probe_channel, AMQP_REPLY_SUCCESS);
        return true;
    }
    const auto* close = channel_close(reply);
    if (!close || close->reply_code != AMQP_NOT_FOUND)
        return refusal(d, reply, refused).error();
    amqp_channel_close_ok_t ok{};
    amqp_send_method(d.conn, probe_channel, AMQP_CHANNEL_CLOSE_OK_METHOD, &ok);
    return false;
}

amqp_table_entry_t string_entry(const char* key, std::string_view value) {
    amqp_table_entry_t e{};
    e.key = amqp_cstring_bytes(key);
    e.value.kind = AMQP_FIELD_KIND_UTF8;
    e.value.value.bytes = bytes(value);
    return e;
}

} // namespace

Result<void> declare_named_queue(const QueueDeclaration& d, bool& refused) {
    QueueType type = d.options.queue_type;
    if (type == QueueType::automatic) {
        auto exists = queue_exists(d, refused);
        if (!exists)
            return exists.error();
        if (*exists)
            return {};
        type = QueueType::quorum;
    }
    std::vector<amqp_table_entry_t> args;
    args.push_back(string_entry("x-queue-type", queue_type_name(type)));
    if (type == QueueType::stream) {
        if (!d.options.max_age.empty())
            args.push_back(string_entry("x-max-age", d.options.max_age));
        if (d.options.max_length_bytes > 0) {
            amqp_table_entry_t e{};
            e.key = amqp_cstring_bytes("x-max-length-bytes");
            e.value.kind = AMQP_FIELD_KIND_I64;
            e.value.value.i64 = static_cast<std::int64_t>(d.options.max_length_bytes);
            args.push_back(e);
        }
    }
    amqp_table_t table{static_cast<int>(args.size()), args.data()};
    amqp_queue_declare(d.conn, channel, bytes(d.options.queue), /*passive=*/0, /*durable=*/1,
                       /*exclusive=*/0, /*auto_delete=*/0, table);
    amqp_rpc_reply_t reply = amqp_get_rpc_reply(d.conn);
    if (reply.reply_type == AMQP_RESPONSE_NORMAL)
        return {};
    return refusal(d, reply, refused);
}

amqp_table_t stream_offset_argument(const StreamStart& start, amqp_table_entry_t& entry) {
    using Kind = StreamStart::Kind;
    entry = {};
    entry.key = amqp_cstring_bytes("x-stream-offset");
    if (start.kind == Kind::offset) {
        entry.value.kind = AMQP_FIELD_KIND_I64;
        entry.value.value.i64 = static_cast<std::int64_t>(start.offset);
    } else if (start.kind == Kind::timestamp) {
        entry.value.kind = AMQP_FIELD_KIND_TIMESTAMP;
        entry.value.value.u64 = static_cast<std::uint64_t>(start.unix_seconds);
    } else {
        entry.value.kind = AMQP_FIELD_KIND_UTF8;
        entry.value.value.bytes = amqp_cstring_bytes(start.kind == Kind::first  ? "first"
                                                     : start.kind == Kind::last ? "last"
                                                                                : "next");
    }
    return {1, &entry};
}

} // namespace amqp_detail
} // namespace bb
