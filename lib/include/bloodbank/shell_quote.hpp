// A word made safe to paste into a POSIX shell command line, for the hints
// that tell a person which command to run next (e.g. a spool directory).
#pragma once

#include <string>
#include <string_view>

namespace bb {

// `word` as is when every character is one a shell takes literally (letters,
// digits and @%+=:,./_-), as Python's shlex.quote decides; otherwise in
// single quotes, each ' written as '\''. The empty word is ''.
std::string shell_quote(std::string_view word);

} // namespace bb
