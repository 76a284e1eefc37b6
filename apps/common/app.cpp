#include "common/app.hpp"

#include <CLI/CLI.hpp>
#include <fmt/format.h>

#include <algorithm>
#include <cstdio>
#include <exception>
#include <memory>

namespace bb::app {
namespace {

// CLI11 prints an option group as "[Option Group: NAME]" over an indented
// "Options:" list; a section reads like any other group of options instead.
class SectionFormatter : public CLI::Formatter {
public:
    std::string make_expanded(const CLI::App* sub) const override {
        if (sub->get_name().empty())
            return make_groups(sub, CLI::AppFormatMode::Normal);
        return CLI::Formatter::make_expanded(sub);
    }
    // The top app's usage, when CLI11's one line cannot say it.
    std::string make_usage(const CLI::App* app, std::string name) const override {
        if (app->get_parent() == nullptr && !usage.empty())
            return usage;
        return CLI::Formatter::make_usage(app, std::move(name));
    }
    std::string usage;
};

} // namespace

std::string version_text(std::string_view program) {
    return fmt::format("{} (bloodbank) {}", program, BB_VERSION);
}

std::string help_footer(std::initializer_list<ErrorKind> exits, Settings settings) {
    std::string statuses = "0 ok";
    for (const ErrorKindInfo& kind : error_kinds())
        if (std::find(exits.begin(), exits.end(), kind.kind) != exits.end())
            statuses += fmt::format(", {} {}", kind.exit_code, kind.meaning);
    std::string_view environment = settings == Settings::read
                                       ? "See bloodbank(7) for the environment and the .env file."
                                       : "No environment variable and no .env file is read.";
    return fmt::format("Exit status: {}.\n{}", statuses, environment);
}

void init(CLI::App& cli, std::string_view program, std::initializer_list<ErrorKind> exits,
          Settings settings) {
    cli.formatter(std::make_shared<SectionFormatter>());
    cli.set_version_flag("--version", version_text(program), "Print the version and exit");
    cli.footer(help_footer(exits, settings));
}

void usage(CLI::App& cli, std::string_view lines) {
    auto formatter = std::dynamic_pointer_cast<SectionFormatter>(cli.get_formatter());
    if (formatter)
        formatter->usage = fmt::format("{}\n", lines);
}

CLI::App& section(CLI::App& cli, const std::string& name) {
    CLI::App& group = *cli.add_option_group(name);
    group.set_help_flag();                // an option group copies its app's --help otherwise
    group.option_defaults()->group(name); // its options are listed under `name`
    return group;
}

void report(std::string_view program, std::string_view message) {
    fmt::print(stderr, "{}: {}\n", program, message);
}

int fail(std::string_view program, const Error& error) {
    report(program, error.message);
    return exit_code(error.kind);
}

int run(CLI::App& cli, std::string_view program, int argc, char** argv,
        const std::function<int()>& body) {
    try {
        cli.parse(argc, argv);
    } catch (const CLI::CallForHelp& e) {
        return cli.exit(e);
    } catch (const CLI::CallForAllHelp& e) {
        return cli.exit(e);
    } catch (const CLI::CallForVersion& e) {
        return cli.exit(e);
    } catch (const CLI::ParseError& e) {
        report(program, fmt::format("{} (see {} --help)", e.what(), program));
        return exit_code(ErrorKind::usage);
    }
    try {
        return body();
    } catch (const std::exception& e) {
        report(program, fmt::format("internal error: {}", e.what()));
        return exit_code(ErrorKind::internal);
    }
}

} // namespace bb::app
