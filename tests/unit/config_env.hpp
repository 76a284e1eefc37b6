// The Config of given environment variables (no .env), and a Redis URL read
// or refused, for the tests of the settings and URL forms.
#pragma once

#include "bloodbank/config.hpp"

#include <doctest/doctest.h>

#include <map>
#include <optional>
#include <string>

namespace configtest {

inline bb::Config config_with(std::map<std::string, std::string> env) {
    bb::ConfigSources sources;
    sources.dotenv_path = "";
    sources.getenv = [env = std::move(env)](const std::string& name) -> std::optional<std::string> {
        auto found = env.find(name);
        return found == env.end() ? std::nullopt : std::optional(found->second);
    };
    auto config = bb::Config::load(sources);
    REQUIRE(config.has_value());
    return *config;
}

inline bb::RedisTarget redis_target(std::string_view url) {
    auto parsed = bb::parse_redis_url(url);
    REQUIRE_MESSAGE(parsed.has_value(), (parsed ? "" : parsed.error().message));
    return *parsed;
}

// The usage error of a URL that must be refused.
inline std::string url_problem(std::string_view url) {
    auto parsed = bb::parse_redis_url(url);
    REQUIRE_FALSE(parsed.has_value());
    CHECK(parsed.error().kind == bb::ErrorKind::usage);
    return parsed.error().message;
}

} // namespace configtest
