// `bb-trace serve`: the debug HTTP API until SIGINT or SIGTERM.
#pragma once

#include "bloodbank/http_api.hpp"

namespace bbtrace {

// Binds, serves, and on SIGINT/SIGTERM stops accepting, lets the requests in
// flight finish and returns 0. Binding errors are reported and returned as
// an exit status.
int serve(bb::HttpApiOptions options);

} // namespace bbtrace
