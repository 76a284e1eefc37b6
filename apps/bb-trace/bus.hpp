// What bb-trace reads from the bus (--follow, --from-stream): the brokers,
// their TLS and the exchange from the configuration, and the notices of the
// read on stderr.
#pragma once

#include "common/connection_options.hpp"

#include "bloodbank/config.hpp"
#include "bloodbank/consume.hpp"

namespace bbtrace {

// RABBIT_URL's brokers (tried in turn), their TLS options and EXCHANGE_NAME.
bb::Result<bb::ConsumerOptions> bus_options(const bb::Config& config,
                                            const bb::app::ConnectionFlags& flags);

// A reconnect or a passed-over message is told on stderr; no progress line.
class NoticesOnly final : public bb::ConsumeListener {
public:
    void notice(const std::string& line) override;
    void progress(const bb::ConsumeCounts&) override {}
};

} // namespace bbtrace
