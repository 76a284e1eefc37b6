#include "follow.hpp"

#include "bus.hpp"
#include "common/app.hpp"
#include "terminal.hpp"

#include "bloodbank/consume.hpp"
#include "bloodbank/envelope.hpp"
#include "bloodbank/stop_signals.hpp"
#include "bloodbank/visible_text.hpp"

#include <fmt/format.h>

#include <cstdio>
#include <optional>
#include <unistd.h>

namespace bbtrace {
namespace {

bool write_out(const std::string& text) {
    return std::fwrite(text.data(), 1, text.size(), stdout) == text.size() &&
           std::fflush(stdout) == 0;
}

// The graph as it grows: new events hang under the parents it holds.
class Growing {
public:
    Growing(bb::TraceGraph graph, bb::TraceFormat format, bb::TreeStyle style)
        : graph_(std::move(graph)), format_(format), style_(style),
          redraw_(format == bb::TraceFormat::tree && isatty(STDOUT_FILENO)) {}

    bool show_all() {
        std::string text = bb::render(graph_, format_, style_);
        return write_out(redraw_ ? "\x1b[H\x1b[2J" + text : text);
    }

    // A descendant of the focus joins the graph and is shown; anything
    // else (already found in Redis, unrelated) is passed over.
    bool take(const bb::Envelope& event) {
        if (!bb::add_descendant(graph_, event))
            return true;
        if (redraw_) {
            graph_.reorder(bb::tree_order(graph_));
            return show_all();
        }
        if (format_ == bb::TraceFormat::ids)
            return write_out(event.event_id.str() + "\n");
        // A row for each new event: the tree cannot be drawn again on a pipe.
        return write_out(fmt::format("+ {} {} {} (child of {})\n", event.timestamp.iso(),
                                     bb::visible_text(event.event_type), event.event_id.str(),
                                     event.correlation_ids.front().str()));
    }

private:
    bb::TraceGraph graph_;
    bb::TraceFormat format_;
    bb::TreeStyle style_;
    bool redraw_;
};

} // namespace

int follow(const Options& o, const bb::Config& config, const bb::app::ConnectionFlags& flags,
           bb::RedisConnection& redis, const bb::Uuid& id, bb::TraceFormat format,
           const bb::TraceOptions& limits) {
    if (format != bb::TraceFormat::tree && format != bb::TraceFormat::ids)
        return bb::app::fail(
            program, bb::make_error(bb::ErrorKind::usage, "--follow shows a tree or ids only"));
    auto bus = bus_options(config, flags);
    if (!bus)
        return bb::app::fail(program, bus.error());
    bb::ConsumeSettings s;
    s.consumer = std::move(*bus);
    s.consumer.patterns = {"#"};

    bb::TreeStyle style{use_color(*parse_color_when(o.color))};
    std::optional<Growing> growing;
    bool output_failed = false;
    s.on_ready = [&]() -> bb::Result<void> {
        auto graph = o.command == Command::descendants
                         ? bb::trace_chain(redis, id, bb::Direction::descendants, limits)
                         : bb::trace_around(redis, id, limits);
        if (!graph)
            return graph.error();
        for (const auto& warning : graph->warnings())
            bb::app::report(program, "warning: " + warning);
        growing.emplace(std::move(*graph), format, style);
        if (!growing->show_all())
            return bb::make_error(bb::ErrorKind::io, "cannot write to stdout");
        return {};
    };
    s.on_event = [&](const bb::Received&, const bb::Envelope* event) {
        if (event && !growing->take(*event)) {
            output_failed = true;
            return false;
        }
        return true;
    };

    const bb::StopSignals& stop = bb::StopSignals::install();
    NoticesOnly notices;
    auto outcome = bb::consume(s, stop, notices);
    if (!outcome)
        return bb::app::fail(program, outcome.error());
    if (outcome->error)
        return bb::app::fail(program, *outcome->error);
    if (output_failed)
        return bb::app::fail(program, bb::make_error(bb::ErrorKind::io, "cannot write to stdout"));
    return stop.exit_status();
}

} // namespace bbtrace
