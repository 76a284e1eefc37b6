// bb-trace's command line: every option and subcommand declared once, and
// what was asked for once parsing is done.
#pragma once

#include "common/connection_options.hpp"

#include <CLI/CLI.hpp>

#include <cstddef>
#include <string>
#include <string_view>

namespace bbtrace {

inline constexpr std::string_view program = "bb-trace";

enum class Command { around, parents, children, ancestors, descendants, dump, link, serve, browse };

struct Options {
    Command command = Command::around;
    std::string id, parent, child, reason;
    bool reason_given = false;
    int depth = 100;
    long long max_nodes = 0; // 0: no limit; signed: a negative value is refused, not wrapped
    std::string format;      // empty: the command's default
    std::string color = "auto";
    bool no_pager = false;
    bool links = false;
    int width = -1; // --width; -1: the terminal's
    bool stats = false;
    bool follow = false;       // --follow: keep adding new descendants from the bus
    std::string from_stream;   // --from-stream: the envelopes of the chain from this stream
    double idle_timeout = 2.0; // --from-stream: seconds of quiet taken as the stream's end
    double timeout = 5.0;
    std::string token, token_file; // serve: the access token, or the file holding it
};

// Declares the options on cli; CLI11 writes into o and flags while parsing,
// so both must outlive it.
void declare(CLI::App& cli, Options& o, bb::app::ConnectionFlags& flags);

// After parsing: which command was given, and whether --reason was. Throws
// CLI::ExtrasError for words after a subcommand's own.
void settle(const CLI::App& cli, Options& o);

} // namespace bbtrace
