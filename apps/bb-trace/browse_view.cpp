#include "browse_view.hpp"

#include "browse_text.hpp"

#include "bloodbank/display_width.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <curses.h>

namespace bbtrace {
namespace {

enum Pair : short { type_pair = 1, unknown_pair = 2 };
constexpr int details_height = 7; // a rule and six lines

void put(int y, const std::string& text, int width, attr_t attributes = A_NORMAL) {
    attron(attributes);
    mvaddstr(y, 0, text.c_str());
    for (int x = getcurx(stdscr); x < width && getcury(stdscr) == y; ++x)
        addch(' ');
    attroff(attributes);
}

std::string mark_of(const bb::TraceBrowser::Row& row, bool unicode) {
    std::string open = !row.can_expand ? " "
                       : row.expanded  ? (unicode ? "▾" : "-")
                                       : (unicode ? "▸" : "+");
    if (row.cycle)
        return open + (unicode ? "↻" : "@");
    switch (row.mark) {
    case bb::TraceBrowser::Mark::parent:
        return open + (unicode ? "↑" : "^");
    case bb::TraceBrowser::Mark::child:
        return open + (unicode ? "↓" : "v");
    default:
        return open + (unicode ? "●" : "*");
    }
}

void draw_tree(bb::TraceBrowser& browser, BrowseScreen& screen, int height, int width) {
    auto rows = browser.rows();
    std::size_t selected = browser.selected();
    auto shown_rows = static_cast<std::size_t>(height);
    if (selected < screen.top)
        screen.top = selected;
    else if (selected >= screen.top + shown_rows)
        screen.top = selected - shown_rows + 1;
    for (int y = 0; y < height; ++y) {
        std::size_t index = screen.top + static_cast<std::size_t>(y);
        if (index >= rows.size()) {
            move(y, 0);
            clrtoeol();
            continue;
        }
        const auto& row = rows[index];
        const bb::BrowseEvent* event = browser.event(row.id);
        std::string line(2 * std::min<std::size_t>(row.depth, 12), ' ');
        line += mark_of(row, screen.unicode) + " " + bb::short_id(row.id) + " ";
        bool known = event && event->known;
        std::string label = !known           ? "(unknown to Redis)"
                            : event->summary ? event->summary->event_type
                                             : std::string("(no event record)");
        std::string when = event && event->summary ? "  " + event->summary->timestamp : "";
        line = bb::fit_columns(line, width) + shown(label + when, width);
        line = bb::fit_columns(line, width);
        attr_t attributes =
            index == selected ? (screen.details_focused ? A_BOLD : A_REVERSE) : A_NORMAL;
        if (screen.color && index != selected)
            attributes |= COLOR_PAIR(known ? type_pair : unknown_pair);
        put(y, line, width, attributes);
    }
}

std::string or_unknown(const std::string& text) {
    return text.empty() ? "unknown" : text;
}

void draw_details(bb::TraceBrowser& browser, const BrowseScreen& screen, int top, int width) {
    std::string rule = screen.details_focused ? "== details (Enter prints the id) " : "-- details ";
    put(top,
        bb::fit_columns(
            rule + std::string(static_cast<std::size_t>(width), screen.details_focused ? '=' : '-'),
            width),
        width, A_BOLD);
    std::vector<std::string> lines;
    const bb::Uuid id = browser.selected_id();
    auto details = browser.details();
    if (!details) {
        lines.push_back("id       " + id.str());
        lines.push_back("error    " + details.error().message);
    } else {
        const bb::EventDetails& d = **details;
        lines.push_back("id       " + id.str() + (d.known ? "" : "  (unknown to Redis)"));
        if (d.summary) {
            lines.push_back("type     " + or_unknown(d.summary->event_type) + "   time " +
                            or_unknown(d.summary->timestamp));
            lines.push_back("source   host " + or_unknown(d.summary->source_host) + "  app " +
                            or_unknown(d.summary->source_app) + "  type " +
                            or_unknown(d.summary->source_type));
        } else {
            lines.push_back("type     unknown (no bloodbank:event record)");
            lines.push_back("source   unknown");
        }
        if (d.has_link)
            lines.push_back("link     created " + or_unknown(d.link_created_at) + "  reason " +
                            (d.link_reason ? *d.link_reason : std::string("none")) + "  metadata " +
                            d.link_metadata_json);
        else
            lines.push_back("link     none (no forward record)");
        lines.push_back(fmt::format("counts   {} parents, {} children", d.parents, d.children));
        for (const auto& warning : d.warnings)
            lines.push_back("warning  " + warning);
    }
    for (int i = 0; i < details_height - 1; ++i) {
        std::size_t at = static_cast<std::size_t>(i);
        put(top + 1 + i, at < lines.size() ? shown(lines[at], width) : "", width);
    }
}

void draw_status(bb::TraceBrowser& browser, const BrowseScreen& screen, int y, int width) {
    std::string status =
        fmt::format("{} rows, {} events loaded", browser.rows().size(), browser.events_loaded());
    if (!browser.truncations().empty())
        status += fmt::format(", truncated: {}", browser.truncations().front());
    if (!screen.message.empty())
        status = screen.message + " | " + status;
    status += " | q quit, y id, / search";
    put(y, shown(status, width), width, A_REVERSE);
}

} // namespace

void draw(bb::TraceBrowser& browser, BrowseScreen& screen) {
    int height = 0, width = 0;
    getmaxyx(stdscr, height, width);
    if (screen.color) {
        init_pair(type_pair, COLOR_CYAN, -1);
        init_pair(unknown_pair, COLOR_RED, -1);
    }
    int tree_height = std::max(1, height - details_height - 1);
    draw_tree(browser, screen, tree_height, width);
    if (height > details_height + 1)
        draw_details(browser, screen, tree_height, width);
    draw_status(browser, screen, height - 1, width);
    refresh();
}

std::string read_query(BrowseScreen& screen) {
    int height = 0, width = 0;
    getmaxyx(stdscr, height, width);
    std::string query;
    curs_set(1);
    for (;;) {
        put(height - 1, shown("/" + query, width - 1), width);
        move(height - 1, std::min(width - 1, static_cast<int>(1 + query.size())));
        refresh();
        int key = getch();
        if (key == '\n' || key == KEY_ENTER || key == '\r')
            break;
        if (key == 27) { // Escape
            query.clear();
            break;
        }
        if ((key == KEY_BACKSPACE || key == 127 || key == 8) && !query.empty())
            query.pop_back();
        else if (key >= 32 && key < 256 && key != 127)
            query += static_cast<char>(key);
    }
    curs_set(0);
    screen.message.clear();
    return query;
}

} // namespace bbtrace
