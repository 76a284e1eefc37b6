// bb-publish: stream envelopes from stdin (or --file) to RabbitMQ with
// publisher confirms, and record their causal links in Redis. The pipeline
// is bb::run_publish; this file reads flags and wires it up.
#include "catalog_listing.hpp"
#include "common/app.hpp"
#include "common/connection_options.hpp"
#include "printer.hpp"

#include "bloodbank/amqp.hpp"
#include "bloodbank/drain.hpp"
#include "bloodbank/publish.hpp"
#include "bloodbank/spool.hpp"
#include "bloodbank/stop_signals.hpp"
#include "bloodbank/tracking.hpp"

#include <fmt/format.h>

#include <cstdio>
#include <optional>
#include <string>
#include <unistd.h>
#include <vector>

namespace {

constexpr std::string_view program = "bb-publish";

struct Options {
    std::string file = "-";
    std::optional<std::string> type;
    std::vector<std::string> parents;
    std::vector<std::string> id_keys;
    std::string id_namespace{bb::default_id_namespace};
    std::optional<std::string> source_app;
    std::optional<std::string> source_type;
    std::size_t max_line_bytes = 1024 * 1024;
    bool dry_run = false;
    bool strict = false;
    bool no_validate = false;
    bool list_types = false;
    std::optional<std::string> schema;

    std::optional<std::string> output;
    bool report = false;
    bool quiet = false;

    std::size_t max_in_flight = 512;
    double confirm_timeout = 30;
    double connect_timeout = 5;
    int heartbeat = 30;
    bool no_declare = false;

    bool track = false;
    bool no_track = false;
    bool require_tracking = false;
    double track_timeout = 1;

    std::optional<std::string> spool;
    std::optional<std::string> drain;
    int reconnect_attempts = 5;
    double reconnect_time = 60;
    double shutdown_timeout = 10;

