// The access token of `bb-trace serve --token`: which requests carry it,
// and the answer to those that do not (HttpApiOptions::token says how).
#pragma once

#include "http/request.hpp"

#include "bloodbank/http_api.hpp"

#include <optional>

namespace bb::http_detail {

// nullopt when the request may be routed: no token is set, the path is
// /healthz, or the request carries the token. Else the 401, or the 303 that
// turns ?token=TOKEN into the cookie.
std::optional<HttpReply> refuse_without_token(const HttpApiOptions& options,
                                              const RequestHead& head);

} // namespace bb::http_detail
