#include "from_stream.hpp"

#include "bus.hpp"
#include "common/app.hpp"

#include "bloodbank/stop_signals.hpp"
#include "bloodbank/stream_find.hpp"

#include <fmt/format.h>

#include <cstdio>

namespace bbtrace {
namespace {

// The ids of `missing`, the first few of them when there are many.
std::string some_ids(const std::vector<bb::Uuid>& missing) {
    constexpr std::size_t shown = 5;
    std::string text;
    for (std::size_t i = 0; i < missing.size() && i < shown; ++i)
        text += (i ? ", " : "") + missing[i].str();
    if (missing.size() > shown)
        text += fmt::format(" and {} more", missing.size() - shown);
    return text;
}

} // namespace

int from_stream(const Options& o, const bb::Config& config, const bb::app::ConnectionFlags& flags,
                const bb::TraceGraph& graph) {
    auto bus = bus_options(config, flags);
    if (!bus)
        return bb::app::fail(program, bus.error());
    bb::StreamFindSettings s;
    s.consumer = std::move(*bus);
    s.consumer.queue = o.from_stream;
    s.idle = std::chrono::milliseconds(static_cast<long>(o.idle_timeout * 1000));
    for (const bb::TraceNode& node : graph.nodes())
        s.ids.insert(node.id);
    s.on_found = [](std::string_view body) {
        return std::fwrite(body.data(), 1, body.size(), stdout) == body.size() &&
               std::fputc('\n', stdout) != EOF && std::fflush(stdout) == 0;
    };

    const bb::StopSignals& stop = bb::StopSignals::install();
    NoticesOnly notices;
    auto outcome = bb::find_in_stream(s, stop, notices);
    if (!outcome)
        return bb::app::fail(program, outcome.error());
    if (outcome->consumed.error)
        return bb::app::fail(program, *outcome->consumed.error);
    if (outcome->consumed.end == bb::ConsumeEnd::reader_gone)
        return bb::app::fail(program, bb::make_error(bb::ErrorKind::io, "cannot write to stdout"));
    if (outcome->consumed.end == bb::ConsumeEnd::signal)
        return stop.exit_status();
    if (outcome->found == 0)
        return bb::app::fail(
            program,
            bb::make_error(bb::ErrorKind::not_found,
                           graph.size() == 1
                               ? fmt::format("event {} is not in stream \"{}\"",
                                             graph.node(graph.focus()).id.str(), o.from_stream)
                               : fmt::format("none of the chain's {} events is in stream \"{}\"",
                                             graph.size(), o.from_stream)));
    if (!outcome->missing.empty())
        bb::app::report(program,
                        fmt::format("warning: {} of the chain's {} events {} not in stream \"{}\" "
                                    "(published before it was made, or past its retention): {}",
                                    outcome->missing.size(), graph.size(),
                                    outcome->missing.size() == 1 ? "is" : "are", o.from_stream,
                                    some_ids(outcome->missing)));
    return 0;
}

} // namespace bbtrace