    bb::TlsOptions tls; // from the connection flags and settings
};

std::chrono::milliseconds ms(double seconds) {
    return std::chrono::milliseconds(static_cast<long long>(seconds * 1000));
}

int usage_error(std::string message) {
    return bb::app::fail(program, bb::make_error(bb::ErrorKind::usage, std::move(message)));
}

void add_options(CLI::App& cli, Options& o) {
    CLI::App& input = bb::app::section(cli, "Input");
    input.add_option("--file", o.file, "Read envelopes from PATH instead of stdin (- is stdin)")
        ->type_name("PATH");
    input
        .add_option("--type", o.type,
                    "Wrap each input record as the payload of a new envelope of event type TYPE")
        ->type_name("TYPE");
    input.add_option("--parent", o.parents, "Add ID to every event's correlation_ids (repeatable)")
        ->type_name("ID")
        ->allow_extra_args(false);
    input
        .add_option("--id-key", o.id_keys,
                    "Make the event_id deterministic from the event type and this field, as "
                    "bb-id TYPE --field K=V does; replaces any event_id in the input (repeatable)")
        ->type_name("K=V")
        ->allow_extra_args(false);
    input
        .add_option("--id-namespace", o.id_namespace,
                    "Namespace of --id-key ids (default bloodbank), as bb-id --namespace")
        ->type_name("NS");
    input
        .add_option("--source-app", o.source_app,
                    "source.app of events whose input has none (and of --type events)")
        ->type_name("APP");
    input
        .add_option("--source-type", o.source_type,
                    "source.type of events whose input has none (and of --type events): manual "
                    "(default), agent, scheduled, file_watch or hook")
        ->type_name("TYPE");
    input
        .add_option("--max-line-bytes", o.max_line_bytes,
                    "Reject input records larger than N bytes (default 1048576)")
        ->type_name("N");
    input.add_flag("--dry-run", o.dry_run,
                   "Validate and print the completed envelopes; connect to nothing");

    CLI::App& catalog = bb::app::section(cli, "Event catalog");
    catalog.add_flag("--strict", o.strict,
                     "Refuse events whose type is not in the catalog (by default any type is "
                     "published; a known type's payload is always checked against its schema)");
    catalog.add_flag("--no-validate", o.no_validate,
                     "Do not check payloads against the catalog's schemas");
    catalog.add_flag("--list-types", o.list_types,
                     "Print the catalog's event types and their titles, then exit");
    catalog
        .add_option("--schema", o.schema, "Print the JSON Schema of the payload of TYPE, then exit")
        ->type_name("TYPE");

    CLI::App& output = bb::app::section(cli, "Output");
    output
        .add_option("--output", o.output,
                    "What stdout shows for each confirmed event: id (default) or json (the "
                    "completed envelope)")
        ->type_name("id|json");
    output.add_flag("--report", o.report,
                    "Print one JSON line per input record instead: "
                    "{\"line\":N,\"event_id\":...,\"status\":...}");
    output.add_flag("-q,--quiet", o.quiet, "No summary line on stderr (errors and warnings still)");

    CLI::App& publishing = bb::app::section(cli, "Publishing");
    publishing
        .add_option("--max-in-flight", o.max_in_flight,
                    "Unconfirmed messages allowed at once (default 512)")
        ->type_name("N");
    publishing
        .add_option("--confirm-timeout", o.confirm_timeout,
                    "Give up when the broker confirms nothing for SECONDS (default 30)")
        ->type_name("SECONDS");
    publishing
        .add_option("--connect-timeout", o.connect_timeout,
                    "Time allowed to connect and log in, per URL (default 5)")
        ->type_name("SECONDS");
    publishing
        .add_option("--heartbeat", o.heartbeat,
                    "AMQP heartbeat interval in seconds, 0 for none (default 30)")
        ->type_name("SECONDS");
    publishing.add_flag("--no-declare", o.no_declare,
                        "Check that the exchange exists instead of declaring it");

    CLI::App& safety = bb::app::section(cli, "Never losing an event");
    safety
        .add_option("--spool", o.spool,
                    "Keep every event that is not confirmed (broker down, connection lost, nack, "
                    "return, timeout, signal) in DIR, for --drain (default: BB_SPOOL_DIR)")
        ->type_name("DIR");
    safety
        .add_option("--drain", o.drain,
                    "Publish the events kept in the spool DIR, in order, then exit; no input is "
                    "read")
        ->type_name("DIR");
    safety
        .add_option("--reconnect-attempts", o.reconnect_attempts,
                    "Reconnect this many times after a lost connection, sending the unconfirmed "
                    "events again; 0 gives up at once (default 5)")
        ->type_name("N");
    safety
        .add_option("--reconnect-time", o.reconnect_time,
                    "Time allowed for reconnecting after one loss (default 60)")
        ->type_name("SECONDS");
    safety
        .add_option("--shutdown-timeout", o.shutdown_timeout,
                    "After SIGINT or SIGTERM, wait this long for outstanding confirms (default 10)")
        ->type_name("SECONDS");

    CLI::App& tracking = bb::app::section(cli, "Correlation tracking");
    tracking.add_flag("--track", o.track,
                      "Record causal links in Redis (on by default when REDIS_URL or "
                      "REDIS_HOST is configured)");
    tracking.add_flag("--no-track", o.no_track, "Do not record causal links");
    tracking.add_flag("--require-tracking", o.require_tracking,
                      "Exit 69 when a link or event record could not be written to Redis");
    tracking
        .add_option("--track-timeout", o.track_timeout,
                    "Time allowed to connect to Redis and for each batch of writes (default 1)")
        ->type_name("SECONDS");
}

// Ranges are checked here rather than with CLI11 validators, which cost more
// at startup than a one-event run can spare.
bb::Result<void> check_ranges(const Options& o) {
    auto outside = [](std::string_view flag, auto value, auto low, auto high) {
        return bb::make_error(bb::ErrorKind::usage, fmt::format("{}: {} is not between {} and {}",
                                                                flag, value, low, high));
    };
    if (o.max_line_bytes < 1 || o.max_line_bytes > (std::size_t(1) << 30))
        return outside("--max-line-bytes", o.max_line_bytes, 1, std::size_t(1) << 30);
    if (o.max_in_flight < 1 || o.max_in_flight > 65535)
        return outside("--max-in-flight", o.max_in_flight, 1, 65535);
    if (!(o.confirm_timeout >= 0.001 && o.confirm_timeout <= 86400))
        return outside("--confirm-timeout", o.confirm_timeout, 0.001, 86400);
    if (!(o.connect_timeout >= 0.001 && o.connect_timeout <= 3600))
        return outside("--connect-timeout", o.connect_timeout, 0.001, 3600);
    if (o.heartbeat < 0 || o.heartbeat > 3600)
        return outside("--heartbeat", o.heartbeat, 0, 3600);
    if (!(o.track_timeout >= 0.001 && o.track_timeout <= 3600))
        return outside("--track-timeout", o.track_timeout, 0.001, 3600);
    if (o.reconnect_attempts < 0 || o.reconnect_attempts > 1000)
        return outside("--reconnect-attempts", o.reconnect_attempts, 0, 1000);
    if (!(o.reconnect_time >= 0.001 && o.reconnect_time <= 86400))
        return outside("--reconnect-time", o.reconnect_time, 0.001, 86400);
    if (!(o.shutdown_timeout >= 0 && o.shutdown_timeout <= 3600))
        return outside("--shutdown-timeout", o.shutdown_timeout, 0, 3600);
    if (o.output && *o.output != "id" && *o.output != "json")
        return bb::make_error(bb::ErrorKind::usage,
                              fmt::format("--output: \"{}\" is not one of id, json", *o.output));
    return {};
}

// The envelope recipe from the flags; errors are usage errors (64).
bb::Result<bb::EnvelopeRecipe> make_recipe(const Options& o) {
    bb::EnvelopeRecipe recipe;
    recipe.envelope.limits.max_bytes = o.max_line_bytes;
    recipe.envelope.defaults.source_app = o.source_app;
    if (o.source_type) {
        auto type = bb::parse_source_type(*o.source_type);
        if (!type)
            return bb::make_error(bb::ErrorKind::usage, "--source-type: " + type.error().message);
        recipe.envelope.defaults.source_type = *type;
    }
    recipe.wrap_type = o.type;
    for (const std::string& p : o.parents) {
        auto id = bb::parse_uuid(p);
        if (!id)
            return bb::make_error(
                bb::ErrorKind::usage,
                fmt::format("--parent \"{}\": not a UUID: {}", p, id.error().message));
        recipe.parents.push_back(*id);
    }
    if (!o.id_keys.empty()) {
        auto fields = bb::parse_id_keys(o.id_keys);
        if (!fields)
            return fields.error();
        recipe.id_fields = std::move(*fields);
    }
    recipe.id_namespace = o.id_namespace;
    recipe.strict = o.strict;
    recipe.check_payloads = !o.no_validate;
    if (auto ok = bb::check_recipe(recipe); !ok)
        return ok.error();
    return recipe;
}

bb::PublisherOptions publisher_options(const Options& o, std::vector<bb::AmqpUrl> urls,
                                       const bb::Config& config) {
    bb::PublisherOptions options;
    options.urls = std::move(urls);
    options.tls = o.tls;
    options.exchange = config.value(bb::ConfigItem::exchange_name);
    options.declare_exchange = !o.no_declare;
    options.connect_timeout = ms(o.connect_timeout);
    options.heartbeat_seconds = o.heartbeat;
    options.wait_for_setup = false; // the first event goes out with the channel setup
    return options;
}

bb::PipelineOptions pipeline_options(const Options& o, bb::app::OutputMode mode) {
    bb::PipelineOptions options;
    options.max_in_flight = o.max_in_flight;
    options.confirm_timeout = ms(o.confirm_timeout);
    options.keep_envelopes = mode == bb::app::OutputMode::json;
    options.dry_run = o.dry_run;
    options.reconnect.attempts = o.reconnect_attempts;
    options.reconnect.max_time = ms(o.reconnect_time);
    options.shutdown_timeout = ms(o.shutdown_timeout);
    options.signals = &bb::StopSignals::install();
    return options;
}

bb::app::OutputMode output_mode(const Options& o) {
    if (o.report)
        return bb::app::OutputMode::report;
    return o.output.value_or(o.dry_run ? "json" : "id") == "json" ? bb::app::OutputMode::json
                                                                  : bb::app::OutputMode::id;
}

// Tracking per the rule in bb-publish(1); nullopt when it is off.
bb::Result<std::optional<bb::TrackingOptions>> tracking_options(const Options& o,
                                                                const bb::Config& config) {
    bool on = !o.dry_run && bb::tracking_enabled(config, o.track      ? std::optional(true)
                                                         : o.no_track ? std::optional(false)
                                                                      : std::nullopt);
    if (!on)
        return std::optional<bb::TrackingOptions>();
    auto target = config.redis();
    if (!target)
        return target.error();
    auto ttl = config.correlation_ttl_seconds();
    if (!ttl)
        return ttl.error();
    return std::optional(bb::TrackingOptions{*target, *ttl, ms(o.track_timeout)});
}

// The end of a run: warnings and the summary line. False when stdout could
// not be written.
bool finish(const Options& o, bb::app::Printer& printer, const bb::PublishSummary& summary,
            const std::string& spool_dir) {
    bool written = printer.finish();
    if (summary.input_error)
        bb::app::report(program, summary.input_error->message);
    if (summary.broker_error)
        bb::app::report(program, summary.broker_error->message);
    if (summary.spool_error)
        bb::app::report(program, summary.spool_error->message);
    if (summary.tracking.enabled && (summary.tracking.failure || !summary.tracking.complete()))
        bb::app::report(program, "warning: " + bb::tracking_warning(summary.tracking));
    if (!o.quiet)
        bb::app::report(program, bb::summary_text(summary, o.dry_run));
    if (summary.spooled > 0)
        bb::app::report(program, fmt::format("{} events kept in the spool {}; publish them with "
                                             "bb-publish --drain {}",
                                             summary.spooled, spool_dir, spool_dir));
    return written;
}

int stdout_failed() {
    return bb::app::fail(program, bb::make_error(bb::ErrorKind::io, "write error on stdout"));
}

int publish(const Options& o, const bb::Config& config) {
    auto recipe = make_recipe(o);
    if (!recipe)
        return bb::app::fail(program, recipe.error());
    auto input = bb::InputFile::open(o.file);
    if (!input)
        return bb::app::fail(program, input.error());
    bb::app::OutputMode mode = output_mode(o);
    bb::PipelineOptions options = pipeline_options(o, mode);

    std::string spool_dir = o.spool.value_or(config.value(bb::ConfigItem::spool_dir));
    std::optional<bb::SpoolWriter> spool;
    std::optional<bb::Publisher> publisher;
    std::optional<bb::Tracker> tracker;
    if (!o.dry_run) {
        auto urls = config.rabbit_urls();
        if (!urls)
            return bb::app::fail(program, urls.error());
        auto track = tracking_options(o, config);
        if (!track)
            return bb::app::fail(program, track.error());
        if (!spool_dir.empty()) {
            auto opened = bb::SpoolWriter::open(spool_dir);
            if (!opened)
                return bb::app::fail(program, opened.error());
            spool.emplace(std::move(*opened));
            options.spool = &*spool;
        }
        auto connected = bb::Publisher::connect(publisher_options(o, *urls, config));
        if (connected)
            publisher.emplace(std::move(*connected));
        else if (spool && connected.error().kind == bb::ErrorKind::unavailable)
            bb::app::report(program,
                            connected.error().message + "; keeping the events in the spool");
        else
            return bb::app::fail(program, connected.error());
        if (*track && publisher)
            tracker.emplace(bb::Tracker::open(**track));
    }

    bb::app::Printer printer(program, mode, isatty(STDERR_FILENO) && !o.quiet);
    bb::LineReader reader(input->fd(), o.max_line_bytes);
    bb::PublishSummary summary =
        bb::run_publish(reader, *recipe, options, publisher ? &*publisher : nullptr,
                        tracker ? &*tracker : nullptr, printer);
    if (publisher)
        publisher->close();
    if (!finish(o, printer, summary, spool_dir))
        return stdout_failed();
    return bb::publish_exit_status(summary, o.require_tracking);
}

int drain(const Options& o, const bb::Config& config) {
    const std::string& dir = *o.drain;
    auto plan = bb::plan_drain(dir);
    if (!plan)
        return bb::app::fail(program, plan.error());
    if (plan->recovered.files > 0)
        bb::app::report(program,
                        fmt::format("recovered {} events from {} unfinished spool files of "
                                    "processes that died while writing them",
                                    plan->recovered.events, plan->recovered.files));
    const std::vector<std::string>& segments = plan->segments;
    if (segments.empty()) {
        if (!o.quiet)
            bb::app::report(program, fmt::format("the spool {} is empty", dir));
        return 0;
    }
    auto urls = config.rabbit_urls();
    if (!urls)
        return bb::app::fail(program, urls.error());
    auto track = tracking_options(o, config);
    if (!track)
        return bb::app::fail(program, track.error());
    auto publisher = bb::Publisher::connect(publisher_options(o, *urls, config));
    if (!publisher) {
        bb::app::report(program, publisher.error().message);
        bb::app::report(program,
                        fmt::format("{} segments left in the spool {}", segments.size(), dir));
        return bb::exit_code(bb::ErrorKind::temporary);
    }
    std::optional<bb::Tracker> tracker;
    if (*track)
        tracker.emplace(bb::Tracker::open(**track));

    bb::app::OutputMode mode = output_mode(o);
    bb::app::Printer printer(program, mode, isatty(STDERR_FILENO) && !o.quiet);
    bb::DrainSummary summary = bb::drain_spool(*plan, o.max_line_bytes, pipeline_options(o, mode),
                                               *publisher, tracker ? &*tracker : nullptr, printer);
    publisher->close();
    bool written = finish(o, printer, summary.totals, dir);
    if (summary.error)
        bb::app::report(program, summary.error->message);
    if (!o.quiet || summary.segments_left() > 0)
        bb::app::report(program,
                        fmt::format("drained {} of {} segments from {}; {} left", summary.removed,
                                    summary.segments, dir, summary.segments_left()));
    if (!written)
        return stdout_failed();
    int status = bb::drain_exit_status(summary);
    const bb::TrackingReport& tracking = summary.totals.tracking;
    if (status == 0 && o.require_tracking && tracking.enabled &&
        (tracking.failure || !tracking.complete()))
        return bb::exit_code(bb::ErrorKind::unavailable);
    return status;
}

} // namespace

