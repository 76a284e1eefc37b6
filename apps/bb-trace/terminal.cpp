#include "terminal.hpp"

#include "cli.hpp"
#include "common/app.hpp"
#include "pager.hpp"

#include "bloodbank/display_width.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <cerrno>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <sys/ioctl.h>
#include <unistd.h>

namespace bbtrace {
namespace {

bool env_set(const char* name) {
    const char* value = std::getenv(name);
    return value && *value;
}

winsize terminal_size() {
    winsize size{};
    if (ioctl(STDOUT_FILENO, TIOCGWINSZ, &size) != 0 || size.ws_row == 0 || size.ws_col == 0)
        size.ws_row = 24, size.ws_col = 80;
    return size;
}

// The rows text takes on a terminal `columns` wide: a long line wraps.
std::size_t screen_rows(const std::string& text, std::size_t columns) {
    std::size_t rows = 0;
    for (std::size_t start = 0; start < text.size();) {
        std::size_t end = std::min(text.find('\n', start), text.size());
        std::size_t width = bb::display_width(std::string_view(text).substr(start, end - start));
        rows += width == 0 ? 1 : (width + columns - 1) / columns;
        start = end + 1;
    }
    return rows;
}

bb::Result<void> write_all(std::FILE* out, const std::string& text) {
    if (std::fwrite(text.data(), 1, text.size(), out) != text.size() || std::fflush(out) != 0)
        return bb::make_error(bb::ErrorKind::io,
                              fmt::format("write error on stdout: {}", std::strerror(errno)));
    return {};
}

// Empty when there is to be no pager.
const char* pager_command() {
    const char* pager = std::getenv("PAGER");
    if (!pager)
        return "less -FRX";
    if (std::strcmp(pager, "cat") == 0)
        return "";
    return pager;
}

} // namespace

bb::Result<ColorWhen> parse_color_when(std::string_view text) {
    if (text == "auto")
        return ColorWhen::automatic;
    if (text == "always")
        return ColorWhen::always;
    if (text == "never")
        return ColorWhen::never;
    return bb::make_error(bb::ErrorKind::usage,
                          fmt::format("--color: \"{}\" is not one of auto, always, never", text));
}

bool use_color(ColorWhen when) {
    if (env_set("NO_COLOR") || when == ColorWhen::never)
        return false;
    if (when == ColorWhen::always)
        return true;
    const char* term = std::getenv("TERM");
    return isatty(STDOUT_FILENO) && !(term && std::strcmp(term, "dumb") == 0);
}

std::size_t tree_width(int given) {
    if (given >= 0)
        return static_cast<std::size_t>(given);
    if (!isatty(STDOUT_FILENO))
        return 0;
    if (const char* columns = std::getenv("COLUMNS"); columns && *columns) {
        char* end = nullptr;
        long value = std::strtol(columns, &end, 10);
        if (*end == '\0' && value > 0 && value <= 100000)
            return static_cast<std::size_t>(value);
    }
    return terminal_size().ws_col;
}

bb::Result<void> show(const std::string& text, bool may_page) {
    if (!may_page || !isatty(STDOUT_FILENO))
        return write_all(stdout, text);
    const char* command = pager_command();
    if (!*command || screen_rows(text, terminal_size().ws_col) < terminal_size().ws_row)
        return write_all(stdout, text);

    // As git does: less quits if one screen is enough, keeps colours and
    // leaves the text on the screen, unless the user configured it.
    setenv("LESS", "FRX", 0);
    std::fflush(stdout);
    PagerResult paged = page(command, text);
    if (paged.shown)
        return {};
    // The tree is never lost to a pager that cannot run.
    bb::app::report(program, "warning: " + paged.why + "; printing without a pager");
    return write_all(stdout, text);
}

} // namespace bbtrace
