#include "browse.hpp"

#include "browse_view.hpp"
#include "cli.hpp"
#include "common/app.hpp"

#include "bloodbank/redis.hpp"
#include "bloodbank/trace_browse.hpp"

#include <fmt/format.h>

#include <clocale>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <curses.h>
#include <langinfo.h>
#include <memory>
#include <optional>
#include <unistd.h>

namespace bbtrace {
namespace {

struct FileCloser {
    void operator()(std::FILE* f) const { std::fclose(f); }
};
using TtyFile = std::unique_ptr<std::FILE, FileCloser>;

// Keys come from and the screen goes to the terminal itself: stdout may be
// a pipe that takes the chosen id. stdin must be that terminal too, or a
// script piping into bb-trace would have its input eaten.
bb::Result<TtyFile> open_terminal() {
    if (!isatty(STDIN_FILENO))
        return bb::make_error(bb::ErrorKind::usage,
                              "browse needs a terminal: stdin is not one (use bb-trace ID for "
                              "the tree, or --format json)");
    TtyFile tty(std::fopen("/dev/tty", "r+"));
    if (!tty)
        return bb::make_error(
            bb::ErrorKind::usage,
            fmt::format("browse needs a terminal: /dev/tty: {}", std::strerror(errno)));
    return tty;
}

bool no_color() {
    const char* value = std::getenv("NO_COLOR");
    return value && *value;
}

// The screen for the life of the browser, ended before anything is printed.
class Curses {
public:
    explicit Curses(std::FILE* tty) : screen_(newterm(nullptr, tty, tty)) {}
    ~Curses() {
        if (screen_) {
            endwin();
            delscreen(screen_);
        }
    }
    Curses(const Curses&) = delete;
    Curses& operator=(const Curses&) = delete;
    bool ok() const { return screen_ != nullptr; }

private:
    SCREEN* screen_;
};

void report(BrowseScreen& screen, const bb::Result<void>& done) {
    if (!done)
        screen.message = done.error().message;
}

void report_jump(BrowseScreen& screen, const bb::Result<bool>& jumped, const char* none) {
    if (!jumped)
        screen.message = jumped.error().message;
    else if (!*jumped)
        screen.message = none;
}

// The key loop. Returns the id to print, if one was chosen.
std::optional<bb::Uuid> run_keys(bb::TraceBrowser& browser, BrowseScreen& screen) {
    for (;;) {
        draw(browser, screen);
        int key = getch();
        screen.message.clear();
        int height = getmaxy(stdscr);
        switch (key) {
        case 'q':
        case 'Q':
            return std::nullopt;
        case 'y':
            return browser.selected_id();
        case '\t':
            screen.details_focused = !screen.details_focused;
            break;
        case KEY_UP:
        case 'k':
            browser.move(-1);
            break;
        case KEY_DOWN:
        case 'j':
            browser.move(1);
            break;
        case KEY_PPAGE:
            browser.move(-std::max(1, height - 9));
            break;
        case KEY_NPAGE:
        case ' ':
            browser.move(std::max(1, height - 9));
            break;
        case KEY_HOME:
        case 'g':
            browser.move(-static_cast<long>(browser.rows().size()));
            break;
        case KEY_END:
        case 'G':
            browser.move(static_cast<long>(browser.rows().size()));
            break;
        case '\n':
        case '\r':
        case KEY_ENTER:
            if (screen.details_focused)
                return browser.selected_id();
            report(screen, browser.expand());
            break;
        case KEY_RIGHT:
        case 'l':
            report(screen, browser.expand());
            break;
        case KEY_LEFT:
        case 'h':
            browser.collapse();
            break;
        case 'p':
            report_jump(screen, browser.jump_parent(), "no parent");
            break;
        case 'c':
            report_jump(screen, browser.jump_child(), "no child");
            break;
        case 'r':
            report(screen, browser.reroot());
            screen.top = 0;
            break;
        case '/':
            if (std::string query = read_query(screen); !query.empty() && !browser.search(query))
                screen.message = "no match for " + query;
            break;
        case 'n':
            if (!browser.next_match())
                screen.message = "no match";
            break;
        default:
            break;
        }
    }
}

} // namespace

int browse(const bb::RedisTarget& target, std::chrono::milliseconds timeout, const bb::Uuid& id,
           std::size_t max_nodes) {
    auto tty = open_terminal();
    if (!tty)
        return bb::app::fail(program, tty.error());
    auto redis = bb::RedisConnection::connect(target, timeout);
    if (!redis)
        return bb::app::fail(program, redis.error());
    auto source = bb::redis_browse_source(*redis, max_nodes);
    bb::TraceBrowser browser(*source);
    if (auto opened = browser.open(id); !opened) {
        bb::Error error = opened.error();
        if (error.kind == bb::ErrorKind::not_found) // as every other command says it
            error.message += " at " + redis->target();
        return bb::app::fail(program, error);
    }

    std::setlocale(LC_ALL, "");
    std::optional<bb::Uuid> chosen;
    {
        Curses curses(tty->get());
        if (!curses.ok())
            return bb::app::fail(program, bb::make_error(bb::ErrorKind::usage,
                                                         "browse cannot use this terminal "
                                                         "(check TERM)"));
        cbreak();
        noecho();
        keypad(stdscr, TRUE);
        set_escdelay(25);
        curs_set(0);
        BrowseScreen screen;
        screen.unicode = std::strcmp(nl_langinfo(CODESET), "UTF-8") == 0;
        screen.color =
            !no_color() && has_colors() && start_color() == OK && use_default_colors() == OK;
        chosen = run_keys(browser, screen);
    }
    for (const auto& warning : browser.warnings())
        bb::app::report(program, "warning: " + warning);
    if (chosen)
        fmt::print("{}\n", chosen->str());
    return 0;
}

} // namespace bbtrace