int main(int argc, char** argv) {
    CLI::App cli("Publish event envelopes from stdin (NDJSON or pretty-printed JSON) to RabbitMQ "
                 "with publisher confirms, and record their causal links in Redis.",
                 std::string(program));
    bb::app::init(cli, program,
                  {bb::ErrorKind::usage, bb::ErrorKind::data, bb::ErrorKind::not_found,
                   bb::ErrorKind::unavailable, bb::ErrorKind::internal, bb::ErrorKind::io,
                   bb::ErrorKind::temporary});
    Options o;
    bb::app::ConnectionFlags flags;
    add_options(cli, o);
    CLI::App& connection = bb::app::section(cli, "Connection");
    bb::app::add_amqp_options(connection, flags);
    bb::app::add_redis_options(connection, flags);
    bb::app::add_config_options(bb::app::section(cli, "Configuration"), flags);
    return bb::app::run(cli, program, argc, argv, [&]() -> int {
        // The catalog is built in: no configuration, no connection.
        if (o.list_types && o.schema)
            return usage_error("--list-types and --schema cannot be combined");
        if (o.list_types) {
            fmt::print("{}", bb::app::list_types_text());
            return std::fflush(stdout) == 0
                       ? 0
                       : bb::app::fail(program,
                                       bb::make_error(bb::ErrorKind::io, "write error on stdout"));
        }
        if (o.schema)
            return bb::app::print_schema(program, *o.schema);
        auto config = bb::app::load_config(flags);
        if (!config)
            return bb::app::fail(program, config.error());
        if (o.spool)
            config->set_flag(bb::ConfigItem::spool_dir, *o.spool);
        if (bb::app::handle_show_config(flags, *config))
            return 0;
        if (auto ok = check_ranges(o); !ok)
            return bb::app::fail(program, ok.error());
        if (o.report && o.output)
            return usage_error("--report and --output cannot be combined");
        if (o.track && o.no_track)
            return usage_error("--track and --no-track cannot be combined");
        if (o.drain && (o.dry_run || o.type || !o.parents.empty() || !o.id_keys.empty() ||
                        o.file != "-" || o.spool))
            return usage_error("--drain publishes the spool as it is: it takes no input, "
                               "--dry-run, --type, --parent, --id-key, --file or --spool");
        if (!o.dry_run)
            o.tls = bb::app::amqp_tls_options(program, flags, *config); // warns on --insecure
        return o.drain ? drain(o, *config) : publish(o, *config);
    });
}
