// `bb-trace serve`: the debug HTTP API until SIGINT or SIGTERM.
#pragma once

#include "cli.hpp"

#include "bloodbank/error.hpp"
#include "bloodbank/http_api.hpp"

#include <string>

namespace bbtrace {

// --token, or the first line of --token-file; empty when neither is given.
// A token must be 16 to 256 characters from A-Z a-z 0-9 . _ ~ + / = -, so
// that it fits a header and a cookie as it is (ErrorKind::usage).
bb::Result<std::string> serve_token(const Options& o);

// Binds, serves, and on SIGINT/SIGTERM stops accepting, lets the requests in
// flight finish and returns 0. Binding errors are reported and returned as
// an exit status.
int serve(bb::HttpApiOptions options);

} // namespace bbtrace
