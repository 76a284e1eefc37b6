// The channel setup after login, pipelined: channel.open, confirm.select and
// exchange.declare go out together, right behind connection.open when the
// login left its open-ok unread, and their replies are matched in order.
// A one-event run is mostly round trips, so each one saved counts.
#include "amqp/state.hpp"

#include <fmt/format.h>

namespace bb::amqp_detail {
namespace {

struct Step {
    amqp_method_number_t reply;
    // What a refusal means: nullptr for the exchange's, "" when the broker's
    // reason says it all (a vhost that does not exist or is not allowed).
    const char* refusal;
};
constexpr Step steps[] = {
    {AMQP_CONNECTION_OPEN_OK_METHOD, ""}, // only when the login left it unread
    {AMQP_CHANNEL_OPEN_OK_METHOD, "cannot open a channel"},
    {AMQP_CONFIRM_SELECT_OK_METHOD, "cannot turn on publisher confirms"},
    {AMQP_EXCHANGE_DECLARE_OK_METHOD, nullptr},
};
constexpr int step_count = sizeof steps / sizeof steps[0];

} // namespace

Result<void> send_setup(Publisher::State& state, bool open_pending) {
    amqp_connection_state_t conn = state.connection.get();
    const PublisherOptions& options = state.options;
    amqp_channel_open_t open{};
    amqp_confirm_select_t select{};
    amqp_exchange_declare_t declare{};
    declare.exchange = amqp_cstring_bytes(options.exchange.c_str());
    declare.type = amqp_cstring_bytes("topic");
    declare.passive = options.declare_exchange ? 0 : 1;
    declare.durable = 1;
    declare.arguments = amqp_empty_table;
    int rc = amqp_send_method(conn, channel, AMQP_CHANNEL_OPEN_METHOD, &open);
    if (rc == AMQP_STATUS_OK)
        rc = amqp_send_method(conn, channel, AMQP_CONFIRM_SELECT_METHOD, &select);
    if (rc == AMQP_STATUS_OK)
        rc = amqp_send_method(conn, channel, AMQP_EXCHANGE_DECLARE_METHOD, &declare);
    if (rc != AMQP_STATUS_OK)
        return make_error(ErrorKind::unavailable, fmt::format("cannot connect to {}: {}",
                                                              state.target, describe_status(rc)));
    state.setup_replies = open_pending ? step_count : step_count - 1;
    return {};
}

Result<bool> take_setup_reply(Publisher::State& state, const amqp_frame_t& frame) {
    if (frame.frame_type != AMQP_FRAME_METHOD || state.setup_replies <= 0)
        return false;
    const Step& step = steps[step_count - state.setup_replies];
    amqp_method_number_t id = frame.payload.method.id;
    if (id == step.reply) {
        --state.setup_replies;
        return true;
    }
    if (id != AMQP_CHANNEL_CLOSE_METHOD && id != AMQP_CONNECTION_CLOSE_METHOD)
        return false;
    amqp_rpc_reply_t reply{};
    reply.reply_type = AMQP_RESPONSE_SERVER_EXCEPTION;
    reply.reply = frame.payload.method;
    std::string why = describe_reply(reply);
    if (id == AMQP_CHANNEL_CLOSE_METHOD) {
        amqp_channel_close_ok_t ok{};
        amqp_send_method(state.connection.get(), channel, AMQP_CHANNEL_CLOSE_OK_METHOD, &ok);
    }
    state.broken = true;
    state.refused = id == AMQP_CHANNEL_CLOSE_METHOD;
    if (!step.refusal)
        return make_error(ErrorKind::unavailable,
                          fmt::format("cannot use exchange \"{}\" on {}: {}",
                                      state.options.exchange, state.target, why));
    if (!*step.refusal)
        return cannot_connect(state.target, why);
    return make_error(ErrorKind::unavailable,
                      fmt::format("cannot connect to {}: {}: {}", state.target, step.refusal, why));
}

} // namespace bb::amqp_detail
