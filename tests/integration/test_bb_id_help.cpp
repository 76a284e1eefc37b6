// bb-id's --help footer against what bb-id does: the exit statuses its man
// page documents, and no pointer to settings it never reads (bb-id takes no
// broker, no Redis, no environment and no .env file).
#include "support/help_options.hpp"

#include <doctest/doctest.h>

#include <fstream>
#include <iterator>
#include <regex>
#include <set>
#include <string>

namespace {

// The numbers of a footer line "Exit status: 0 ok, 64 usage, ...".
std::set<int> footer_statuses(const std::string& help) {
    auto start = help.find("Exit status:");
    REQUIRE(start != std::string::npos);
    std::string line = help.substr(start, help.find('\n', start) - start);
    static const std::regex number(R"((\d+) )");
    std::set<int> statuses;
    for (auto it = std::sregex_iterator(line.begin(), line.end(), number);
         it != std::sregex_iterator(); ++it)
        statuses.insert(std::stoi((*it)[1]));
    return statuses;
}

// The ".B N" tags of the man page's EXIT STATUS section that bb-id returns
// itself (a status above 128 is a signal's, not a return value).
std::set<int> man_statuses(const std::string& man) {
    auto start = man.find(".SH EXIT STATUS");
    REQUIRE(start != std::string::npos);
    std::string section = man.substr(start, man.find(".SH ", start + 1) - start);
    static const std::regex tag(R"(\.TP\n\.B (\d+)\n)");
    std::set<int> statuses;
    for (auto it = std::sregex_iterator(section.begin(), section.end(), tag);
         it != std::sregex_iterator(); ++it)
        if (int status = std::stoi((*it)[1]); status < 128)
            statuses.insert(status);
    return statuses;
}

} // namespace

TEST_CASE("bb-id: the --help footer lists the man page's exit statuses and no environment") {
    std::string help = bbtest::help_of("bb-id");
    std::ifstream in(std::string(BB_SOURCE_DIR) + "/man/bb-id.1");
    REQUIRE(in.good());
    std::string man{std::istreambuf_iterator<char>(in), {}};

    CHECK(footer_statuses(help) == man_statuses(man));
    // What a connection or Redis would add; bb-id makes ids offline.
    for (int status : {66, 69, 75, 79})
        CHECK_MESSAGE(footer_statuses(help).count(status) == 0, status);
    // bb-id reads none of bloodbank(7)'s settings, so its help must not send
    // the reader there for them.
    CHECK(help.find("environment and the .env file") == std::string::npos);
    CHECK(help.find("No environment variable and no .env file is read.") != std::string::npos);
}
