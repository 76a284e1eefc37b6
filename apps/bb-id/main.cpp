// bb-id: deterministic event ids (UUID v5, as the Python system makes them),
// plus random v4 and time-ordered v7 ids. All logic is in libbloodbank.
#include "common/app.hpp"

#include "bloodbank/id_request.hpp"

#include <CLI/CLI.hpp>
#include <fmt/format.h>

#include <charconv>
#include <cstdint>
#include <cstdio>
#include <optional>
#include <string>
#include <unistd.h>
#include <vector>

namespace {

constexpr std::string_view program = "bb-id";

constexpr const char* description = R"(Print event ids.

Deterministic ids are UUID v5 in the OID namespace over the UTF-8 text
"NAMESPACE:TYPE:KEY", exactly as the Python system computes them. With
--field, KEY is the "k=v" pairs sorted by key and joined by "|".

Modes (exactly one):
  bb-id TYPE KEY                  id of one event
  bb-id TYPE --field k=v ...      id from several fields (split at the first '=')
  bb-id --random [-n N]           random UUID v4
  bb-id --time [-n N]             time-ordered UUID v7, increasing within one run
  bb-id --batch [--file PATH]     one id per NDJSON request line

Batch requests, one JSON object per line:
  {"event_type":"T","key":"K"}
  {"event_type":"T","fields":{"meeting_id":"abc123","n":2}}
  optional "namespace":"NS" (default: --namespace, else "bloodbank")
Field values render as Python's str(): true -> True, null -> None, 1.5 -> 1.5.
Output line N answers input line N; a bad or blank line gets an empty output
line and a message "bb-id: line N: ..." on stderr, and bb-id exits 65 at the end.

Examples:
  bb-id fireflies.transcript.upload meeting_abc123
  bb-id fireflies.transcript.upload --field meeting_id=abc123 --field user_id=user_456
  bb-id --namespace other_system test.event key_123
  bb-id --time -n 3
  printf '{"event_type":"a.b","key":"k1"}\n' | bb-id --batch
  bb-id -- test.event -key-that-starts-with-a-dash)";

struct Options {
    std::string event_type;
    std::string key;
    std::vector<std::string> fields;
    std::string ns;
    bool random = false;
    bool time = false;
    bool batch = false;
    std::string file = "-";
    std::string count = "1"; // read by parse_count: CLI11 would wrap "-1" or saturate
};

struct Given {
    bool event_type, key, fields, ns, count, file;
};

// Decimal digits only, within 64 bits.
std::optional<std::uint64_t> parse_count(std::string_view text) {
    std::uint64_t count = 0;
    auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), count);
    if (ec != std::errc() || end != text.data() + text.size() || text.empty())
        return std::nullopt;
    return count;
}

bb::Error usage(std::string message) {
    return bb::make_error(bb::ErrorKind::usage,
                          fmt::format("{} (see {} --help)", message, program));
}

// The one combination check for all modes; returns an error for any misuse.
bb::Result<void> check_combination(const Options& o, const Given& g) {
    int modes = int(o.random) + int(o.time) + int(o.batch);
    if (modes > 1)
        return usage("--random, --time and --batch are mutually exclusive");
    const char* mode = o.random ? "--random" : o.time ? "--time" : o.batch ? "--batch" : nullptr;
    if (mode && g.event_type)
        return usage(fmt::format("{} takes no TYPE or KEY", mode));
    if (mode && g.fields)
        return usage(fmt::format("{} takes no --field", mode));
    if (g.count && !o.random && !o.time)
        return usage("--count applies only to --random and --time");
    if (g.file && !o.batch)
        return usage("--file applies only to --batch");
    if (g.ns && (o.random || o.time))
        return usage(fmt::format("--namespace does not apply to {}", mode));
    if (mode)
        return {};
    if (!g.event_type)
        return usage("nothing to do: give TYPE and KEY, TYPE and --field, --random, --time or "
                     "--batch");
    if (g.key && g.fields)
        return usage("KEY and --field are mutually exclusive");
    if (!g.key && !g.fields)
        return usage("TYPE needs a KEY or at least one --field");
    return {};
}

