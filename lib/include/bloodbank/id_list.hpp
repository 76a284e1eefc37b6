// A list of event ids read from a stream, one per line: what `bb-trace
// descendants -` reads from a pipe (bb-id, bb-publish, another bb-trace).
#pragma once

#include "bloodbank/error.hpp"
#include "bloodbank/uuid.hpp"

#include <cstddef>
#include <vector>

namespace bb {

// Reads fd to its end. Spaces, tabs and a CR around an id are ignored, blank
// lines skipped; every other line must be one id as parse_uuid() accepts it,
// or the whole list is refused (ErrorKind::data, "line N: ..."), so that a
// caller acts on all of it or on none. More than max_ids ids is
// ErrorKind::data too; a read error is ErrorKind::io.
Result<std::vector<Uuid>> read_id_list(int fd, std::size_t max_ids);

} // namespace bb
