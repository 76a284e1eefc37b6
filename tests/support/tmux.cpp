#include "support/tmux.hpp"

#include "support/process.hpp"

#include <chrono>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <thread>

namespace bbtest {

Tmux::Tmux(int columns, int rows, const std::map<std::string, std::string>& env)
    : dir_("bb-tmux"), socket_((dir_.path() / "socket").string()) {
    if (!std::filesystem::exists("/usr/bin/tmux"))
        return;
    std::vector<std::string> args = {"-f",
                                     "/dev/null",
                                     "new-session",
                                     "-d",
                                     "-x",
                                     std::to_string(columns),
                                     "-y",
                                     std::to_string(rows),
                                     "/usr/bin/env",
                                     "-i",
                                     "TERM=xterm-256color",
                                     "PS1=$ "};
    for (const auto& [name, value] : env)
        args.push_back(name + "=" + value);
    args.push_back("/bin/sh");
    tmux(args);
    started_ = !tmux({"list-panes", "-F", "#{pane_pid}"}).empty();
}

Tmux::~Tmux() {
    if (started_)
        tmux({"kill-server"});
}

std::string Tmux::tmux(const std::vector<std::string>& args) {
    std::vector<std::string> argv = {"/usr/bin/tmux", "-S", socket_};
    argv.insert(argv.end(), args.begin(), args.end());
    RunOptions options;
    options.unset_env = {"TMUX"};
    return run(argv, options).out;
}

void Tmux::keys(const std::string& keys, bool literal) {
    if (literal)
        tmux({"send-keys", "-l", keys});
    else
        tmux({"send-keys", keys});
}

std::string Tmux::screen() {
    std::string text = tmux({"capture-pane", "-p"});
    std::string out;
    std::istringstream lines(text);
    for (std::string line; std::getline(lines, line);) {
        line.erase(line.find_last_not_of(' ') + 1);
        out += line + "\n";
    }
    return out;
}

bool Tmux::wait_for(const std::function<bool(const std::string&)>& ready, int seconds) {
    auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(seconds);
    while (std::chrono::steady_clock::now() < deadline) {
        if (ready(screen()))
            return true;
        std::this_thread::sleep_for(std::chrono::milliseconds(50));
    }
    return false;
}

std::vector<int> Tmux::processes(const std::string& name) {
    std::string pane = tmux({"list-panes", "-F", "#{pane_pid}"});
    int shell = std::stoi(pane);
    std::vector<int> found;
    for (const auto& entry : std::filesystem::directory_iterator("/proc")) {
        std::ifstream stat(entry.path() / "stat");
        std::string text;
        if (!stat || !std::getline(stat, text))
            continue;
        // pid (comm) state ppid pgrp session ...
        std::size_t open = text.find('('), close = text.rfind(')');
        if (open == std::string::npos || close == std::string::npos)
            continue;
        std::string comm = text.substr(open + 1, close - open - 1);
        std::istringstream rest(text.substr(close + 2));
        std::string state;
        int ppid = 0, pgrp = 0, session = 0;
        rest >> state >> ppid >> pgrp >> session;
        if (session == shell && comm == name)
            found.push_back(std::stoi(text.substr(0, open)));
    }
    return found;
}

} // namespace bbtest
