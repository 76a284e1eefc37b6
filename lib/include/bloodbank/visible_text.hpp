// Untrusted text (from an envelope, Redis or a request) made safe to show on
// a terminal or in a log line: nothing in it can move the cursor, change
// colours, set the window title, start a new line or reverse the text that
// follows. Printable UTF-8 passes unchanged; everything else is shown as an
// escape a person can read:
//   \n \r \t                         line feed, carriage return, tab
//   \x1b \x00 \x7f ...               other C0 controls, DEL, and bytes that are not UTF-8
//   \u009b \u202e \u2066 ...         C1 controls and the bidirectional controls
// A backslash stays as it is: the result is for reading, not for parsing.
#pragma once

#include <string>
#include <string_view>

namespace bb {

std::string visible_text(std::string_view text);
void append_visible_text(std::string& out, std::string_view text);

} // namespace bb
