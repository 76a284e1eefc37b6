#include "support/help_options.hpp"

#include "support/process.hpp"

#include <doctest/doctest.h>

#include <regex>
#include <sstream>

namespace bbtest {

std::string help_of(const std::string& program, std::vector<std::string> args) {
    args.insert(args.begin(), binary(program));
    args.push_back("--help");
    auto r = run(args);
    REQUIRE_MESSAGE(r.status == 0, program << " --help exited " << r.status << ": " << r.err);
    return r.out;
}

std::set<std::string> listed_options(const std::string& help) {
    static const std::regex line(R"(^\s+(?:-[A-Za-z],)?(--[a-z][a-z0-9-]*))");
    std::set<std::string> options;
    std::istringstream in(help);
    for (std::string text; std::getline(in, text);) {
        std::smatch m;
        if (std::regex_search(text, m, line))
            options.insert(m[1]);
    }
    return options;
}

std::set<std::string> all_listed_options(const std::string& program,
                                         const std::vector<std::string>& subcommands) {
    std::set<std::string> options = listed_options(help_of(program));
    for (const auto& sub : subcommands)
        options.merge(listed_options(help_of(program, {sub})));
    return options;
}

} // namespace bbtest
