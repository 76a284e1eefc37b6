// The pager of a long tree: $PAGER run as git runs it (/bin/sh -c), as a
// child that bb-trace waits for. While it runs, the terminal's Ctrl-C and
// Ctrl-\ are the pager's (less ignores them, more quits on them) and
// bb-trace only waits, so the pager never outlives it and never fights the
// shell for the keyboard; a SIGTERM or SIGHUP sent to bb-trace is passed on,
// and bb-trace ends by it once the pager has gone.
#pragma once

#include <string>

namespace bbtrace {

struct PagerResult {
    bool shown = false; // false: the pager could not run, nothing was shown
    std::string why;    // when not shown: what went wrong
};

PagerResult page(const std::string& command, const std::string& text);

} // namespace bbtrace
