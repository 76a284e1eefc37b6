// Connecting a Publisher: log in (login.cpp), then a channel in confirm mode
// and the exchange declaration (setup.cpp), waited for or left to the first
// publish.
#include "amqp/state.hpp"

#include "bloodbank/stop_signals.hpp"

#include <utility>

namespace bb {
namespace {

using namespace amqp_detail;

// `setup_refused`: set when the broker refused the channel setup on purpose.
Result<std::unique_ptr<Publisher::State>>
connect_one(const AmqpUrl& url, const PublisherOptions& options, bool& setup_refused) {
    auto state = std::make_unique<Publisher::State>();
    state->options = options;
    state->target = url.redacted();
    // Waiting for the setup replies here, the open-ok can be waited for with
    // them: a refused vhost still ends connect() and moves on to the next URL.
    bool open_pending = options.wait_for_setup;
    auto connection = log_in(url, {options.tls, options.connect_timeout, options.rpc_timeout,
                                   options.heartbeat_seconds, !open_pending});
    if (!connection)
        return connection.error();
    state->connection = std::move(*connection);
    amqp_connection_state_t conn = state->connection.get();

    if (auto sent = send_setup(*state, open_pending); !sent)
        return sent.error();
    if (options.wait_for_setup) {
        timeval timeout = to_timeval(options.rpc_timeout);
        while (state->setup_replies > 0) {
            amqp_frame_t frame;
            int rc = amqp_simple_wait_frame_noblock(conn, &frame, &timeout);
            if (stop_requested())
                return cannot_connect(state->target, stopped_by_signal());
            if (rc != AMQP_STATUS_OK)
                return cannot_connect(state->target, describe_status(rc));
            auto taken = take_setup_reply(*state, frame);
            if (!taken) {
                setup_refused = setup_refused || state->refused;
                return taken.error();
            }
            if (!*taken)
                return cannot_connect(state->target, "unexpected frame from the broker");
        }
        amqp_maybe_release_buffers(conn);
    }
    return state;
}

} // namespace

Result<Publisher> Publisher::connect(const PublisherOptions& options, bool* refused) {
    bool any_refused = false;
    auto connected = connect_first(options.urls, [&](const AmqpUrl& url) -> Result<Publisher> {
        auto state = connect_one(url, options, any_refused);
        if (!state)
            return state.error();
        return Publisher(std::move(*state));
    });
    if (refused)
        *refused = !connected && any_refused;
    return connected;
}

} // namespace bb
