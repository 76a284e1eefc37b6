// Fuzz target: the configuration parsers, on arbitrary text read as a .env
// file and as (a list of) URLs, and on every value the .env file yields.
// Invariants:
//  - parse_dotenv either yields entries with non-empty keys and line numbers
//    within the file, in order, or fails with ErrorKind::usage and a message
//    "fuzz.env:<line>: ..." naming a line of the file;
//  - a password that parse_amqp_url or parse_redis_url finds in a URL never
//    appears in redact_url's output, and redacted() does not depend on it;
//  - URL errors are ErrorKind::usage.
#include "fuzz_check.hpp"

#include "bloodbank/config.hpp"
#include "bloodbank/dotenv.hpp"

#include <fmt/format.h>

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace {

using bb_fuzz::check;

std::size_t count(std::string_view haystack, std::string_view needle) {
    std::size_t n = 0;
    for (std::size_t at = haystack.find(needle); at != std::string_view::npos;
         at = haystack.find(needle, at + 1))
        ++n;
    return n;
}

// Whether `password` can be told apart in what is printed for `text`: it was
// written out literally (no percent-escapes, not the "guest" default), occurs
// once, and holds no '*' (so it cannot overlap the "***" put in its place).
// Then any copy of it in the output is the password itself.
bool is_telltale(std::string_view password, std::string_view text) {
    return password.size() >= 3 && password != "guest" &&
           password.find('*') == std::string_view::npos &&
           text.find('%') == std::string_view::npos && count(text, password) == 1;
}

void check_url_error(const bb::Error& error) {
    check(error.kind == bb::ErrorKind::usage, "a URL error is not ErrorKind::usage", error.message);
}

void check_amqp(std::string_view item, std::string_view whole, const std::string& redacted) {
    auto url = bb::parse_amqp_url(item);
    if (!url) {
        check_url_error(url.error());
        return;
    }
    if (is_telltale(url->password, whole))
        check(redacted.find(url->password) == std::string::npos,
              "redact_url leaks the AMQP password", redacted);
    bb::AmqpUrl other = *url;
    other.password = url->password + "-other";
    check(other.redacted() == url->redacted(), "AmqpUrl::redacted() depends on the password");
}

void check_redis(std::string_view item, std::string_view whole, const std::string& redacted) {
    auto target = bb::parse_redis_url(item);
    if (!target) {
        check_url_error(target.error());
        return;
    }
    if (is_telltale(target->password, whole))
        check(redacted.find(target->password) == std::string::npos,
              "redact_url leaks the Redis password", redacted);
    bb::RedisTarget other = *target;
    other.password = target->password + "-other";
    check(other.redacted() == target->redacted(),
          "RedisTarget::redacted() depends on the password");
}

void check_urls(std::string_view text) {
    std::string redacted = bb::redact_url(text);
    check(bb::redact_url(redacted) == redacted, "redact_url is not idempotent", redacted);
    for (std::string_view item : bb::split_url_list(text)) {
        check(item.data() >= text.data() && item.data() + item.size() <= text.data() + text.size(),
              "split_url_list returned text outside its input");
        check_amqp(item, text, redacted);
        check_redis(item, text, redacted);
    }
    // A single URL, as REDIS_URL is read.
    check_amqp(text, text, redacted);
    check_redis(text, text, redacted);
}

// Line breaks as the .env reader counts them: \r\n, \n and a lone \r.
std::size_t line_count(std::string_view text) {
    std::size_t lines = 1;
    for (std::size_t i = 0; i < text.size(); ++i)
        if (text[i] == '\n' || (text[i] == '\r' && (i + 1 == text.size() || text[i + 1] != '\n')))
            ++lines;
    return lines;
}

std::optional<std::string> fake_environment(const std::string& name) {
    if (name == "HOME")
        return "/home/fuzz";
    if (name == "RABBIT_PASSWORD")
        return "env-secret";
    return std::nullopt;
}

void check_dotenv(std::string_view text) {
    auto entries = bb::parse_dotenv(text, "fuzz.env", fake_environment);
    std::size_t lines = line_count(text);
    if (!entries) {
        const bb::Error& error = entries.error();
        check(error.kind == bb::ErrorKind::usage, "a .env error is not ErrorKind::usage",
              error.message);
        std::string_view message = error.message;
        check(message.starts_with("fuzz.env:"), "a .env error does not name the file", message);
        std::size_t line = 0, at = 9;
        while (at < message.size() && message[at] >= '0' && message[at] <= '9')
            line = line * 10 + static_cast<std::size_t>(message[at++] - '0');
        check(at > 9 && message.substr(at).starts_with(": "), "a .env error does not name the line",
              message);
        check(line >= 1 && line <= lines, "a .env error names a line outside the file", message);
        return;
    }
    int last = 0;
    for (const auto& entry : *entries) {
        check(!entry.key.empty(), "a .env entry with an empty key");
        check(entry.line >= last && entry.line >= 1 &&
                  static_cast<std::size_t>(entry.line) <= lines,
              "a .env entry has a line number out of order or outside the file",
              fmt::format("{} at line {} of {}", entry.key, entry.line, lines));
        last = entry.line;
        check_urls(entry.value);
    }
}

} // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    std::string_view input(reinterpret_cast<const char*>(data), size);
    check_dotenv(input);
    check_urls(input);
    return 0;
}
