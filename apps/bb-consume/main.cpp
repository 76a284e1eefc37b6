// bb-consume: the receiving side of the bus. Binds topic patterns to a queue
// and streams each event to stdout, or runs a command per event; acks only
// what the reader got or the command finished. The run is bb::consume(); this
// file reads flags, seeds the --descends-from filter and prints what happens.
#include "common/app.hpp"
#include "common/connection_options.hpp"
#include "common/option_range.hpp"

#include "bloodbank/consume.hpp"
#include "bloodbank/correlation.hpp"
#include "bloodbank/redis.hpp"
#include "bloodbank/stop_signals.hpp"
#include "bloodbank/timestamp.hpp"

#include <CLI/CLI.hpp>
#include <fmt/format.h>

#include <cstdio>
#include <optional>
#include <string>
#include <unistd.h>
#include <vector>

namespace {

constexpr std::string_view program = "bb-consume";

struct Options {
    std::vector<std::string> patterns;
    std::optional<std::string> queue;
    bool no_declare = false;
    std::optional<std::string> queue_type;
    std::optional<std::string> from;
    std::optional<std::string> offset_file;
    std::optional<std::string> max_age;
    std::optional<long long> max_length_bytes;
    bool skip_replays = false;
    std::string format = "body";
    bool raw = false;
    std::vector<std::string> command; // after --exec or --
    long long concurrency = 1;
    long long max_attempts = 3;
    std::optional<std::string> dead_letter;
    double exec_timeout = 0;
    std::optional<std::string> descends_from;
    long long count = 0;
    double idle_timeout = 0;
    double shutdown_timeout = 30;
    long long prefetch = 0; // 0: 256 when streaming, --concurrency with --exec
    double connect_timeout = 5;
    int heartbeat = 30;
    int reconnect_attempts = 5;
    double reconnect_time = 60;
    bool quiet = false;
    bool verbose = false;
};

std::chrono::milliseconds ms(double seconds) {
    return std::chrono::milliseconds(static_cast<long long>(seconds * 1000));
}

void add_options(CLI::App& cli, Options& o) {
    cli.add_option("pattern", o.patterns,
                   "Topic patterns to bind on the exchange, e.g. 'fireflies.#' 'llm.*' "
                   "(default #: every event)")
        ->type_name("PATTERN");

    CLI::App& queue = bb::app::section(cli, "Queue");
    queue
        .add_option("--queue", o.queue,
                    "Consume the durable queue NAME, declared and bound to the patterns: "
                    "consumers of one queue share its events, which wait in it while none runs "
                    "(default: a private queue that lives as long as bb-consume)")
        ->type_name("NAME");
    queue.add_flag("--no-declare", o.no_declare,
                   "With --queue: consume the queue as it is, declaring and binding nothing");
    queue
        .add_option("--queue-type", o.queue_type,
                    "With --queue: the type of the queue (x-queue-type). Default: an existing "
                    "queue as it is, a new one quorum (replicated, durable); stream: an "
                    "append-only log that can be read again (--from)")
        ->type_name("classic|quorum|stream");
    queue
        .add_option("--prefetch", o.prefetch,
                    "Deliveries unacknowledged at once (default 256, with --exec the "
                    "--concurrency)")
        ->type_name("N");

    CLI::App& stream = bb::app::section(cli, "Streams (--queue-type stream)");
    stream
        .add_option("--from", o.from,
                    "Start reading the stream at: first, last, next (the default without "
                    "--offset-file), an OFFSET, a TIMESTAMP (2026-12-01T00:00:00Z) or a "
                    "DURATION back from now (30m, 2h, 7d)")
        ->type_name("WHERE");
    stream
        .add_option("--offset-file", o.offset_file,
                    "After each event done, write the offset of the next one to FILE "
                    "(atomically); without --from, start from the offset in FILE, or from the "
                    "first event when FILE does not exist")
        ->type_name("FILE");
    stream
        .add_option("--max-age", o.max_age,
                    "When declaring the stream: drop events older than AGE (x-max-age: a number "
                    "and Y, M, D, h, m or s, e.g. 7D)")
        ->type_name("AGE");
    stream
        .add_option("--max-length-bytes", o.max_length_bytes,
                    "When declaring the stream: keep at most BYTES (x-max-length-bytes)")
        ->type_name("BYTES");

    CLI::App& output = bb::app::section(cli, "Output");
    output
        .add_option("--format", o.format,
                    "body (default): each message body as received, one per line; delivery: "
                    "one JSON object per line with the routing key, exchange, redelivered flag "
                    "and AMQP properties around the envelope")
        ->type_name("body|delivery");
    output.add_flag("--raw", o.raw,
                    "Pass every body through without checking that it is an envelope");
    CLI::Option* quiet =
        output.add_flag("-q,--quiet", o.quiet, "No summary line on stderr, even on a terminal");
    output
        .add_flag("-v,--verbose", o.verbose,
                  "The summary line on stderr also when stderr is no terminal")
        ->excludes(quiet);

    CLI::App& exec = bb::app::section(cli, "Command per event (--exec CMD [ARG...] or -- CMD "
                                           "[ARG...], last on the line)");
    exec.add_option("--concurrency", o.concurrency, "Commands running at once (default 1)")
        ->type_name("N");
    exec.add_option("--exec-timeout", o.exec_timeout,
                    "Kill a command running longer than SECONDS; it counts as a failure "
                    "(default: no limit)")
        ->type_name("SECONDS");

    CLI::App& failures = bb::app::section(cli, "Failures");
    failures
        .add_option("--max-attempts", o.max_attempts,
                    "Failures of an event's command before it is dead-lettered (default 3)")
        ->type_name("N");
    failures
        .add_option("--dead-letter", o.dead_letter,
                    "Send events whose command failed --max-attempts times, and bodies that are "
                    "no envelope, to EXCHANGE (declared, a durable topic exchange) with their "
                    "routing key and the reason in headers (default: reject them)")
        ->type_name("EXCHANGE");

    CLI::App& filter = bb::app::section(cli, "Filter");
    filter
        .add_option("--descends-from", o.descends_from,
                    "Only events whose causal ancestry reaches ID: the descendants recorded in "
                    "Redis, and those arriving whose correlation_ids name one already passed; "
                    "others are acked and skipped")
        ->type_name("ID");
    filter.add_flag("--skip-replays", o.skip_replays,
                    "Ack and skip events that bb-publish --replay sent again (the "
                    "x-bloodbank-replay header): for consumers with side effects");

    CLI::App& stopping = bb::app::section(cli, "Stopping");
    stopping.add_option("--count", o.count, "Exit after N events")->type_name("N");
    stopping
        .add_option("--idle-timeout", o.idle_timeout,
                    "Exit once nothing arrived for SECONDS (to empty a queue from cron)")
        ->type_name("SECONDS");
    stopping
        .add_option("--shutdown-timeout", o.shutdown_timeout,
                    "After SIGINT, SIGTERM or SIGHUP, let running commands finish for this long "
                    "(default 30)")
        ->type_name("SECONDS");

    CLI::App& broker = bb::app::section(cli, "Broker");
    broker
        .add_option("--connect-timeout", o.connect_timeout,
                    "Time allowed to connect and log in, per URL (default 5)")
        ->type_name("SECONDS");
    broker
        .add_option("--heartbeat", o.heartbeat,
                    "AMQP heartbeat interval in seconds, 0 for none (default 30)")
        ->type_name("SECONDS");
    broker
        .add_option("--reconnect-attempts", o.reconnect_attempts,
                    "Reconnect this many times after a lost connection; 0 gives up at once "
                    "(default 5)")
        ->type_name("N");
    broker
        .add_option("--reconnect-time", o.reconnect_time,
                    "Time allowed for reconnecting after one loss (default 60)")
        ->type_name("SECONDS");
}

// x-max-age as RabbitMQ reads it: digits and one unit.
bool valid_max_age(std::string_view age) {
    if (age.size() < 2 || std::string_view("YMDhms").find(age.back()) == std::string_view::npos)
        return false;
    age.remove_suffix(1);
    return age.size() <= 12 && age.find_first_not_of("0123456789") == std::string_view::npos;
}

bb::QueueType queue_type(const std::optional<std::string>& name) {
    if (!name)
        return bb::QueueType::automatic;
    if (*name == "classic")
        return bb::QueueType::classic;
    return *name == "quorum" ? bb::QueueType::quorum : bb::QueueType::stream;
}

bb::Result<void> check_options(const Options& o) {
    if (o.format != "body" && o.format != "delivery")
        return bb::make_error(
            bb::ErrorKind::usage,
            fmt::format("--format: \"{}\" is not one of body, delivery", o.format));
    if (o.concurrency < 1 || o.concurrency > 1000)
        return bb::app::out_of_range("--concurrency", o.concurrency, 1, 1000);
    if (o.max_attempts < 1 || o.max_attempts > 1000)
        return bb::app::out_of_range("--max-attempts", o.max_attempts, 1, 1000);
    if (o.prefetch < 0 || o.prefetch > 65535)
        return bb::app::out_of_range("--prefetch", o.prefetch, 0, 65535);
    if (o.count < 0)
        return bb::app::out_of_range("--count", o.count, 0, "2^63");
    if (!(o.exec_timeout >= 0 && o.exec_timeout <= 86400))
        return bb::app::out_of_range("--exec-timeout", o.exec_timeout, 0, 86400);
    if (!(o.idle_timeout >= 0 && o.idle_timeout <= 86400 * 365))
        return bb::app::out_of_range("--idle-timeout", o.idle_timeout, 0, 86400 * 365);
    if (!(o.shutdown_timeout >= 0 && o.shutdown_timeout <= 3600))
        return bb::app::out_of_range("--shutdown-timeout", o.shutdown_timeout, 0, 3600);
    if (!(o.connect_timeout >= 0.001 && o.connect_timeout <= 3600))
        return bb::app::out_of_range("--connect-timeout", o.connect_timeout, 0.001, 3600);
    if (o.heartbeat < 0 || o.heartbeat > 3600)
        return bb::app::out_of_range("--heartbeat", o.heartbeat, 0, 3600);
    if (o.reconnect_attempts < 0 || o.reconnect_attempts > 1000)
        return bb::app::out_of_range("--reconnect-attempts", o.reconnect_attempts, 0, 1000);
    if (!(o.reconnect_time >= 0.001 && o.reconnect_time <= 86400))
        return bb::app::out_of_range("--reconnect-time", o.reconnect_time, 0.001, 86400);
    if (o.no_declare && !o.queue)
        return bb::make_error(bb::ErrorKind::usage, "--no-declare needs --queue NAME");
    if (o.no_declare && !o.patterns.empty())
        return bb::make_error(bb::ErrorKind::usage, "--no-declare binds nothing: give no patterns");
    if (o.command.empty() && (o.concurrency != 1 || o.exec_timeout > 0))
        return bb::make_error(bb::ErrorKind::usage,
                              "--concurrency and --exec-timeout need --exec CMD");
    bool stream = o.queue_type && *o.queue_type == "stream";
    if (o.queue_type && !o.queue)
        return bb::make_error(bb::ErrorKind::usage, "--queue-type needs --queue NAME");
    if (o.queue_type && !stream && *o.queue_type != "classic" && *o.queue_type != "quorum")
        return bb::make_error(
            bb::ErrorKind::usage,
            fmt::format("--queue-type: \"{}\" is not one of classic, quorum, stream",
                        *o.queue_type));
    for (auto [flag, given] : {std::pair{"--from", o.from.has_value()},
                               {"--offset-file", o.offset_file.has_value()},
                               {"--max-age", o.max_age.has_value()},
                               {"--max-length-bytes", o.max_length_bytes.has_value()}})
        if (given && !stream)
            return bb::make_error(bb::ErrorKind::usage,
                                  fmt::format("{} needs --queue-type stream", flag));
    if ((o.max_age || o.max_length_bytes) && o.no_declare)
        return bb::make_error(bb::ErrorKind::usage,
                              "--max-age and --max-length-bytes are set when declaring the "
                              "stream: not with --no-declare");
    if (o.max_age && !valid_max_age(*o.max_age))
        return bb::make_error(bb::ErrorKind::usage,
                              fmt::format("--max-age \"{}\": not a number followed by Y, M, D, "
                                          "h, m or s (e.g. 7D)",
                                          *o.max_age));
    if (o.max_length_bytes && *o.max_length_bytes < 1)
        return bb::app::out_of_range("--max-length-bytes", *o.max_length_bytes, 1, "2^63");
    if (o.offset_file && o.offset_file->empty())
        return bb::make_error(bb::ErrorKind::usage, "--offset-file needs a file name");
    if (o.raw && o.descends_from)
        return bb::make_error(bb::ErrorKind::usage,
                              "--descends-from reads each envelope: it cannot be used with --raw");
    return {};
}

// The ids the filter starts from: ID and its descendants recorded in Redis.
bb::Result<std::unordered_set<std::string>> seed_descendants(const std::string& text,
                                                             const bb::Config& config) {
    auto id = bb::parse_uuid(text);
    if (!id)
        return bb::make_error(
            bb::ErrorKind::usage,
            fmt::format("--descends-from \"{}\": not a UUID: {}", text, id.error().message));
    std::unordered_set<std::string> seed{id->str()};
    auto target = config.redis();
    if (!target)
        return target.error();
    auto redis = bb::RedisConnection::connect(*target, std::chrono::milliseconds(5000));
    if (!redis)
        return redis.error();
    bb::TraceOptions options;
    options.max_depth = 1000;
    options.max_nodes = 10'000'000;
    options.summaries = false;
    auto chain = bb::trace_chain(*redis, *id, bb::Direction::descendants, options);
    if (!chain) {
        if (chain.error().kind == bb::ErrorKind::not_found)
            return seed; // nothing recorded yet: its descendants are still to come
        return chain.error();
    }
    for (const bb::TraceNode& node : chain->nodes())
        seed.insert(node.id.str());
    return seed;
}

// Notices and, on a terminal, a progress line on stderr.
class Listener final : public bb::ConsumeListener {
public:
    explicit Listener(bool progress) : progress_(progress) {}
    void notice(const std::string& line) override {
        clear();
        bb::app::report(program, line);
    }
    void progress(const bb::ConsumeCounts& c) override {
        if (!progress_)
            return;
        std::fprintf(stderr, "\r\033[K%s: %llu events, %llu done, %llu failed, %llu dead-lettered",
                     std::string(program).c_str(), static_cast<unsigned long long>(c.received),
                     static_cast<unsigned long long>(c.done),
                     static_cast<unsigned long long>(c.failed),
                     static_cast<unsigned long long>(c.dead_lettered + c.rejected));
        shown_ = true;
    }
    void clear() {
        if (shown_)
            std::fputs("\r\033[K", stderr);
        shown_ = false;
    }

private:
    bool progress_;
    bool shown_ = false;
};

int run(const Options& o, const bb::Config& config, const bb::TlsOptions& tls) {
    auto urls = config.rabbit_urls();
    if (!urls)
        return bb::app::fail(program, urls.error());
    bb::ConsumeSettings s;
    bb::ConsumerOptions& c = s.consumer;
    c.urls = *urls;
    c.tls = tls;
    c.exchange = config.value(bb::ConfigItem::exchange_name);
    c.patterns = o.patterns;
    c.queue = o.queue.value_or("");
    c.declare_queue = !o.no_declare;
    c.queue_type = queue_type(o.queue_type);
    c.max_age = o.max_age.value_or("");
    c.max_length_bytes = static_cast<std::uint64_t>(o.max_length_bytes.value_or(0));
    if (o.from) {
        auto start = bb::parse_stream_start(*o.from, bb::Timestamp::now().unix_seconds());
        if (!start)
            return bb::app::fail(program, start.error());
        c.stream_start = *start;
    }
    s.offset_file = o.offset_file.value_or("");
    s.skip_replays = o.skip_replays;
    c.dead_letter_exchange = o.dead_letter.value_or("");
    c.connect_timeout = ms(o.connect_timeout);
    c.heartbeat_seconds = o.heartbeat;
    long long prefetch = o.prefetch ? o.prefetch : !o.command.empty() ? o.concurrency : 256;
    if (o.count > 0)
        prefetch = std::min(prefetch, o.count);
    c.prefetch = static_cast<std::uint16_t>(prefetch);
    s.format = o.format == "delivery" ? bb::ConsumeFormat::delivery : bb::ConsumeFormat::body;
    s.raw = o.raw;
    s.command = o.command;
    s.concurrency = static_cast<unsigned>(o.concurrency);
    s.max_attempts = static_cast<unsigned>(o.max_attempts);
    s.exec_timeout = ms(o.exec_timeout);
    s.idle_timeout = ms(o.idle_timeout);
    s.shutdown_timeout = ms(o.shutdown_timeout);
    s.count = static_cast<std::uint64_t>(o.count);
    s.reconnect_attempts = o.reconnect_attempts;
    s.reconnect_time = ms(o.reconnect_time);
    if (o.descends_from) {
        auto seed = seed_descendants(*o.descends_from, config);
        if (!seed)
            return bb::app::fail(program, seed.error());
        s.descends_from = std::move(*seed);
    }

    const bb::StopSignals& stop = bb::StopSignals::install();
    bool tty = isatty(STDERR_FILENO);
    Listener listener(tty && !o.quiet);
    auto started = std::chrono::steady_clock::now();
    auto outcome = bb::consume(s, stop, listener);
    listener.clear();
    if (!outcome)
        return bb::app::fail(program, outcome.error());
    if (outcome->error)
        bb::app::report(program, outcome->error->message);
    int status = bb::consume_exit_status(*outcome, stop.first());
    if (!o.quiet && (tty || o.verbose || status != 0))
        bb::app::report(program,
                        bb::consume_summary(*outcome, std::chrono::steady_clock::now() - started));
    return status;
}

// Everything after --exec or a lone -- is the command, not bb-consume's.
std::vector<std::string> split_command(int& argc, char** argv) {
    std::vector<std::string> command;
    for (int i = 1; i < argc; ++i) {
        std::string_view arg = argv[i];
        if (arg == "--exec" || arg == "--") {
            for (int j = i + 1; j < argc; ++j)
                command.emplace_back(argv[j]);
            if (arg == "--exec" && command.empty())
                command.emplace_back(); // refused below: --exec needs a command
            argc = i;
            break;
        }
    }
    return command;
}

} // namespace