int finish(const bb::Result<void>& done) {
    return done ? 0 : bb::app::fail(program, done.error());
}

int print_one(const bb::IdArgs& args) {
    auto id = bb::id_for_args(args);
    if (!id && id.error().kind == bb::ErrorKind::usage)
        return bb::app::fail(program, usage(id.error().message));
    if (!id)
        return bb::app::fail(program, id.error());
    std::string line = id->str() + "\n";
    if (std::fwrite(line.data(), 1, line.size(), stdout) != line.size() || std::fflush(stdout))
        return bb::app::fail(program, bb::make_error(bb::ErrorKind::io, "write error on stdout"));
    return 0;
}

int run_batch(const Options& o) {
    auto summary = bb::run_id_batch(
        o.file, STDOUT_FILENO, o.ns, [](std::uint64_t line, const bb::Error& error) {
            bb::app::report(program, fmt::format("line {}: {}", line, error.message));
        });
    if (!summary)
        return bb::app::fail(program, summary.error());
    return summary->bad_lines ? bb::exit_code(bb::ErrorKind::data) : 0;
}

} // namespace

int main(int argc, char** argv) {
    CLI::App cli(description, std::string(program));
    // No connection, no waiting, no settings: only usage, data, internal and
    // I/O errors, and nothing read from the environment or a .env file.
    bb::app::init(
        cli, program,
        {bb::ErrorKind::usage, bb::ErrorKind::data, bb::ErrorKind::internal, bb::ErrorKind::io},
        bb::app::Settings::none);
    Options o;
    o.ns = std::string(bb::default_id_namespace);
    auto* type_opt = cli.add_option("TYPE", o.event_type, "Event type (the routing key)");
    auto* key_opt = cli.add_option("KEY", o.key, "Unique key of the event");
    auto* field_opt =
        cli.add_option("-f,--field", o.fields, "A field k=v of the unique key (repeatable)")
            ->type_name("K=V")
            ->allow_extra_args(false);
    auto* ns_opt = cli.add_option("--namespace", o.ns,
                                  "Id namespace (default bloodbank); with --batch, the default "
                                  "for lines without \"namespace\"")
                       ->type_name("NS");
    cli.add_flag("--random", o.random, "Print random UUID v4 ids");
    cli.add_flag("--time", o.time, "Print time-ordered UUID v7 ids");
    auto* count_opt =
        cli.add_option("-n,--count", o.count, "How many ids --random or --time print (default 1)")
            ->type_name("N")
            ->check([](const std::string& text) {
                return parse_count(text) ? std::string()
                                         : "expected a whole number, got \"" + text + "\"";
            });
    cli.add_flag("--batch", o.batch, "Read NDJSON requests, print one id per line");
    auto* file_opt = cli.add_option("--file", o.file, "Batch input file, - for stdin (default)")
                         ->type_name("PATH");

    return bb::app::run(cli, program, argc, argv, [&]() -> int {
        Given given{type_opt->count() > 0, key_opt->count() > 0,   field_opt->count() > 0,
                    ns_opt->count() > 0,   count_opt->count() > 0, file_opt->count() > 0};
        if (auto ok = check_combination(o, given); !ok)
            return bb::app::fail(program, ok.error());
        if (o.random)
            return finish(bb::write_new_ids(STDOUT_FILENO, *parse_count(o.count), bb::uuid_v4));
        if (o.time)
            return finish(bb::write_new_ids(STDOUT_FILENO, *parse_count(o.count), bb::uuid_v7));
        if (o.batch)
            return run_batch(o);
        bb::IdArgs args{o.event_type, std::nullopt, o.fields, o.ns};
        if (given.key)
            args.key = o.key;
        return print_one(args);
    });
}
