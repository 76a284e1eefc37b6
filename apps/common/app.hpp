// What every bloodbank binary shares at its outermost layer: the --version
// text, CLI11 parse-error handling (usage errors exit 64) and the single place
// that turns a bb::Error into "program: message" on stderr and an exit code.
#pragma once

#include "bloodbank/error.hpp"

#include <functional>
#include <initializer_list>
#include <string>
#include <string_view>

// Only a reference here: each file that includes CLI11 constructs its own
// copy of CLI11's validators at start-up (and includes <iostream>), so the
// files that merely report errors do not.
namespace CLI {
class App;
} // namespace CLI

namespace bb::app {

// "bb-id (bloodbank) 0.1.0"
std::string version_text(std::string_view program);

// Whether an app reads the settings of bloodbank(7) (environment, .env):
// its --help footer must not send a reader there for settings it ignores.
enum class Settings { read, none };

// The --help footer: "Exit status: 0 ok, 64 usage, ..." listing the statuses
// of `exits` (what the app can return), from the table of error kinds, then
// where the environment is documented, or that the app reads none.
std::string help_footer(std::initializer_list<ErrorKind> exits, Settings settings = Settings::read);

// Sets the help footer for `exits` and the --version flag, and a help
// formatter that shows each section() as its options' groups.
void init(CLI::App& cli, std::string_view program, std::initializer_list<ErrorKind> exits,
          Settings settings = Settings::read);

// Replaces the "Usage:" line of the app's --help (after init()), for an app
// whose forms CLI11's single line would misstate.
void usage(CLI::App& cli, std::string_view lines);

// A section of the app's options (a CLI11 option group): the options added
// to it are listed in --help under `name`. CLI11 checks every new option's names
// against every option of its app, so options spread over sections cost a
// fraction of the startup time of options in one app.
CLI::App& section(CLI::App& cli, const std::string& name);

// Prints "program: message" to stderr.
void report(std::string_view program, std::string_view message);
// Reports the error and returns its exit code.
int fail(std::string_view program, const Error& error);

// Parses argv with cli, then runs body. --help and --version exit 0, a
// parse error exits 64 with a hint, an escaped exception exits 70. The body's
// return value is the process exit status.
int run(CLI::App& cli, std::string_view program, int argc, char** argv,
        const std::function<int()>& body);

} // namespace bb::app
