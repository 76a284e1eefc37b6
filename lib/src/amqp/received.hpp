// Private to the consumer: AMQP message properties and header tables to and
// from bloodbank's Received and Header.
#pragma once

#include "bloodbank/consumer.hpp"

#include <amqp.h>

#include <vector>

namespace bb::amqp_detail {

// Fills the property fields of `out` (message_id, ..., headers).
void read_properties(const amqp_basic_properties_t& props, Received& out);

// An AMQP table that points into `headers` (which must outlive it); the
// entries live in `entries`.
amqp_table_t to_table(const std::vector<Header>& headers, std::vector<amqp_table_entry_t>& entries);

// `base` with each header of `extra` replacing the one of the same key, or
// added after them.
std::vector<Header> merge_headers(const std::vector<Header>& base,
                                  const std::vector<Header>& extra);

} // namespace bb::amqp_detail
