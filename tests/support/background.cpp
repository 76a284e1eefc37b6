#include "support/background.hpp"

#include <cerrno>
#include <fcntl.h>
#include <filesystem>
#include <fstream>
#include <signal.h>
#include <sstream>
#include <stdexcept>
#include <sys/wait.h>
#include <thread>
#include <unistd.h>

extern char** environ;

namespace bbtest {
namespace {

std::string read_file(const std::string& path) {
    std::ifstream in(path, std::ios::binary);
    std::ostringstream text;
    text << in.rdbuf();
    return text.str();
}

int decode(int wstatus) {
    return WIFEXITED(wstatus) ? WEXITSTATUS(wstatus) : 128 + WTERMSIG(wstatus);
}

} // namespace

Background::Background(const std::vector<std::string>& argv, const RunOptions& options)
    : dir_(make_temp_dir()) {
    std::vector<std::string> env_strings = child_environment(options);
    std::vector<char*> envp;
    for (auto& s : env_strings)
        envp.push_back(s.data());
    envp.push_back(nullptr);
    std::vector<std::string> argv_copy = argv;
    std::vector<char*> args;
    for (auto& a : argv_copy)
        args.push_back(a.data());
    args.push_back(nullptr);
    std::string in_path = dir_ + "/stdin", out_path = dir_ + "/stdout", err_path = dir_ + "/stderr";
    std::ofstream(in_path, std::ios::binary) << options.input;

    pid_ = fork();
    if (pid_ < 0)
        throw std::runtime_error("fork failed");
    if (pid_ == 0) {
        int in = open(in_path.c_str(), O_RDONLY);
        int out = open(out_path.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0600);
        int err = open(err_path.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0600);
        if (in < 0 || out < 0 || err < 0)
            _exit(127);
        dup2(in, 0);
        dup2(out, 1);
        dup2(err, 2);
        if (options.cwd && chdir(options.cwd->c_str()) != 0)
            _exit(127);
        execve(args[0], args.data(), envp.data());
        _exit(127);
    }
}

Background::~Background() {
    if (status_ < 0 && pid_ > 0)
        stop(SIGTERM, std::chrono::seconds(5));
    std::error_code ignored;
    std::filesystem::remove_all(dir_, ignored);
}

std::string Background::out() const {
    return read_file(dir_ + "/stdout");
}

std::string Background::err() const {
    return read_file(dir_ + "/stderr");
}

bool Background::running() {
    if (status_ >= 0)
        return false;
    int wstatus = 0;
    pid_t done = waitpid(pid_, &wstatus, WNOHANG);
    if (done == pid_) {
        status_ = decode(wstatus);
        return false;
    }
    return done == 0;
}

int Background::stop(int signal, std::chrono::milliseconds grace) {
    if (!running())
        return status_;
    kill(pid_, signal);
    if (!wait_until([&] { return !running(); }, grace)) {
        kill(pid_, SIGKILL);
        int wstatus = 0;
        while (waitpid(pid_, &wstatus, 0) < 0 && errno == EINTR) {
        }
        status_ = decode(wstatus);
    }
    return status_;
}

bool wait_until(const std::function<bool()>& ready, std::chrono::milliseconds timeout) {
    auto deadline = std::chrono::steady_clock::now() + timeout;
    while (true) {
        if (ready())
            return true;
        if (std::chrono::steady_clock::now() >= deadline)
            return false;
        std::this_thread::sleep_for(std::chrono::milliseconds(20));
    }
}

} // namespace bbtest
