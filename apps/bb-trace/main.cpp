// bb-trace: inspect causal chains recorded in Redis. A tree for people, ids,
// JSON, DOT and Mermaid for tools, and the debug HTTP API. All logic is in
// libbloodbank (correlation.hpp, trace_render.hpp, http_api.hpp).
#include "browse.hpp"
#include "bus.hpp"
#include "cli.hpp"
#include "common/app.hpp"
#include "common/connection_options.hpp"
#include "follow.hpp"
#include "from_stream.hpp"
#include "serve.hpp"
#include "terminal.hpp"

#include "bloodbank/correlation.hpp"
#include "bloodbank/id_list.hpp"
#include "bloodbank/redis.hpp"
#include "bloodbank/trace_render.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <chrono>
#include <limits>
#include <optional>
#include <string>
#include <unordered_set>
#include <vector>

namespace {

using bbtrace::Command;
using bbtrace::Options;
using bbtrace::program;

bb::Error usage(std::string message) {
    return bb::make_error(bb::ErrorKind::usage,
                          fmt::format("{} (see {} --help)", message, program));
}

bb::Result<bb::Uuid> event_id(const std::string& text) {
    auto id = bb::parse_uuid(text);
    if (!id)
        return bb::make_error(bb::ErrorKind::data, fmt::format("\"{}\" is not a valid event id: {}",
                                                               text, id.error().message));
    return id;
}

// The ids a walk starts from: the one given, or with "-" those on stdin.
bb::Result<std::vector<bb::Uuid>> start_ids(const std::string& text) {
    constexpr std::size_t max_ids = 1000000;
    if (text == "-") {
        auto ids = bb::read_id_list(0, max_ids);
        if (!ids)
            return bb::make_error(ids.error().kind, "stdin: " + ids.error().message);
        return ids;
    }
    auto id = event_id(text);
    if (!id)
        return id.error();
    return std::vector<bb::Uuid>{*id};
}

// The output format: --format, checked against the command, or its default.
bb::Result<bb::TraceFormat> choose_format(const Options& o) {
    bool whole = o.command == Command::around;
    if (!o.from_stream.empty()) {
        if (!o.format.empty())
            return usage("--from-stream prints the envelopes as published; --format does not "
                         "apply");
        if (o.follow)
            return usage("--from-stream and --follow cannot be combined");
        return bb::TraceFormat::ids; // the walk needs no summaries
    }
    if (o.format.empty())
        return whole ? bb::TraceFormat::tree : bb::TraceFormat::ids;
    auto format = bb::parse_trace_format(o.format);
    if (!format)
        return usage("--format: " + format.error().message);
    const char* other = o.command == Command::dump     ? "dump"
                        : o.command == Command::link   ? "link"
                        : o.command == Command::serve  ? "serve"
                        : o.command == Command::browse ? "browse"
                                                       : nullptr;
    if (other && !(o.command == Command::dump && *format == bb::TraceFormat::json))
        return usage(fmt::format("--format {} does not apply to {}", o.format, other));
    return format;
}

void print_warnings(const std::vector<std::string>& warnings) {
    for (const auto& warning : warnings)
        bb::app::report(program, "warning: " + warning);
}

int finish(const bb::Result<void>& done) {
    return done ? 0 : bb::app::fail(program, done.error());
}

int run_serve(const bb::Config& config, const bb::app::ConnectionFlags& flags,
              const bb::RedisTarget& target, const Options& o, const bb::TraceOptions& limits) {
    auto port = config.http_port();
    if (!port)
        return bb::app::fail(program, port.error());
    bb::HttpApiOptions api;
    api.host = config.value(bb::ConfigItem::http_host);
    api.port = *port;
    api.redis = target;
    api.redis_timeout = std::chrono::milliseconds(static_cast<long>(o.timeout * 1000));
    api.trace = limits;
    api.service_name = config.value(bb::ConfigItem::service_name);
    api.log = [](std::string_view line) { bb::app::report(program, line); };
    // The live view reads the bus as bb-trace --follow does; a broker that
    // cannot be reached leaves the page without it, not the server.
    if (auto bus = bbtrace::bus_options(config, flags))
        api.live.consumer = std::move(*bus);
    else
        bb::app::report(program, "warning: no live view: " + bus.error().message);
    api.live.follow = o.follow;
    auto token = bbtrace::serve_token(o);
    if (!token)
        return bb::app::fail(program, token.error());
    api.token = std::move(*token);
    return bbtrace::serve(std::move(api));
}

int run_link(bb::RedisConnection& redis, const bb::Config& config, const Options& o) {
    auto ttl = config.correlation_ttl_seconds();
    if (!ttl)
        return bb::app::fail(program, ttl.error());
    bb::LinkRequest request{*bb::parse_uuid(o.parent), *bb::parse_uuid(o.child), std::nullopt, *ttl,
                            bb::Timestamp::now()};
    if (o.reason_given)
        request.reason = o.reason;
    return finish(bb::link_events(redis, request));
}

int run_dump(bb::RedisConnection& redis, const bb::Uuid& id, const bb::TraceOptions& limits,
             std::size_t& events) {
    auto dump = bb::correlation_dump(redis, id, limits);
    if (!dump)
        return bb::app::fail(program, dump.error());
    // The events of both chains (each holds the event itself); parents and
    // children are among them.
    std::unordered_set<bb::Uuid, bb::UuidHash> seen(dump->ancestors.begin(), dump->ancestors.end());
    seen.insert(dump->descendants.begin(), dump->descendants.end());
    events += seen.size();
    print_warnings(dump->warnings);
    if (dump->truncated)
        bb::app::report(program, "warning: truncated: " + dump->truncated_reason);
    int shown = finish(bbtrace::show(bb::dump_json(*dump, true), false));
    return shown == 0 && dump->truncated ? bb::exit_code(bb::ErrorKind::truncated) : shown;
}

bb::Result<bb::TraceGraph> query(bb::RedisConnection& redis, const bb::Uuid& id, Command command,
                                 const bb::TraceOptions& limits) {
    switch (command) {
    case Command::parents:
        return bb::trace_neighbours(redis, id, bb::Direction::ancestors, limits);
    case Command::children:
        return bb::trace_neighbours(redis, id, bb::Direction::descendants, limits);
    case Command::ancestors:
        return bb::trace_chain(redis, id, bb::Direction::ancestors, limits);
    case Command::descendants:
        return bb::trace_chain(redis, id, bb::Direction::descendants, limits);
    default:
        return bb::trace_around(redis, id, limits);
    }
}

// The link records of the graph's events into `links`; 0, or the exit status
// of the failure reported. A function of its own: written out in run_graph,
// the Result's destruction is reported falsely by GCC 12 at -O3
// (-Wfree-nonheap-object).
int read_links(bb::RedisConnection& redis, const bb::TraceGraph& graph, bb::LinkRecords& links) {
    auto read = bb::read_link_records(redis, graph);
    if (!read)
        return bb::app::fail(program, read.error());
    links = std::move(*read);
    return 0;
}

int run_graph(bb::RedisConnection& redis, const bb::Uuid& id, const Options& o,
              bb::TraceFormat format, const bb::TraceOptions& limits, bool may_page,
              std::size_t& events) {
    auto graph = query(redis, id, o.command, limits);
    if (!graph)
        return bb::app::fail(program, graph.error());
    events += graph->size();
    print_warnings(graph->warnings());
    if (graph->truncated() && format != bb::TraceFormat::tree)
        bb::app::report(program, "warning: truncated: " + graph->truncated_reason());
    bb::TreeStyle style{bbtrace::use_color(*bbtrace::parse_color_when(o.color)),
                        bbtrace::tree_width(o.width)};
    // The links cost one more round trip: read when asked for, or when some
    // event has no summary to show (chains the Python tracker wrote).
    bb::LinkRecords links;
    bool unsummarised = std::any_of(graph->nodes().begin(), graph->nodes().end(),
                                    [](const bb::TraceNode& n) { return n.known && !n.summary; });
    if (format == bb::TraceFormat::tree && (o.links || unsummarised)) {
        if (int failed = read_links(redis, *graph, links))
            return failed;
        style.links = &links;
        style.show_links = o.links;
    }
    std::string text = bb::render(*graph, format, style);
    // A diagram Mermaid will not draw is reported as a walk cut by a limit is.
    if (format == bb::TraceFormat::mermaid)
        if (auto over = bb::mermaid_over_limits(*graph, text))
            bb::app::report(program, "warning: " + *over);
    int shown =
        finish(bbtrace::show(text, may_page && format == bb::TraceFormat::tree && !o.no_pager));
    // A partial answer is shown, but a script must not take it for the whole.
    return shown == 0 && graph->truncated() ? bb::exit_code(bb::ErrorKind::truncated) : shown;
}

// The chain walked from Redis, then its envelopes from the stream. A walk
// cut by a limit would leave events out: said, and the exit status says so.
int run_from_stream(bb::RedisConnection& redis, const bb::Uuid& id, const Options& o,
                    const bb::Config& config, const bb::app::ConnectionFlags& flags,
                    const bb::TraceOptions& limits) {
    auto graph = query(redis, id, o.command, limits);
    if (!graph)
        return bb::app::fail(program, graph.error());
    print_warnings(graph->warnings());
    if (graph->truncated())
        bb::app::report(program, "warning: truncated: " + graph->truncated_reason());
    int status = bbtrace::from_stream(o, config, flags, *graph);
    return status == 0 && graph->truncated() ? bb::exit_code(bb::ErrorKind::truncated) : status;
}

int run(const Options& o, const bb::app::ConnectionFlags& flags) {
    auto started = std::chrono::steady_clock::now();
    auto config = bb::app::load_config(flags);
    if (!config)
        return bb::app::fail(program, config.error());
    if (bb::app::handle_show_config(flags, *config))
        return 0;
    if (auto color = bbtrace::parse_color_when(o.color); !color)
        return bb::app::fail(program, usage(color.error().message));
    if (o.command == Command::around && o.id.empty())
        return bb::app::fail(program, usage("give an event ID or a subcommand"));
    auto format = choose_format(o);
    if (!format)
        return bb::app::fail(program, format.error());
    // Ids need no summaries, and a walk without them sends half the commands.
    bb::TraceOptions limits{o.depth,
                            o.max_nodes > 0 ? static_cast<std::size_t>(o.max_nodes)
                                            : std::numeric_limits<std::size_t>::max(),
                            *format != bb::TraceFormat::ids && o.command != Command::dump};
    auto target = config->redis();
    if (!target)
        return bb::app::fail(program, target.error());
    if (o.command == Command::serve)
        return run_serve(*config, flags, *target, o, limits);
    if (o.command == Command::browse) {
        auto id = event_id(o.id);
        if (!id)
            return bb::app::fail(program, id.error());
        // A level is read whole when opened: a person reads no more than this.
        constexpr std::size_t browse_level_cap = 10000;
        return bbtrace::browse(*target,
                               std::chrono::milliseconds(static_cast<long>(o.timeout * 1000)), *id,
                               o.max_nodes > 0 ? limits.max_nodes : browse_level_cap);
    }

    // Every id is checked before Redis is contacted.
    std::vector<bb::Uuid> ids;
    if (o.command == Command::link) {
        for (const std::string* text : {&o.parent, &o.child})
            if (auto checked = event_id(*text); !checked)
                return bb::app::fail(program, checked.error());
    } else if (auto given = start_ids(o.id); given) {
        ids = std::move(*given);
    } else {
        return bb::app::fail(program, given.error());
    }
    auto redis = bb::RedisConnection::connect(
        *target, std::chrono::milliseconds(static_cast<long>(o.timeout * 1000)));
    if (!redis)
        return bb::app::fail(program, redis.error());

    if (!o.from_stream.empty()) {
        if (ids.size() != 1 || o.id == "-")
            return bb::app::fail(program, usage("--from-stream takes one event id"));
        return run_from_stream(*redis, ids.front(), o, *config, flags, limits);
    }
    if (o.follow) {
        if (ids.size() != 1 || o.id == "-")
            return bb::app::fail(program, usage("--follow takes one event id"));
        return bbtrace::follow(o, *config, flags, *redis, ids.front(), *format, limits);
    }

    std::size_t events = 0; // in the graphs shown, when one is
    int status = o.command == Command::link ? run_link(*redis, *config, o) : 0;
    // Several ids: each is answered in turn (one pager would hide the rest),
    // and the first failure decides the exit status.
    for (const bb::Uuid& id : ids) {
        int done = o.command == Command::dump
                       ? run_dump(*redis, id, limits, events)
                       : run_graph(*redis, id, o, *format, limits, ids.size() == 1, events);
        if (status == 0)
            status = done;
    }
    if (o.stats)
        bb::app::report(program, fmt::format("stats: {} events, {} Redis round trips, {:.1f} ms",
                                             events, redis->round_trips(),
                                             std::chrono::duration<double, std::milli>(
                                                 std::chrono::steady_clock::now() - started)
                                                 .count()));
    return status;
}

} // namespace

int main(int argc, char** argv) {
    CLI::App cli{"", std::string(program)};
    bb::app::init(cli, program,
                  {bb::ErrorKind::usage, bb::ErrorKind::data, bb::ErrorKind::not_found,
                   bb::ErrorKind::unavailable, bb::ErrorKind::internal, bb::ErrorKind::io,
                   bb::ErrorKind::temporary, bb::ErrorKind::truncated});
    Options o;
    bb::app::ConnectionFlags flags;
    bbtrace::declare(cli, o, flags);
    cli.final_callback([&] { bbtrace::settle(cli, o); }); // its usage errors are parse errors
    return bb::app::run(cli, program, argc, argv, [&] { return run(o, flags); });
}
