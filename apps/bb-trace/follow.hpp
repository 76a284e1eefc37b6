// bb-trace ID --follow: the picture (or the descendants) of an event, then
// each new descendant as it is published, until a signal. The bus is read
// through bb-consume's library part (consume.hpp): a private queue bound to
// every event, set up before Redis is read, so nothing published meanwhile
// is missed.
#pragma once

#include "cli.hpp"

#include "bloodbank/config.hpp"
#include "bloodbank/correlation.hpp"
#include "bloodbank/redis.hpp"
#include "bloodbank/trace_render.hpp"

namespace bbtrace {

// The exit status: 130/143 after the signal that ends it, 69 when the
// broker cannot be reached or is lost, and the walk's own errors.
int follow(const Options& o, const bb::Config& config, const bb::app::ConnectionFlags& flags,
           bb::RedisConnection& redis, const bb::Uuid& id, bb::TraceFormat format,
           const bb::TraceOptions& limits);

} // namespace bbtrace
