#include "bus.hpp"

#include "cli.hpp"
#include "common/app.hpp"

namespace bbtrace {

bb::Result<bb::ConsumerOptions> bus_options(const bb::Config& config,
                                            const bb::app::ConnectionFlags& flags) {
    auto urls = config.rabbit_urls();
    if (!urls)
        return urls.error();
    bb::ConsumerOptions c;
    c.urls = *urls;
    c.tls = bb::app::amqp_tls_options(program, flags, config);
    c.exchange = config.value(bb::ConfigItem::exchange_name);
    return c;
}

void NoticesOnly::notice(const std::string& line) {
    bb::app::report(program, line);
}

} // namespace bbtrace
