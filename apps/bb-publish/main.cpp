// bb-publish: stream envelopes from stdin (or --file) to RabbitMQ with
// publisher confirms, and record their causal links in Redis. The run is a
// bb::PublishSession; this file reads flags, makes the session's settings
// and prints what it returns.
#include "catalog_listing.hpp"
#include "common/app.hpp"
#include "common/connection_options.hpp"
#include "common/option_range.hpp"
#include "printer.hpp"

#include "bloodbank/publish_session.hpp"
#include "bloodbank/timestamp.hpp"
#include "bloodbank/uuid.hpp"

#include <CLI/CLI.hpp>
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
    // Signed, so that a negative value is refused as such instead of wrapping.
    long long max_line_bytes = 1024 * 1024;
    bool dry_run = false;
    bool strict = false;
    bool no_validate = false;
    bool list_types = false;
    std::optional<std::string> schema;

    std::optional<std::string> output;
    bool report = false;
    bool quiet = false;
    bool verbose = false;

    long long max_in_flight = 512;
    double confirm_timeout = 30;
    double connect_timeout = 5;
    int heartbeat = 30;
    bool no_declare = false;
    bool allow_unroutable = false;
    bool text = false;
    bool replay = false;

    bool track = false;
    bool no_track = false;
    bool require_tracking = false;
    bool dedupe = false;
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
    CLI::Option* type = input
                            .add_option("--type", o.type,
                                        "Wrap each input record as the payload of a new envelope "
                                        "of event type TYPE")
                            ->type_name("TYPE");
    input
        .add_flag("--text", o.text,
                  "With --type: each non-blank input line, whatever it holds, is the payload as "
                  "a JSON string")
        ->needs(type);
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
    CLI::Option* quiet = output.add_flag(
        "-q,--quiet", o.quiet, "No summary line on stderr, even on a terminal or after a failure");
    output
        .add_flag("-v,--verbose", o.verbose,
                  "The summary line on stderr also after a success when stderr is no terminal "
                  "(by default a successful run prints nothing there, as cron wants)")
        ->excludes(quiet);

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
    publishing.add_flag("--allow-unroutable", o.allow_unroutable,
                        "Publish events no queue is bound for (the broker confirms and drops "
                        "them) instead of reporting them as returned, exit 69");

    publishing.add_flag("--replay", o.replay,
                        "Publish each envelope again as it was read, byte for byte (same "
                        "event_id, timestamp and properties), marked as a replay only in AMQP "
                        "headers (x-bloodbank-replay); links are not recorded again");

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
        .add_option(
            "--shutdown-timeout", o.shutdown_timeout,
            "After SIGINT, SIGTERM or SIGHUP, wait this long for outstanding confirms (default 10)")
        ->type_name("SECONDS");

    CLI::App& tracking = bb::app::section(cli, "Correlation tracking");
    tracking.add_flag("--track", o.track,
                      "Record causal links in Redis (on by default when REDIS_URL or "
                      "REDIS_HOST is configured)");
    tracking.add_flag("--no-track", o.no_track, "Do not record causal links");
    tracking.add_flag("--require-tracking", o.require_tracking,
                      "Exit 69 when a link or event record could not be written to Redis");
    tracking.add_flag("--dedupe", o.dedupe,
                      "Do not publish an event whose event_id was confirmed before (within the "
                      "tracking TTL): report it as duplicate; needs Redis (exit 69 without it)");
    tracking
        .add_option("--track-timeout", o.track_timeout,
                    "Time allowed to connect to Redis and for each batch of writes (default 1)")
        ->type_name("SECONDS");
}

bb::Result<void> check_ranges(const Options& o) {
    if (o.max_line_bytes < 1 || o.max_line_bytes > (1LL << 30))
        return bb::app::out_of_range("--max-line-bytes", o.max_line_bytes, 1, 1LL << 30);
    if (o.max_in_flight < 1 || o.max_in_flight > 65535)
        return bb::app::out_of_range("--max-in-flight", o.max_in_flight, 1, 65535);
    if (!(o.confirm_timeout >= 0.001 && o.confirm_timeout <= 86400))
        return bb::app::out_of_range("--confirm-timeout", o.confirm_timeout, 0.001, 86400);
    if (!(o.connect_timeout >= 0.001 && o.connect_timeout <= 3600))
        return bb::app::out_of_range("--connect-timeout", o.connect_timeout, 0.001, 3600);
    if (o.heartbeat < 0 || o.heartbeat > 3600)
        return bb::app::out_of_range("--heartbeat", o.heartbeat, 0, 3600);
    if (!(o.track_timeout >= 0.001 && o.track_timeout <= 3600))
        return bb::app::out_of_range("--track-timeout", o.track_timeout, 0.001, 3600);
    if (o.reconnect_attempts < 0 || o.reconnect_attempts > 1000)
        return bb::app::out_of_range("--reconnect-attempts", o.reconnect_attempts, 0, 1000);
    if (!(o.reconnect_time >= 0.001 && o.reconnect_time <= 86400))
        return bb::app::out_of_range("--reconnect-time", o.reconnect_time, 0.001, 86400);
    if (!(o.shutdown_timeout >= 0 && o.shutdown_timeout <= 3600))
        return bb::app::out_of_range("--shutdown-timeout", o.shutdown_timeout, 0, 3600);
    if (o.output && *o.output != "id" && *o.output != "json")
        return bb::make_error(bb::ErrorKind::usage,
                              fmt::format("--output: \"{}\" is not one of id, json", *o.output));
    return {};
}

