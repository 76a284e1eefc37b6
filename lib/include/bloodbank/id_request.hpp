// Requests for deterministic ids (what bb-id computes): from command-line
// arguments, from one NDJSON batch line, and whole batch streams.
//
// A batch line is a JSON object:
//   {"event_type": "...", "key": "..."}                    single key
//   {"event_type": "...", "fields": {"k": v, ...}}          several fields
// each with an optional "namespace" (string). Any other member is an error,
// so a misspelt name cannot silently change an id. Field values are rendered
// as Python's str() would: strings as is, true/false/null as True/False/None,
// integers in decimal (exactly, also beyond 64 bits), other numbers as
// Python's repr(float). Arrays and objects are rejected: Python would use
// their repr, which is not reproduced here. Numbers beyond the double range
// (integers of more than about 309 digits) are refused by the JSON parser.
#pragma once

#include "bloodbank/error.hpp"
#include "bloodbank/event_id.hpp"
#include "bloodbank/utf8.hpp" // check_utf8, which its errors follow
#include "bloodbank/uuid.hpp"

#include <cstddef>
#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace bb {

// An id asked for on the command line: TYPE and KEY, or TYPE and --field k=v.
struct IdArgs {
    std::string event_type;
    std::optional<std::string> key;
    std::vector<std::string> fields; // "k=v" as given; split at the first '='
    std::string ns{default_id_namespace};
};

// Splits "k=v" at the first '='. Errors (ErrorKind::usage) quote the
// argument after the flag it came with: `--field "abc": expected KEY=VALUE`.
Result<std::pair<std::string, std::string>> parse_field_arg(std::string_view arg,
                                                            std::string_view flag = "--field");

// The one reader of "k=v" id fields, for bb-id's --field and bb-publish's
// --id-key (`flag` names the option in messages): each split by
// parse_field_arg(), in the order given. A key given twice is ErrorKind::usage
// (`--field user: given more than once`). Text that is not UTF-8 is of the
// caller's kind `bad_text` (`--field user: invalid UTF-8 at byte 7`, the key
// named only when it is valid UTF-8 itself).
Result<IdFields> parse_field_args(const std::vector<std::string>& args, std::string_view flag,
                                  ErrorKind bad_text);

// Errors: ErrorKind::usage for a --field without '=' or a key given twice
// (`--field user_id: given more than once`), ErrorKind::data for text that is
// not UTF-8 (`KEY: invalid UTF-8 at byte 3`), which Python cannot hold in a str.
Result<Uuid> id_for_args(const IdArgs& args);

// Computes the ids of batch lines, reusing its buffers from line to line.
class IdRequestReader {
public:
    explicit IdRequestReader(std::string default_ns = std::string(default_id_namespace));

    // The id one line asks for. Errors are ErrorKind::data and name the
    // field: `event_type: required field is missing`, `key: expected a
    // string, got integer`, `fields and key are mutually exclusive`,
    // `fields.tags: expected a string, number, boolean or null, got array`.
    Result<Uuid> id_for_line(std::string_view line);

private:
    std::string default_ns_;
    std::string name_; // the v5 name, rebuilt per line in the same storage
};

struct BatchSummary {
    std::uint64_t lines = 0;
    std::uint64_t bad_lines = 0;
};

// Called for every bad line, in input order; line numbers start at 1.
using BadLineHandler = std::function<void(std::uint64_t line, const Error& error)>;

// Reads NDJSON requests from path ("-" is stdin) and writes one line per
// request to out_fd: the id, or an empty line for a bad request (reported
// through on_bad_line), so output line N always answers input line N. A
// blank line is a bad request too. The last line needs no newline. Errors
// (ErrorKind::io) are for failures to open, read or write, and end the run.
Result<BatchSummary> run_id_batch(std::string_view path, int out_fd, std::string_view default_ns,
                                  const BadLineHandler& on_bad_line);

// Writes count freshly minted ids (e.g. uuid_v4, uuid_v7), one per line.
Result<void> write_new_ids(int out_fd, std::uint64_t count, Uuid (*mint)());

} // namespace bb