int main(int argc, char** argv) {
    CLI::App cli("Consume events from RabbitMQ: stream each one to stdout as a line of JSON, or "
                 "run a command per event; an event is acked only once the reader has its line "
                 "or the command succeeded.",
                 std::string(program));
    bb::app::init(cli, program,
                  {bb::ErrorKind::usage, bb::ErrorKind::data, bb::ErrorKind::not_found,
                   bb::ErrorKind::unavailable, bb::ErrorKind::internal, bb::ErrorKind::io,
                   bb::ErrorKind::temporary});
    bb::app::usage(cli, "Usage: bb-consume [OPTIONS] [PATTERN...]\n"
                        "       bb-consume [OPTIONS] [PATTERN...] --exec CMD [ARG...]\n"
                        "       bb-consume [OPTIONS] [PATTERN...] -- CMD [ARG...]");
    Options o;
    o.command = split_command(argc, argv);
    bool exec_given = !o.command.empty();
    bb::app::ConnectionFlags flags;
    add_options(cli, o);
    CLI::App& connection = bb::app::section(cli, "Connection");
    bb::app::add_amqp_options(connection, flags);
    bb::app::add_redis_options(connection, flags, bb::app::RedisUse::read_only);
    bb::app::add_config_options(bb::app::section(cli, "Configuration"), flags);
    return bb::app::run(cli, program, argc, argv, [&]() -> int {
        if (exec_given && o.command.front().empty())
            return bb::app::fail(program,
                                 bb::make_error(bb::ErrorKind::usage, "--exec needs a command"));
        auto config = bb::app::load_config(flags);
        if (!config)
            return bb::app::fail(program, config.error());
        if (bb::app::handle_show_config(flags, *config))
            return 0;
        if (auto ok = check_options(o); !ok)
            return bb::app::fail(program, ok.error());
        return run(o, *config, bb::app::amqp_tls_options(program, flags, *config));
    });
}
