// What every route answers alike: a library error as an HTTP status with
// {"detail": ...}.
#pragma once

#include "bloodbank/error.hpp"
#include "bloodbank/http_api.hpp"

#include <string_view>

namespace bb::http_detail {

// not_found: 404 with `not_found_detail`; Redis unreachable or busy: 503;
// anything else 500, each with the error's message.
HttpReply error_reply(const Error& error, std::string_view not_found_detail);

// 400 "Invalid UUID format: ID", the Python service's words for a path id
// that uuid.UUID() refuses.
HttpReply invalid_id_reply(std::string_view raw_id);

} // namespace bb::http_detail
