// Private to the consume run: lines to stdout, and knowing when the reader
// has them. Into a pipe, one line at a time: it counts as read once the pipe
// is empty again (FIONREAD), so a reader that exits (`| head -n 3`) has
// taken exactly the lines acked. Elsewhere (a file, /dev/null, a terminal) a
// line counts once written.
#pragma once

#include "bloodbank/error.hpp"

#include <string_view>

namespace bb::consume_detail {

class StreamOutput {
public:
    explicit StreamOutput(int fd);

    // One line at a time, waiting for the reader to take each.
    bool paced() const { return paced_; }

    // Writes `lines` (each ending in '\n'). Ok(false): the reader is gone
    // (EPIPE); nothing of the batch counts as read. Errors: ErrorKind::io.
    Result<bool> write(std::string_view lines);

    // Paced: whether the pipe holds nothing of what was written. Ok(false)
    // while the reader has not taken all of it; the Error is
    // ErrorKind::io, or `reader_gone()` tells that it closed the pipe.
    bool drained();
    bool reader_gone() const { return gone_; }

private:
    int fd_;
    bool paced_ = false;
    bool gone_ = false;
};

} // namespace bb::consume_detail
