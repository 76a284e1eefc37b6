#include "support/process.hpp"

#include <algorithm>
#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <fcntl.h>
#include <iostream>
#include <poll.h>
#include <signal.h>
#include <stdexcept>
#include <sys/wait.h>
#include <unistd.h>

extern char** environ;

namespace bbtest {

std::string binary(const std::string& name) {
    return std::string(BB_BIN_DIR) + "/" + name;
}

std::string make_temp_dir() {
    std::string pattern = "/tmp/bbtest.XXXXXX";
    if (!mkdtemp(pattern.data()))
        throw std::runtime_error("mkdtemp failed");
    return pattern;
}

std::vector<std::string> child_environment(const RunOptions& options) {
    std::vector<std::string> env;
    for (char** e = environ; *e; ++e) {
        std::string entry(*e);
        std::string name = entry.substr(0, entry.find('='));
        bool dropped = options.env.count(name) > 0;
        for (const auto& u : options.unset_env)
            dropped = dropped || u == name;
        if (!dropped)
            env.push_back(entry);
    }
    for (const auto& [k, v] : options.env)
        env.push_back(k + "=" + v);
    return env;
}

RunResult run(const std::vector<std::string>& argv, const RunOptions& options) {
    int in[2], out[2], err[2];
    if (pipe2(in, O_CLOEXEC) || pipe2(out, O_CLOEXEC) || pipe2(err, O_CLOEXEC))
        throw std::runtime_error("pipe failed");

    std::vector<std::string> env_strings = child_environment(options);
    std::vector<char*> envp;
    for (auto& s : env_strings)
        envp.push_back(s.data());
    envp.push_back(nullptr);
    std::vector<char*> args;
    std::vector<std::string> argv_copy = argv;
    for (auto& a : argv_copy)
        args.push_back(a.data());
    args.push_back(nullptr);

    pid_t pid = fork();
    if (pid < 0)
        throw std::runtime_error("fork failed");
    if (pid == 0) {
        dup2(options.stdin_fd >= 0 ? options.stdin_fd : in[0], 0);
        dup2(out[1], 1);
        dup2(err[1], 2);
        if (options.cwd && chdir(options.cwd->c_str()) != 0)
            _exit(127);
        execve(args[0], args.data(), envp.data());
        _exit(127);
    }
    close(in[0]);
    close(out[1]);
    close(err[1]);
    if (options.stdin_fd >= 0)
        close(options.stdin_fd); // the child's now: a writer sees EPIPE if it dies

    // Feed stdin and drain both outputs together so no pipe can fill and block.
    RunResult result;
    std::size_t written = 0;
    int in_fd = in[1];
    if (options.input.empty() || options.stdin_fd >= 0) {
        close(in_fd);
        in_fd = -1;
    } else {
        fcntl(in_fd, F_SETFL, O_NONBLOCK);
    }
    signal(SIGPIPE, SIG_IGN);
    bool out_open = true, err_open = true;
    char buffer[65536];
    auto deadline = std::chrono::steady_clock::now() + options.limit;
    bool killed = false;
    while (out_open || err_open || in_fd >= 0) {
        pollfd fds[3];
        int n = 0;
        if (out_open)
            fds[n++] = {out[0], POLLIN, 0};
        if (err_open)
            fds[n++] = {err[0], POLLIN, 0};
        if (in_fd >= 0)
            fds[n++] = {in_fd, POLLOUT, 0};
        auto left = std::chrono::duration_cast<std::chrono::milliseconds>(
            deadline - std::chrono::steady_clock::now());
        int ready = poll(fds, n, static_cast<int>(std::max<long long>(left.count(), 0)));
        if (ready < 0) {
            if (errno == EINTR)
                continue;
            break;
        }
        if (ready == 0) {
            if (killed)
                break; // something it started still holds the pipes
            kill(pid, SIGKILL);
            killed = true;
            std::string said = "[bbtest] " + argv.front() + " killed: still running after " +
                               std::to_string(options.limit.count()) + " s\n";
            std::cerr << said;
            result.err += said;
            deadline = std::chrono::steady_clock::now() + std::chrono::seconds(5);
            continue;
        }
        for (int i = 0; i < n; ++i) {
            if (!fds[i].revents)
                continue;
            if (fds[i].fd == in_fd) {
                ssize_t w =
                    write(in_fd, options.input.data() + written, options.input.size() - written);
                if (w > 0)
                    written += static_cast<std::size_t>(w);
                if (w < 0 && errno != EAGAIN) {
                    close(in_fd);
                    in_fd = -1;
                } else if (written == options.input.size()) {
                    close(in_fd);
                    in_fd = -1;
                }
                continue;
            }
            ssize_t r = read(fds[i].fd, buffer, sizeof buffer);
            if (r <= 0) {
                if (fds[i].fd == out[0])
                    out_open = false;
                else
                    err_open = false;
                continue;
            }
            (fds[i].fd == out[0] ? result.out : result.err)
                .append(buffer, static_cast<std::size_t>(r));
        }
    }
    close(out[0]);
    close(err[0]);
    int wstatus = 0;
    while (waitpid(pid, &wstatus, 0) < 0 && errno == EINTR) {
    }
    result.status = WIFEXITED(wstatus) ? WEXITSTATUS(wstatus) : 128 + WTERMSIG(wstatus);
    return result;
}

} // namespace bbtest
