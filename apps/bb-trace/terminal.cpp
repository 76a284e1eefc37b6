#include "terminal.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <cerrno>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <signal.h>
#include <sys/ioctl.h>
#include <unistd.h>

namespace bbtrace {
namespace {

bool env_set(const char* name) {
    const char* value = std::getenv(name);
    return value && *value;
}

std::size_t terminal_rows() {
    winsize size{};
    if (ioctl(STDOUT_FILENO, TIOCGWINSZ, &size) == 0 && size.ws_row > 0)
        return size.ws_row;
    return 24;
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

bb::Result<void> show(const std::string& text, bool may_page) {
    if (!may_page || !isatty(STDOUT_FILENO))
        return write_all(stdout, text);
    std::size_t lines = static_cast<std::size_t>(std::count(text.begin(), text.end(), '\n'));
    const char* command = pager_command();
    if (!*command || lines < terminal_rows())
        return write_all(stdout, text);

    // As git does: less quits if one screen is enough, keeps colours and
    // leaves the text on the screen, unless the user configured it.
    setenv("LESS", "FRX", 0);
    std::fflush(stdout);
    std::FILE* pager = popen(command, "w");
    if (!pager)
        return write_all(stdout, text);
    // Quitting the pager early closes the pipe: not an error.
    struct sigaction ignore {
    }, previous{};
    ignore.sa_handler = SIG_IGN;
    sigaction(SIGPIPE, &ignore, &previous);
    std::fwrite(text.data(), 1, text.size(), pager);
    pclose(pager);
    sigaction(SIGPIPE, &previous, nullptr);
    return {};
}

} // namespace bbtrace
