// bb-trace ID --from-stream NAME: the whole envelopes of a chain's events,
// as a stream queue bound to the exchange kept them, one per line in the
// order they were published: what `bb-publish --replay` reads.
#pragma once

#include "cli.hpp"

#include "bloodbank/config.hpp"
#include "bloodbank/trace.hpp"

namespace bbtrace {

// The events of `graph` (the walk the command asked for) found in stream
// `o.from_stream`. Those not found are named on stderr. The exit status: 0
// when at least one was found; not_found's when none was; 69 when the broker
// or the stream cannot be read; 74 when stdout fails; 128+n after signal n.
int from_stream(const Options& o, const bb::Config& config, const bb::app::ConnectionFlags& flags,
                const bb::TraceGraph& graph);

} // namespace bbtrace
