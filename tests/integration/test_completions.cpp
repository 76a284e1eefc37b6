// The shell completions of completions/: bash's are run for real (sourced in
// a bash without startup files, with the built binaries on PATH) and must
// offer what the binaries accept, event types read from the catalog
// included; both shells' files must know every option of every --help, so
// they cannot drift from the binaries. No services needed.
#include "support/help_options.hpp"
#include "support/process.hpp"

#include <doctest/doctest.h>

#include <filesystem>
#include <fstream>
#include <iterator>
#include <regex>
#include <set>
#include <sstream>
#include <string>
#include <vector>

namespace {

const std::vector<std::string> trace_subcommands = {
    "parents", "children", "ancestors", "descendants", "dump", "link", "serve", "browse"};

std::string completion_file(const std::string& relative) {
    return std::string(BB_SOURCE_DIR) + "/completions/" + relative;
}

std::string read_file(const std::string& path) {
    std::ifstream in(path);
    REQUIRE_MESSAGE(in.good(), path << " cannot be read");
    return {std::istreambuf_iterator<char>(in), {}};
}

// COMPREPLY after bash-completing the last of `words` with the function that
// completions/bash/<program> registers for <program>.
std::set<std::string> complete(const std::string& program, const std::vector<std::string>& words,
                               const std::string& cwd = "") {
    const std::string script = R"(
source "$1" || exit 90
spec=$(complete -p "$2") || exit 91
function=${spec#*-F }
function=${function%% *}
shift 2
COMP_WORDS=("$@")
COMP_CWORD=$((${#COMP_WORDS[@]} - 1))
COMP_LINE="${COMP_WORDS[*]}"
COMP_POINT=${#COMP_LINE}
COMPREPLY=()
"$function"
for word in "${COMPREPLY[@]}"; do printf '%s\n' "$word"; done
)";
    std::vector<std::string> argv = {"/bin/bash",
                                     "--norc",
                                     "--noprofile",
                                     "-c",
                                     script,
                                     "bash",
                                     completion_file("bash/" + program),
                                     program};
    argv.insert(argv.end(), words.begin(), words.end());
    bbtest::RunOptions options;
    options.env["PATH"] = std::string(BB_BIN_DIR) + ":/usr/bin:/bin";
    if (!cwd.empty())
        options.cwd = cwd;
    auto r = bbtest::run(argv, options);
    INFO("bash: " << r.err);
    REQUIRE(r.status == 0);
    CHECK(r.err.empty());
    std::set<std::string> replies;
    std::istringstream in(r.out);
    for (std::string line; std::getline(in, line);)
        replies.insert(line);
    return replies;
}

using Set = std::set<std::string>;

bool mentions(const std::string& text, const std::string& option) {
    std::regex word("(^|[^A-Za-z0-9_-])" + option + "([^A-Za-z0-9_-]|$)");
    return std::regex_search(text, word);
}

void check_knows_every_option(const std::string& file, const std::set<std::string>& options) {
    std::string text = read_file(completion_file(file));
    CHECK(options.size() >= 3);
    for (const auto& option : options)
        CHECK_MESSAGE(mentions(text, option),
                      option << " is in --help but not in completions/" << file);
}

} // namespace

TEST_CASE("completions: bash completes bb-publish's options and their values") {
    CHECK(complete("bb-publish", {"bb-publish", "--ty"}) == Set{"--type"});
    CHECK(complete("bb-publish", {"bb-publish", "--no-"}) ==
          Set{"--no-declare", "--no-track", "--no-validate"});
    CHECK(complete("bb-publish", {"bb-publish", "--source-type", "sch"}) == Set{"scheduled"});
    CHECK(complete("bb-publish", {"bb-publish", "--source-type", ""}) ==
          Set{"manual", "agent", "scheduled", "file_watch", "hook"});
    CHECK(complete("bb-publish", {"bb-publish", "--output", "j"}) == Set{"json"});
    CHECK(complete("bb-publish", {"bb-publish", "--parent", ""}).empty());
}

TEST_CASE("completions: bash completes event types from the catalog") {
    CHECK(complete("bb-publish", {"bb-publish", "--type", "fireflies.transcript.u"}) ==
          Set{"fireflies.transcript.upload"});
    CHECK(complete("bb-publish", {"bb-publish", "--type", "=", "fireflies.transcript.u"}) ==
          Set{"fireflies.transcript.upload"});
    CHECK(complete("bb-publish", {"bb-publish", "--schema", "llm.p"}) == Set{"llm.prompt"});
    // Aliases are types too (schemas/payload/llm.*.json).
    CHECK(complete("bb-publish", {"bb-publish", "--type", "agent.thread."}) ==
          Set{"agent.thread.error", "agent.thread.prompt", "agent.thread.response"});
    CHECK(complete("bb-publish", {"bb-publish", "--type", "artifact."}) ==
          Set{"artifact.created", "artifact.deleted", "artifact.updated",
              "artifact.ingestion.failed"});

    CHECK(complete("bb-id", {"bb-id", "fireflies.transcript.u"}) ==
          Set{"fireflies.transcript.upload"});
    CHECK(complete("bb-id", {"bb-id", "--namespace", "ns", "llm.e"}) == Set{"llm.error"});
    // The second positional is a free key.
    CHECK(complete("bb-id", {"bb-id", "llm.error", "l"}).empty());
    CHECK(complete("bb-id", {"bb-id", "--ra"}) == Set{"--random"});
}

TEST_CASE("completions: bash completes bb-consume's options, patterns and command") {
    CHECK(complete("bb-consume", {"bb-consume", "--format", "d"}) == Set{"delivery"});
    CHECK(complete("bb-consume", {"bb-consume", "--format", ""}) == Set{"body", "delivery"});
    CHECK(complete("bb-consume", {"bb-consume", "--dead"}) == Set{"--dead-letter"});
    CHECK(complete("bb-consume", {"bb-consume", "--queue", ""}).empty());
    // A pattern may be an event type as it is.
    CHECK(complete("bb-consume", {"bb-consume", "fireflies.transcript.u"}) ==
          Set{"fireflies.transcript.upload"});
    // After --exec or --, the rest of the line is the command: no options of bb-consume.
    CHECK(complete("bb-consume", {"bb-consume", "--exec", "bb-pub"}) == Set{"bb-publish"});
    CHECK(complete("bb-consume", {"bb-consume", "--", "bb-pub"}) == Set{"bb-publish"});
    CHECK(complete("bb-consume", {"bb-consume", "--exec", "bb-id", "--dead"}).empty());
}

TEST_CASE("completions: bash completes file names for --file and --env-file") {
    std::string dir = bbtest::make_temp_dir();
    std::ofstream(dir + "/events.ndjson") << "{}\n";
    std::ofstream(dir + "/other.txt") << "\n";
    CHECK(complete("bb-publish", {"bb-publish", "--file", "ev"}, dir) == Set{"events.ndjson"});
    CHECK(complete("bb-publish", {"bb-publish", "--env-file", "oth"}, dir) == Set{"other.txt"});
    CHECK(complete("bb-id", {"bb-id", "--batch", "--file", "ev"}, dir) == Set{"events.ndjson"});
    CHECK(complete("bb-trace", {"bb-trace", "--env-file", "ev"}, dir) == Set{"events.ndjson"});
    CHECK(complete("bb-consume", {"bb-consume", "--env-file", "ev"}, dir) == Set{"events.ndjson"});
    CHECK(complete("bb-consume", {"bb-consume", "--exec", "cat", "ev"}, dir) ==
          Set{"events.ndjson"});
    std::filesystem::remove_all(dir);
}

TEST_CASE("completions: bash completes bb-trace's subcommands and options") {
    CHECK(complete("bb-trace", {"bb-trace", "des"}) == Set{"descendants"});
    CHECK(complete("bb-trace", {"bb-trace", ""}) ==
          Set{trace_subcommands.begin(), trace_subcommands.end()});
    CHECK(complete("bb-trace", {"bb-trace", "--depth", "3", "an"}) == Set{"ancestors"});
    CHECK(complete("bb-trace", {"bb-trace", "--format", "m"}) == Set{"mermaid"});
    CHECK(complete("bb-trace", {"bb-trace", "--format", ""}) ==
          Set{"tree", "json", "ids", "dot", "mermaid"});
    CHECK(complete("bb-trace", {"bb-trace", "--color", "a"}) == Set{"auto", "always"});
    CHECK(complete("bb-trace", {"bb-trace", "link", "--rea"}) == Set{"--reason"});
    CHECK(complete("bb-trace", {"bb-trace", "serve", "--http-p"}) == Set{"--http-port"});
    CHECK(complete("bb-trace", {"bb-trace", "parents", "--http"}).empty());
    // Each subcommand offers what it takes: link no walk limits, a listing
    // no --reason.
    CHECK(complete("bb-trace", {"bb-trace", "link", "--dep"}).empty());
    CHECK(complete("bb-trace", {"bb-trace", "descendants", "--rea"}).empty());
    CHECK(complete("bb-trace", {"bb-trace", "descendants", "--dep"}) == Set{"--depth"});
    CHECK(complete("bb-trace", {"bb-trace", "browse", "--max"}) == Set{"--max-nodes"});
    CHECK(complete("bb-trace", {"bb-trace", "browse", "--dep"}).empty());
    CHECK(complete("bb-trace", {"bb-trace", "browse", "--for"}).empty());
    // After the subcommand comes an event id: nothing to offer.
    CHECK(complete("bb-trace", {"bb-trace", "descendants", ""}).empty());
}

TEST_CASE("completions: the bash files know every option of every --help") {
    check_knows_every_option("bash/bb-id", bbtest::all_listed_options("bb-id"));
    check_knows_every_option("bash/bb-publish", bbtest::all_listed_options("bb-publish"));
    check_knows_every_option("bash/bb-consume", bbtest::all_listed_options("bb-consume"));
    check_knows_every_option("bash/bb-trace",
                             bbtest::all_listed_options("bb-trace", trace_subcommands));
}

TEST_CASE("completions: the zsh files know every option of every --help and parse") {
    check_knows_every_option("zsh/_bb-id", bbtest::all_listed_options("bb-id"));
    check_knows_every_option("zsh/_bb-publish", bbtest::all_listed_options("bb-publish"));
    check_knows_every_option("zsh/_bb-consume", bbtest::all_listed_options("bb-consume"));
    check_knows_every_option("zsh/_bb-trace",
                             bbtest::all_listed_options("bb-trace", trace_subcommands));
    for (const char* name : {"_bb-id", "_bb-publish", "_bb-trace", "_bb-consume"}) {
        std::string text = read_file(completion_file(std::string("zsh/") + name));
        CHECK_MESSAGE(text.rfind(std::string("#compdef ") + (name + 1) + "\n", 0) == 0, name);
    }
    // scripts/setup.sh installs zsh; where it is missing, the syntax check is
    // all that cannot run.
    if (!std::filesystem::exists("/usr/bin/zsh")) {
        MESSAGE("zsh is not installed: the zsh files were not parsed");
        return;
    }
    for (const char* name : {"_bb-id", "_bb-publish", "_bb-trace", "_bb-consume"}) {
        auto r = bbtest::run({"/usr/bin/zsh", "-n", completion_file(std::string("zsh/") + name)});
        CHECK_MESSAGE(r.status == 0, name << ": " << r.err);
    }
}
