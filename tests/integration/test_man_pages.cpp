// Help and man pages as a contract: every long option a binary's --help lists
// is documented in its man page, and every option the man page's OPTIONS
// sections document exists in some --help of that binary. bloodbank(7)
// documents every shared connection option. No services needed.
#include "support/help_options.hpp"

#include <doctest/doctest.h>

#include <fstream>
#include <iterator>
#include <regex>
#include <set>
#include <sstream>
#include <string>
#include <vector>

namespace {

std::string read_source_file(const std::string& relative) {
    std::ifstream in(std::string(BB_SOURCE_DIR) + "/" + relative);
    REQUIRE_MESSAGE(in.good(), relative << " cannot be read");
    return {std::istreambuf_iterator<char>(in), {}};
}

// roff writes a hyphen as "\-"; plain text is easier to search.
std::string unescape_hyphens(const std::string& roff) {
    std::string text;
    for (std::size_t i = 0; i < roff.size(); ++i) {
        if (roff[i] == '\\' && i + 1 < roff.size() && roff[i + 1] == '-')
            continue;
        text += roff[i];
    }
    return text;
}

std::set<std::string> long_options_in(const std::string& text) {
    static const std::regex option(R"((?:^|[^A-Za-z0-9-])(--[a-z][a-z0-9-]*))");
    std::set<std::string> options;
    for (auto it = std::sregex_iterator(text.begin(), text.end(), option);
         it != std::sregex_iterator(); ++it)
        options.insert((*it)[1]);
    return options;
}

// The options a man page documents: the tag line after each .TP in a section
// whose name ends in OPTIONS (with its .SS subsections).
std::set<std::string> documented_options(const std::string& man) {
    std::set<std::string> options;
    std::istringstream in(unescape_hyphens(man));
    bool in_options = false;
    bool tag_next = false;
    for (std::string line; std::getline(in, line);) {
        if (line.rfind(".SH ", 0) == 0) {
            in_options = line.size() >= 7 && line.compare(line.size() - 7, 7, "OPTIONS") == 0;
            continue;
        }
        if (in_options && tag_next)
            for (const auto& name : long_options_in(line))
                options.insert(name);
        tag_next = line.rfind(".TP", 0) == 0;
    }
    return options;
}

// Checks both directions for one binary, whose interface is its --help and
// its subcommands'.
void check_man_page(const std::string& program, const std::vector<std::string>& subcommands,
                    const std::string& page) {
    std::set<std::string> in_help = bbtest::all_listed_options(program, subcommands);
    std::string man = read_source_file("man/" + page);
    std::set<std::string> in_man = long_options_in(unescape_hyphens(man));
    std::set<std::string> documented = documented_options(man);
    CHECK(in_help.count("--help") == 1);
    CHECK(documented.size() >= 5);
    for (const auto& name : in_help)
        CHECK_MESSAGE(documented.count(name) == 1,
                      name << " is in " << program << " --help but not documented in man/" << page);
    for (const auto& name : documented)
        CHECK_MESSAGE(in_help.count(name) == 1, name << " is documented in man/" << page
                                                     << " but is in no " << program << " --help");
    CHECK(in_man.size() >= documented.size());
}

} // namespace

TEST_CASE("man pages: bb-id --help and man/bb-id.1 name the same options") {
    check_man_page("bb-id", {}, "bb-id.1");
}

TEST_CASE("man pages: bb-publish --help and man/bb-publish.1 name the same options") {
    check_man_page("bb-publish", {}, "bb-publish.1");
}

TEST_CASE("man pages: bb-consume --help and man/bb-consume.1 name the same options") {
    check_man_page("bb-consume", {}, "bb-consume.1");
}

TEST_CASE("man pages: bb-trace and its subcommands' --help and man/bb-trace.1 name the same "
          "options") {
    check_man_page("bb-trace",
                   {"parents", "children", "ancestors", "descendants", "dump", "link", "serve"},
                   "bb-trace.1");
}

TEST_CASE("man pages: bloodbank.7 documents every shared connection option") {
    // The options are read from their one definition, so a new one cannot be missed.
    std::string code = read_source_file("apps/common/connection_options.cpp");
    static const std::regex literal(R"rx("(--[a-z][a-z0-9-]*)")rx");
    std::set<std::string> shared;
    for (auto it = std::sregex_iterator(code.begin(), code.end(), literal);
         it != std::sregex_iterator(); ++it)
        shared.insert((*it)[1]);
    // The list as written in the issue, so that the extraction itself is checked.
    for (const char* name :
         {"--url", "--exchange", "--redis-url", "--redis-host", "--redis-port", "--redis-db",
          "--ttl-days", "--env-file", "--show-config", "--http-host", "--http-port"})
        CHECK_MESSAGE(shared.count(name) == 1, name << " not found in connection_options.cpp");
    std::set<std::string> documented = documented_options(read_source_file("man/bloodbank.7"));
    for (const auto& name : shared)
        CHECK_MESSAGE(documented.count(name) == 1, name << " is not documented in bloodbank.7");
}

TEST_CASE("man pages: the OPTIONS reader finds tags, not mentions") {
    std::string man = ".SH DESCRIPTION\n.TP\n.B \\-\\-nowhere\n.SH OPTIONS\n.SS Input\n.TP\n"
                      ".BI \\-\\-id\\-key \" K=V\"\nas\n.B bb-id \\-\\-field\n.TP\n"
                      ".BR \\-h \", \" \\-\\-help\n.SH EXIT STATUS\n.TP\n.B \\-\\-later\n";
    CHECK(documented_options(man) == std::set<std::string>{"--help", "--id-key"});
    CHECK(bbtest::listed_options("Usage: x [OPTIONS]\n  -f,--field K=V  uses --other\n  --depth N\n"
                                 "text --not-listed\n") ==
          std::set<std::string>{"--depth", "--field"});
}
