// The .env file, read as python-dotenv reads it, because the same file also
// configures the Python service: `KEY=VALUE` statements, an optional
// `export ` prefix, `#` comments, single-quoted values (only \' and \\ are
// escapes), double-quoted values (\n \t \" \\ and the other C escapes), both of
// which may span lines, unquoted values trimmed and cut at " #", and
// `${NAME}` / `${NAME:-default}` expanded in every value.
//
// One deliberate difference: where python-dotenv logs a warning and skips a
// statement it cannot parse, we stop with an error naming the file and the
// line, so that a typo such as `RABBIT_URL amqp://...` is never ignored.
// A bare `KEY` without `=` is valid (python-dotenv gives it no value) and
// yields no entry.
#pragma once

#include "bloodbank/error.hpp"

#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace bb {

struct DotenvEntry {
    std::string key;
    std::string value; // escapes decoded, ${...} expanded
    int line = 0;      // where the statement starts, 1-based
};

// Looks a name up in the process environment (or a test's substitute).
using EnvLookup = std::function<std::optional<std::string>(const std::string&)>;

// Parses the text of a .env file. `${NAME}` is resolved from the environment
// first (it beats the file, as everywhere in bloodbank), then from the
// entries above it in the file; an unknown name expands to the default or "".
// Entries come back in file order, duplicates included (the last one wins).
// Errors are ErrorKind::usage: "<file_name>:<line>: ..." without the line's
// text, which may hold a password.
Result<std::vector<DotenvEntry>> parse_dotenv(std::string_view text, std::string_view file_name,
                                              const EnvLookup& lookup);

} // namespace bb
