// Drawing the browser: the tree, the details pane and the status line, from
// the model alone. Everything that came from Redis goes through shown().
#pragma once

#include "bloodbank/trace_browse.hpp"

#include <string>

namespace bbtrace {

struct BrowseScreen {
    bool color = false;   // NO_COLOR unset and the terminal has colours
    bool unicode = false; // the locale is UTF-8: tree marks drawn as such
    bool details_focused = false;
    std::size_t top = 0; // first tree row on the screen
    std::string message; // shown in the status line until the next key
};

// Draws the whole screen (and keeps the selection within the tree's rows).
void draw(bb::TraceBrowser& browser, BrowseScreen& screen);

// Reads a search query on the status line; empty when cancelled.
std::string read_query(BrowseScreen& screen);

} // namespace bbtrace
