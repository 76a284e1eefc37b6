// Private to the consume run: the line streamed for one delivery.
#pragma once

#include "bloodbank/consume.hpp"
#include "bloodbank/envelope.hpp"

#include <string>

namespace bb::consume_detail {

// Appends the line for `message` (ending in '\n') to `out`. `envelope` is its
// parsed body, null under --raw. ConsumeFormat::body: the body exactly as
// received, unless it spans several lines (a pretty-printed body), then in
// compact form. ConsumeFormat::delivery: the delivery around the envelope
// (consume.hpp), "body" instead of "envelope" for a --raw body that is no JSON.
void append_event_line(const Received& message, const Envelope* envelope, ConsumeFormat format,
                       std::string& out);

} // namespace bb::consume_detail
