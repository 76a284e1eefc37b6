#include "cli.hpp"

#include "common/app.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <cctype>
#include <vector>

namespace bbtrace {
namespace {

constexpr const char* description =
    R"(Inspect the causal chains that bb-publish and the Python tracker record in Redis.

  bb-trace ID                       the whole picture: ancestors up to the roots,
                                    then the event's descendants, as a tree
  bb-trace parents ID               immediate parents (forward-record order)
  bb-trace children ID              immediate children
  bb-trace ancestors ID             all ancestors, roots first, ID last
  bb-trace descendants ID           all descendants, ID first
  bb-trace dump ID                  the Python tracker's debug dump, as JSON
  bb-trace link PARENT CHILD [--reason TEXT]
                                    record PARENT -> CHILD by hand (merges parents)
  bb-trace serve                    the debug HTTP API and a web page on HTTP_HOST:HTTP_PORT
                                    (--follow: new descendants appear on the page live)
  bb-trace browse ID                full-screen browser over the graph around ID;
                                    y prints the selected id on exit

The whole picture prints a tree by default, the other listings one id per
line; --format chooses tree, json, ids, dot or mermaid. Walks stop at --depth
levels (the event is level 0) and --max-nodes events; a walk cut by either
shows what it found, says so and exits 80.
An id Redis knows nothing about exits 66; a malformed id exits 65. The
listings and dump take - for ID to read ids from stdin, one per line.

Examples:
  bb-trace 1a2b3c4d-5e6f-4a0b-8c1d-2e3f4a5b6c7d
  bb-trace descendants 1a2b3c4d-5e6f-4a0b-8c1d-2e3f4a5b6c7d | wc -l
  bb-trace 1a2b3c4d-5e6f-4a0b-8c1d-2e3f4a5b6c7d --format dot | dot -Tsvg > trace.svg
  bb-trace link 92ac3d31-3cbb-5518-9cc9-eaa1d1198639 1a2b3c4d-5e6f-4a0b-8c1d-2e3f4a5b6c7d --reason retry
  bb-trace serve --http-port 8682 --follow
  id=$(bb-trace browse 1a2b3c4d-5e6f-4a0b-8c1d-2e3f4a5b6c7d))";

// The walk's limits: every command that walks the graph takes them.
void add_walk_options(CLI::App& cli, Options& o) {
    cli.add_option("--depth", o.depth,
                   "Levels to walk, the event being level 0, as the Python tracker's max_depth "
                   "(default 100)")
        ->type_name("N")
        ->check(CLI::Range(1, 1000000))
        ->group("Trace");
    cli.add_option("--max-nodes", o.max_nodes,
                   "Stop after this many events, mark the result truncated and exit 80 "
                   "(default: no limit)")
        ->type_name("N")
        ->check(CLI::Range(1, 100000000))
        ->group("Trace");
}

void add_format_option(CLI::App& cli, Options& o, const char* help) {
    cli.add_option("--format", o.format, help)->type_name("FORMAT")->group("Output");
}

// How a graph is shown: the whole picture and the listings.
void add_graph_output_options(CLI::App& cli, Options& o) {
    add_format_option(cli, o,
                      "tree, json, ids, dot or mermaid (default: tree for the whole picture, ids "
                      "for the listings)");
    cli.add_option("--color", o.color,
                   "auto, always or never; auto means on a terminal; NO_COLOR turns it off "
                   "(default auto)")
        ->type_name("WHEN")
        ->group("Output");
    cli.add_flag("--no-pager", o.no_pager, "Never send the tree through $PAGER")->group("Output");
    cli.add_flag("--links", o.links,
                 "Show on every row of the tree when and why the event was linked to its parents "
                 "(always shown for events without a summary)")
        ->group("Output");
    cli.add_option("--width", o.width,
                   "Fit the tree's rows in N columns, 0 for no limit (default: COLUMNS or the "
                   "terminal's width on a terminal, no limit otherwise)")
        ->type_name("N")
        ->check(CLI::Range(0, 100000))
        ->group("Output");
}

// The picture and the descendants can keep growing from the bus.
void add_follow_option(CLI::App& cli, Options& o) {
    cli.add_flag("--follow", o.follow,
                 "Then keep listening on the bus (RABBIT_URL, EXCHANGE_NAME) and add each new "
                 "descendant as it is published, until interrupted; tree or ids only")
        ->group("Output");
}

// A chain's whole envelopes, from a stream queue that archives the bus.
void add_from_stream_options(CLI::App& cli, Options& o) {
    cli.add_option("--from-stream", o.from_stream,
                   "Print the whole envelope of each event of the chain, read from the stream "
                   "queue NAME (RABBIT_URL) from its first offset, one per line in the order they "
                   "were published (input for bb-publish --replay)")
        ->type_name("NAME")
        ->group("Output");
    cli.add_option("--idle-timeout", o.idle_timeout,
                   "With --from-stream: the stream's end is taken to be reached after this long "
                   "without a message (default 2)")
        ->type_name("SECONDS")
        ->check(CLI::Range(0.001, 3600.0))
        ->group("Output");
}

void add_stats_option(CLI::App& cli, Options& o) {
    cli.add_flag("--stats", o.stats,
                 "Print the events visited, Redis round trips and time taken to stderr")
        ->group("Output");
}

// Redis: where it is, how long to wait, and the configuration behind it.
void add_redis_access(CLI::App& cli, Options& o, bb::app::ConnectionFlags& flags) {
    cli.add_option("--timeout", o.timeout,
                   "Seconds allowed to connect to Redis and for each reply (default 5)")
        ->type_name("SECONDS")
        ->check(CLI::Range(0.001, 3600.0))
        ->group("Connection");
    bb::app::add_redis_options(cli, flags);
    bb::app::add_config_options(cli, flags);
}

constexpr const char* id_help = "Event id, or - to read ids from stdin, one per line";

// Each subcommand declares exactly the options it takes, so that its --help
// lists them and anything else is a usage error. They write into the same
// Options as the main command's, which also take them before the subcommand.
void declare_commands(CLI::App& cli, Options& o, bb::app::ConnectionFlags& flags) {
    auto with_id = [&](const char* name, const char* help) {
        CLI::App* sub = cli.add_subcommand(name, help);
        sub->add_option("ID", o.id, id_help)->required();
        add_walk_options(*sub, o);
        return sub;
    };
    for (auto [name, help] :
         {std::pair{"parents", "Immediate parents of the event, one id per line"},
          std::pair{"children", "Immediate children of the event, one id per line"},
          std::pair{"ancestors", "All ancestors, roots first and the event last"},
          std::pair{"descendants", "All descendants, the event first"}}) {
        CLI::App* sub = with_id(name, help);
        add_graph_output_options(*sub, o);
        if (std::string_view(name) == "descendants")
            add_follow_option(*sub, o);
        if (std::string_view(name) == "ancestors" || std::string_view(name) == "descendants")
            add_from_stream_options(*sub, o);
        add_stats_option(*sub, o);
        add_redis_access(*sub, o, flags);
    }
    CLI::App* dump = with_id("dump", "The Python tracker's debug dump as JSON: event_id, parents, "
                                     "children, ancestors, descendants, metadata");
    add_format_option(*dump, o, "json, the only format of a dump");
    add_stats_option(*dump, o);
    add_redis_access(*dump, o, flags);

    CLI::App* link =
        cli.add_subcommand("link", "Record PARENT -> CHILD by hand, keeping the child's other "
                                   "parents");
    link->add_option("PARENT", o.parent, "The causing event")->required();
    link->add_option("CHILD", o.child, "The caused event")->required();
    link->add_option("--reason", o.reason, "Stored as the link's metadata.reason")
        ->type_name("TEXT");
    add_stats_option(*link, o);
    add_redis_access(*link, o, flags);

    CLI::App* serve = cli.add_subcommand("serve", "Serve the debug HTTP API (GET /healthz, "
                                                  "/debug/correlation/{id}, "
                                                  "/debug/correlation/{id}/chain) and a web "
                                                  "page to look at chains (GET /)");
    bb::app::add_http_options(*serve, flags);
    auto* token = serve
                      ->add_option("--token", o.token,
                                   "Require this token: Authorization: Bearer TOKEN, or open "
                                   "the address printed once (a cookie keeps it)")
                      ->type_name("TOKEN")
                      ->group("HTTP API");
    serve->add_option("--token-file", o.token_file, "Read the --token from this file")
        ->type_name("PATH")
        ->group("HTTP API")
        ->excludes(token);
    serve
        ->add_flag("--follow", o.follow,
                   "Live view on from the start: the page adds each new descendant of the chain "
                   "it shows as it is published (read from the bus: RABBIT_URL, EXCHANGE_NAME); "
                   "without it, the page's Live switch starts it")
        ->group("HTTP API");
    add_walk_options(*serve, o);
    add_redis_access(*serve, o, flags);

    CLI::App* browse = cli.add_subcommand(
        "browse", "Browse the ancestors and descendants of the event full-screen, loading a "
                  "level as it is opened; y prints the selected id on stdout at exit");
    browse->add_option("ID", o.id, "Event id")->required();
    browse
        ->add_option("--max-nodes", o.max_nodes,
                     "Events read per level opened; more are cut and the status line says so "
                     "(default 10000)")
        ->type_name("N")
        ->check(CLI::Range(1, 100000000))
        ->group("Trace");
    add_redis_access(*browse, o, flags);
    cli.require_subcommand(0, 1);
}

// Edits (insertions, deletions, substitutions, swaps of neighbours) from a to b.
std::size_t edit_distance(std::string_view a, std::string_view b) {
    std::vector<std::vector<std::size_t>> d(a.size() + 1, std::vector<std::size_t>(b.size() + 1));
    for (std::size_t i = 0; i <= a.size(); ++i)
        d[i][0] = i;
    for (std::size_t j = 0; j <= b.size(); ++j)
        d[0][j] = j;
    for (std::size_t i = 1; i <= a.size(); ++i)
        for (std::size_t j = 1; j <= b.size(); ++j) {
            std::size_t change = d[i - 1][j - 1] + (a[i - 1] == b[j - 1] ? 0 : 1);
            d[i][j] = std::min({d[i - 1][j] + 1, d[i][j - 1] + 1, change});
            if (i > 1 && j > 1 && a[i - 1] == b[j - 2] && a[i - 2] == b[j - 1])
                d[i][j] = std::min(d[i][j], d[i - 2][j - 2] + 1);
        }
    return d[a.size()][b.size()];
}

// A misspelt subcommand lands in the main command's ID; left alone it would
// be refused as a malformed id, or its own ID as an extra word.
std::string misspelt_subcommand(const CLI::App& cli, std::string word) {
    std::transform(word.begin(), word.end(), word.begin(),
                   [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
    for (const CLI::App* sub : cli.get_subcommands({}))
        if (std::size_t distance = edit_distance(word, sub->get_name());
            distance <= (sub->get_name().size() > 4 ? 2u : 1u))
            return fmt::format("\"{}\" is not a subcommand: did you mean {}?", word,
                               sub->get_name());
    return "";
}

} // namespace

void declare(CLI::App& cli, Options& o, bb::app::ConnectionFlags& flags) {
    cli.description(description);
    bb::app::usage(
        cli, "Usage: bb-trace [OPTIONS] ID\n"
             "       bb-trace [OPTIONS] parents|children|ancestors|descendants|dump ID\n"
             "       bb-trace [OPTIONS] link PARENT CHILD [--reason TEXT]\n"
             "       bb-trace [OPTIONS] serve [--http-host ADDR] [--http-port PORT]\n"
             "                                [--token TOKEN | --token-file PATH] [--follow]\n"
             "       bb-trace [OPTIONS] browse ID");
    cli.add_option("ID", o.id, id_help)
        ->check(CLI::Validator(
            [&cli](const std::string& word) { return misspelt_subcommand(cli, word); }, ""));
    add_walk_options(cli, o);
    add_graph_output_options(cli, o);
    add_follow_option(cli, o);
    add_from_stream_options(cli, o);
    add_stats_option(cli, o);
    add_redis_access(cli, o, flags);
    declare_commands(cli, o, flags);
}

void settle(const CLI::App& cli, Options& o) {
    const std::pair<const char*, Command> commands[] = {
        {"parents", Command::parents},     {"children", Command::children},
        {"ancestors", Command::ancestors}, {"descendants", Command::descendants},
        {"dump", Command::dump},           {"link", Command::link},
        {"serve", Command::serve},         {"browse", Command::browse},
    };
    o.command = Command::around;
    for (const auto& [name, command] : commands)
        if (cli.get_subcommand(name)->parsed())
            o.command = command;
    o.reason_given = cli.get_subcommand("link")->get_option("--reason")->count() > 0;
    // A word left over after a subcommand's own comes back to the main
    // command, whose ID it would silently take.
    if (o.command != Command::around) {
        if (auto extra = cli.get_option("ID")->results(); !extra.empty())
            throw CLI::ExtrasError(extra);
    }
}

} // namespace bbtrace
