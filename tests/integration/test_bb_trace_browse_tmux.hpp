// bb-trace browse driven as a person drives it: in a terminal of 80×24 made
// by tmux, keys sent with send-keys, the screen read with capture-pane. Each
// terminal is a session of a tmux server of its own (its socket in the
// test's temporary directory), so parallel tests and anyone else's tmux are
// never touched; the session is killed when the test is done.
#pragma once

#include "support/process.hpp"

#include "bloodbank/shell_quote.hpp"
#include "bloodbank/uuid.hpp"

#include <doctest/doctest.h>

#include <chrono>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

namespace browsetest {

inline std::string tmux_path() {
    std::stringstream path(std::getenv("PATH") ? std::getenv("PATH") : "/usr/bin:/bin");
    for (std::string dir; std::getline(path, dir, ':');)
        if (std::filesystem::exists(dir + "/tmux"))
            return dir + "/tmux";
    return {};
}

class Terminal {
public:
    // Runs `command` (a shell command line) in a new 80×24 terminal.
    explicit Terminal(const std::string& command)
        : tmux_(tmux_path()), name_("bb-browse-" + bb::uuid_v4().str().substr(0, 8)),
          cwd_(bbtest::make_temp_dir()) {
        REQUIRE_MESSAGE(!tmux_.empty(), "tmux is needed (scripts/setup.sh installs it)");
        // An empty working directory: no .env of the developer's.
        auto started =
            tmux({"new-session", "-d", "-s", name_, "-x", "80", "-y", "24", "-c", cwd_, command});
        REQUIRE_MESSAGE(started.status == 0, started.err);
    }
    ~Terminal() {
        tmux({"kill-session", "-t", name_});
        std::error_code ignored;
        std::filesystem::remove_all(cwd_, ignored);
    }
    // A file in the terminal's working directory, for what the shell saves.
    std::string file(const std::string& name) const { return cwd_ + "/" + name; }
    Terminal(const Terminal&) = delete;
    Terminal& operator=(const Terminal&) = delete;

    // tmux key names ("j", "Enter", "Left") or literal text with -l.
    void keys(const std::vector<std::string>& names) {
        std::vector<std::string> args{"send-keys", "-t", name_};
        args.insert(args.end(), names.begin(), names.end());
        tmux(args);
    }
    void text(const std::string& literal) { tmux({"send-keys", "-t", name_, "-l", literal}); }

    std::string screen(bool with_attributes = false) {
        std::vector<std::string> args{"capture-pane", "-p", "-t", name_};
        if (with_attributes)
            args.push_back("-e");
        return tmux(args).out;
    }

    // The screen once it shows `wanted` (it is drawn asynchronously); the
    // last screen if it never does within a generous deadline, so that the
    // caller's CHECK fails and prints it.
    std::string wait_for(const std::string& wanted) { return wait_until(wanted, true); }
    // The screen once it no longer shows `gone`.
    std::string wait_without(const std::string& gone) { return wait_until(gone, false); }

private:
    std::string wait_until(const std::string& text, bool shown_wanted) {
        auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(15);
        std::string shown = screen();
        while ((shown.find(text) != std::string::npos) != shown_wanted &&
               std::chrono::steady_clock::now() < deadline) {
            std::this_thread::sleep_for(std::chrono::milliseconds(50));
            shown = screen();
        }
        return shown;
    }
    bbtest::RunResult tmux(std::vector<std::string> args) {
        args.insert(args.begin(), {tmux_, "-S", cwd_ + "/tmux.socket"});
        return bbtest::run(args);
    }
    std::string tmux_;
    std::string name_;
    std::string cwd_;
};

// The file's contents once it exists and ends with a line (a shell writes
// it when bb-trace has exited); empty after the deadline.
inline std::string wait_for_file(const std::string& path) {
    auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(15);
    while (std::chrono::steady_clock::now() < deadline) {
        std::ifstream in(path);
        std::string text((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
        if (!text.empty() && text.back() == '\n')
            return text;
        std::this_thread::sleep_for(std::chrono::milliseconds(50));
    }
    return {};
}

// `bb-trace browse ID` as a shell line with this Redis and nothing from the
// developer's environment; `extra` goes before it (say "NO_COLOR=1").
inline std::string browse_command(const std::string& host, int port, const std::string& id,
                                  const std::string& extra = "", const std::string& options = "") {
    return "env -u REDIS_URL -u REDIS_DB -u REDIS_PASSWORD -u NO_COLOR REDIS_HOST=" +
           bb::shell_quote(host) + " REDIS_PORT=" + std::to_string(port) + " " + extra + " " +
           bb::shell_quote(bbtest::binary("bb-trace")) + " browse " + bb::shell_quote(id) + " " +
           options;
}

} // namespace browsetest
