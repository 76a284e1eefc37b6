// --show-config keeps one line per setting and its columns whatever the
// values hold: control characters and line breaks are shown escaped.
#include "bloodbank/config.hpp"

#include <doctest/doctest.h>

#include <map>
#include <optional>
#include <sstream>
#include <string>
#include <vector>

namespace {

std::vector<std::string> lines_of(const std::string& text) {
    std::vector<std::string> lines;
    std::istringstream in(text);
    for (std::string line; std::getline(in, line);)
        lines.push_back(line);
    return lines;
}

} // namespace

TEST_CASE("show-config: a multi-line value stays on its line, escaped, in the columns") {
    std::map<std::string, std::string> env = {
        {"SERVICE_NAME", "bb\nFAKE_SETTING=1"},
        {"ENVIRONMENT", "prod\x1b[31m\r\t"},
    };
    bb::ConfigSources sources;
    sources.dotenv_path = "";
    sources.getenv = [&env](const std::string& name) -> std::optional<std::string> {
        auto found = env.find(name);
        return found == env.end() ? std::nullopt : std::optional(found->second);
    };
    auto config = bb::Config::load(sources);
    REQUIRE(config.has_value());
    std::vector<std::string> lines = lines_of(config->show());
    CHECK(lines.size() == bb::Config::names().size());

    bool service = false, environment = false;
    std::size_t origin_column = std::string::npos;
    for (const std::string& line : lines) {
        CHECK(line.find('\x1b') == std::string::npos);
        CHECK(line.find('\r') == std::string::npos);
        CHECK(line.find('\t') == std::string::npos);
        std::size_t column = line.rfind("  (");
        REQUIRE(column != std::string::npos);
        if (origin_column == std::string::npos)
            origin_column = column;
        CHECK(column == origin_column);
        if (line.starts_with("SERVICE_NAME="))
            service = line.starts_with("SERVICE_NAME=bb\\nFAKE_SETTING=1 ");
        if (line.starts_with("ENVIRONMENT="))
            environment = line.starts_with("ENVIRONMENT=prod\\x1b[31m\\r\\t ");
    }
    CHECK(service);
    CHECK(environment);
}