// The envelope recipe from the flags; errors are usage errors (64).
bb::Result<bb::EnvelopeRecipe> make_recipe(const Options& o) {
    bb::EnvelopeRecipe recipe;
    recipe.envelope.limits.max_bytes = static_cast<std::size_t>(o.max_line_bytes);
    recipe.envelope.defaults.source_app = o.source_app;
    if (o.source_type) {
        auto type = bb::parse_source_type(*o.source_type);
        if (!type)
            return bb::make_error(bb::ErrorKind::usage, "--source-type: " + type.error().message);
        recipe.envelope.defaults.source_type = *type;
    }
    recipe.wrap_type = o.type;
    recipe.wrap_text = o.text;
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

bb::app::OutputMode output_mode(const Options& o) {
    if (o.report)
        return bb::app::OutputMode::report;
    return o.output.value_or(o.dry_run ? "json" : "id") == "json" ? bb::app::OutputMode::json
                                                                  : bb::app::OutputMode::id;
}

// The session's settings from the flags; the Config supplies the rest. Errors
// are the recipe's (64), and only a publish has a recipe.
bb::Result<bb::PublishSessionOptions> session_options(const Options& o, const bb::Config& config,
                                                      bb::app::OutputMode mode) {
    bb::PublishSessionOptions options;
    if (!o.drain) {
        auto recipe = make_recipe(o);
        if (!recipe)
            return recipe.error();
        options.recipe = std::move(*recipe);
    }
    options.input = o.file;
    options.spool_dir = o.drain ? *o.drain : config.value(bb::ConfigItem::spool_dir);
    options.max_record_bytes = static_cast<std::size_t>(o.max_line_bytes);

    bb::PipelineOptions& pipeline = options.pipeline;
    pipeline.max_in_flight = static_cast<std::size_t>(o.max_in_flight);
    pipeline.confirm_timeout = ms(o.confirm_timeout);
    pipeline.keep_envelopes = mode == bb::app::OutputMode::json;
    pipeline.dry_run = o.dry_run;
    pipeline.reconnect.attempts = o.reconnect_attempts;
    pipeline.reconnect.max_time = ms(o.reconnect_time);
    pipeline.shutdown_timeout = ms(o.shutdown_timeout);
    options.stop_on_signals = true;

    bb::PublisherOptions& publisher = options.publisher;
    publisher.tls = o.tls;
    publisher.declare_exchange = !o.no_declare;
    publisher.mandatory = !o.allow_unroutable;
    publisher.connect_timeout = ms(o.connect_timeout);
    publisher.heartbeat_seconds = o.heartbeat;

    options.track = o.track      ? std::optional(true)
                    : o.no_track ? std::optional(false)
                                 : std::nullopt;
    options.track_timeout = ms(o.track_timeout);
    options.require_tracking = o.require_tracking;
    options.dedupe = o.dedupe;
    if (o.replay) {
        // The links were recorded when the events were first published; a
        // spooled replay would be drained without its replay headers.
        options.track = false;
        options.spool_dir.clear();
        pipeline.replay = bb::ReplayMark{bb::uuid_v4().str(), bb::Timestamp::now().iso()};
    }
    return options;
}

// Publishes or drains, then says how it went.
int run(const Options& o, const bb::Config& config) {
    bb::app::OutputMode mode = output_mode(o);
    auto options = session_options(o, config, mode);
    if (!options)
        return bb::app::fail(program, options.error());
    bb::app::Printer printer(program, mode, isatty(STDERR_FILENO) && !o.quiet);
    bb::PublishSession session(config, std::move(*options));
    bb::PublishOutcome outcome = o.drain ? session.drain(printer) : session.publish(printer);
    outcome.stdout_written = printer.finish();
    // Silence on success, as cron wants (it mails what a job prints): the
    // summary shows on a terminal, with -v, or after a failure; warnings and
    // errors always.
    int status = outcome.exit_status();
    bool quiet = o.quiet || (status == 0 && !o.verbose && !isatty(STDERR_FILENO));
    for (const std::string& line : outcome.closing_lines(quiet))
        bb::app::report(program, line);
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
                   bb::ErrorKind::temporary, bb::ErrorKind::untracked});
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
        if (o.replay &&
            (o.drain || o.spool || o.type || o.text || !o.parents.empty() || !o.id_keys.empty() ||
             o.source_app || o.source_type || o.track || o.require_tracking || o.dedupe))
            return usage_error("--replay sends each envelope as it was read: it takes no "
                               "--drain, --spool, --type, --text, --parent, --id-key, "
                               "--source-app, --source-type, --track, --require-tracking or "
                               "--dedupe");
        // The spool and a drain publish without asking Redis, so they would
        // break the promise; tracking writes the marks that --dedupe reads.
        if (o.dedupe &&
            (o.drain || o.no_track || !config->value(bb::ConfigItem::spool_dir).empty()))
            return usage_error("--dedupe cannot be combined with --drain, --no-track, --spool or "
                               "BB_SPOOL_DIR");
        if (!o.dry_run)
            o.tls = bb::app::amqp_tls_options(program, flags, *config); // warns on --insecure
        return run(o, *config);
    });
}
