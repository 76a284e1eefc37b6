#include "pager.hpp"

#include <fmt/format.h>

#include <cerrno>
#include <csignal>
#include <cstdlib>
#include <cstring>
#include <fcntl.h>
#include <spawn.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

extern char** environ;

namespace bbtrace {
namespace {

volatile sig_atomic_t pager_pid = 0;
volatile sig_atomic_t passed_on = 0;

void pass_on(int signal) {
    passed_on = signal;
    if (pager_pid > 0)
        kill(static_cast<pid_t>(pager_pid), signal);
}

bool executable(const std::string& path) {
    struct stat st {};
    return stat(path.c_str(), &st) == 0 && S_ISREG(st.st_mode) && access(path.c_str(), X_OK) == 0;
}

// The program a simple command names (its first word), when it is neither
// found nor executable; empty when it is there, or when the command is more
// than words for the shell to judge.
std::string missing_program(const std::string& command) {
    if (command.find_first_of("|&;<>()$`\\\"'*?[#~=%{}") != std::string::npos)
        return "";
    std::size_t start = command.find_first_not_of(" \t");
    if (start == std::string::npos)
        return "";
    std::string program = command.substr(start, command.find_first_of(" \t", start) - start);
    if (program.find('/') != std::string::npos)
        return executable(program) ? "" : program;
    const char* path = std::getenv("PATH");
    std::string dirs = path ? path : "/usr/bin:/bin";
    for (std::size_t at = 0; at <= dirs.size();) {
        std::size_t end = std::min(dirs.find(':', at), dirs.size());
        std::string dir = end > at ? dirs.substr(at, end - at) : ".";
        if (executable(dir + "/" + program))
            return "";
        at = end + 1;
    }
    return program;
}

struct Signals {
    struct sigaction interrupt {
    }, quit{}, pipe{}, term{}, hangup{};
};

Signals take_signals() {
    Signals previous;
    struct sigaction ignore {
    }, forward{};
    ignore.sa_handler = SIG_IGN;
    forward.sa_handler = pass_on;
    sigaction(SIGINT, &ignore, &previous.interrupt);
    sigaction(SIGQUIT, &ignore, &previous.quit);
    sigaction(SIGPIPE, &ignore, &previous.pipe); // quitting the pager early closes the pipe
    sigaction(SIGTERM, &forward, &previous.term);
    sigaction(SIGHUP, &forward, &previous.hangup);
    return previous;
}

void restore(const Signals& previous) {
    sigaction(SIGINT, &previous.interrupt, nullptr);
    sigaction(SIGQUIT, &previous.quit, nullptr);
    sigaction(SIGPIPE, &previous.pipe, nullptr);
    sigaction(SIGTERM, &previous.term, nullptr);
    sigaction(SIGHUP, &previous.hangup, nullptr);
}

pid_t spawn_pager(const std::string& command, int read_end) {
    posix_spawn_file_actions_t actions;
    posix_spawn_file_actions_init(&actions);
    posix_spawn_file_actions_adddup2(&actions, read_end, STDIN_FILENO);
    posix_spawnattr_t attr;
    posix_spawnattr_init(&attr);
    sigset_t defaults;
    sigemptyset(&defaults);
    for (int signal : {SIGINT, SIGQUIT, SIGPIPE, SIGTERM, SIGHUP})
        sigaddset(&defaults, signal);
    posix_spawnattr_setsigdefault(&attr, &defaults);
    posix_spawnattr_setflags(&attr, POSIX_SPAWN_SETSIGDEF);
    const char* argv[] = {"sh", "-c", command.c_str(), nullptr};
    pid_t pid = -1;
    if (posix_spawn(&pid, "/bin/sh", &actions, &attr, const_cast<char**>(argv), environ) != 0)
        pid = -1;
    posix_spawnattr_destroy(&attr);
    posix_spawn_file_actions_destroy(&actions);
    return pid;
}

} // namespace

PagerResult page(const std::string& command, const std::string& text) {
    if (std::string missing = missing_program(command); !missing.empty())
        return {false, fmt::format("pager \"{}\" not found", missing)};
    int ends[2];
    if (pipe2(ends, O_CLOEXEC) != 0)
        return {false, fmt::format("no pipe for the pager: {}", std::strerror(errno))};
    // Taken before the pager starts, so that no signal falls between.
    Signals previous = take_signals();
    pid_t pid = spawn_pager(command, ends[0]);
    close(ends[0]);
    if (pid < 0) {
        close(ends[1]);
        restore(previous);
        return {false, "the pager could not be started"};
    }
    pager_pid = pid;
    bool all_read = true;
    for (std::size_t done = 0; done < text.size();) {
        ssize_t n = write(ends[1], text.data() + done, text.size() - done);
        if (n < 0 && errno == EINTR)
            continue;
        if (n <= 0) {
            all_read = false;
            break;
        }
        done += static_cast<std::size_t>(n);
    }
    close(ends[1]);
    int status = 0;
    while (waitpid(pid, &status, 0) < 0 && errno == EINTR) {
    }
    pager_pid = 0;
    restore(previous);
    if (int signal = passed_on) {
        std::signal(signal, SIG_DFL);
        std::raise(signal);
    }
    // The shell's "command not found" or "cannot execute" before it read a line.
    if (!all_read && WIFEXITED(status) &&
        (WEXITSTATUS(status) == 127 || WEXITSTATUS(status) == 126))
        return {false,
                fmt::format("pager \"{}\" could not run (exit {})", command, WEXITSTATUS(status))};
    return {true, ""};
}

} // namespace bbtrace
