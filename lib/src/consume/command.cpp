#include "consume/command.hpp"

#include "bloodbank/file_access.hpp"
#include "bloodbank/write_all.hpp"

#include <fmt/format.h>

#include <cerrno>
#include <csignal>
#include <cstdlib>
#include <cstring>
#include <spawn.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

extern char** environ;

namespace bb::consume_detail {
namespace {

// The envelope as a file that is already complete when the command starts.
Result<UniqueFd> input_file(std::string_view input) {
    UniqueFd fd(::memfd_create("bb-consume-event", MFD_CLOEXEC));
    if (!fd)
        return make_error(ErrorKind::internal, "memfd_create: " + errno_text(errno));
    if (int error = write_all(fd.get(), input); error != 0)
        return make_error(ErrorKind::internal, "memfd write: " + errno_text(error));
    if (::lseek(fd.get(), 0, SEEK_SET) != 0)
        return make_error(ErrorKind::internal, "memfd lseek: " + errno_text(errno));
    return fd;
}

struct SpawnAttributes {
    posix_spawnattr_t attr;
    posix_spawn_file_actions_t actions;
    SpawnAttributes() {
        posix_spawnattr_init(&attr);
        posix_spawn_file_actions_init(&actions);
    }
    ~SpawnAttributes() {
        posix_spawn_file_actions_destroy(&actions);
        posix_spawnattr_destroy(&attr);
    }
};

bool executable_file(const std::string& path) {
    struct stat st {};
    return ::stat(path.c_str(), &st) == 0 && S_ISREG(st.st_mode) &&
           ::access(path.c_str(), X_OK) == 0;
}

} // namespace

Result<void> check_runnable(const std::string& program) {
    if (program.empty())
        return make_error(ErrorKind::usage, "--exec needs a command");
    if (program.find('/') != std::string::npos) {
        if (executable_file(program))
            return {};
        return make_error(ErrorKind::usage,
                          fmt::format("cannot run \"{}\": not an executable file", program));
    }
    const char* path = std::getenv("PATH");
    std::string_view dirs = path ? path : "/usr/local/bin:/usr/bin:/bin";
    while (true) {
        auto colon = dirs.find(':');
        std::string dir(dirs.substr(0, colon));
        if (executable_file((dir.empty() ? "." : dir) + "/" + program))
            return {};
        if (colon == std::string_view::npos)
            break;
        dirs.remove_prefix(colon + 1);
    }
    return make_error(ErrorKind::usage,
                      fmt::format("cannot run \"{}\": no such command in PATH", program));
}

Result<Command> Command::start(const std::vector<std::string>& argv, std::string_view input,
                               const std::vector<std::string>& environment) {
    auto stdin_file = input_file(input);
    if (!stdin_file)
        return stdin_file.error();

    std::vector<char*> args;
    for (const std::string& a : argv)
        args.push_back(const_cast<char*>(a.c_str()));
    args.push_back(nullptr);
    std::vector<char*> env;
    for (const std::string& e : environment)
        env.push_back(const_cast<char*>(e.c_str()));
    for (char** e = environ; *e; ++e) {
        bool replaced = false;
        for (const std::string& mine : environment) {
            auto eq = mine.find('=');
            replaced = replaced || std::strncmp(*e, mine.c_str(), eq + 1) == 0;
        }
        if (!replaced)
            env.push_back(*e);
    }
    env.push_back(nullptr);

    SpawnAttributes spawn;
    sigset_t defaults;
    sigemptyset(&defaults);
    for (int sig : {SIGPIPE, SIGINT, SIGTERM, SIGHUP, SIGQUIT, SIGXFSZ})
        sigaddset(&defaults, sig);
    sigset_t none;
    sigemptyset(&none);
    posix_spawnattr_setsigdefault(&spawn.attr, &defaults);
    posix_spawnattr_setsigmask(&spawn.attr, &none);
    posix_spawnattr_setpgroup(&spawn.attr, 0);
    posix_spawnattr_setflags(&spawn.attr, POSIX_SPAWN_SETSIGDEF | POSIX_SPAWN_SETSIGMASK |
                                              POSIX_SPAWN_SETPGROUP | POSIX_SPAWN_USEVFORK);
    posix_spawn_file_actions_adddup2(&spawn.actions, stdin_file->get(), STDIN_FILENO);

    pid_t pid = -1;
    int rc = ::posix_spawnp(&pid, args[0], &spawn.actions, &spawn.attr, args.data(), env.data());
    if (rc != 0)
        return make_error(ErrorKind::unavailable,
                          fmt::format("cannot run \"{}\": {}", argv[0], errno_text(rc)));
    UniqueFd pidfd(static_cast<int>(::syscall(SYS_pidfd_open, pid, 0)));
    if (!pidfd) {
        int error = errno;
        ::kill(pid, SIGKILL);
        ::waitpid(pid, nullptr, 0);
        return make_error(ErrorKind::internal, "pidfd_open: " + errno_text(error));
    }
    return Command(pid, std::move(pidfd));
}

Command::Command(Command&& other) noexcept
    : pid_(std::exchange(other.pid_, -1)), pidfd_(std::move(other.pidfd_)),
      killed_for_(std::move(other.killed_for_)) {}

Command& Command::operator=(Command&& other) noexcept {
    if (this != &other) {
        pid_ = std::exchange(other.pid_, -1);
        pidfd_ = std::move(other.pidfd_);
        killed_for_ = std::move(other.killed_for_);
    }
    return *this;
}

Command::~Command() {
    if (pid_ > 0) { // never left running or unreaped
        ::kill(-pid_, SIGKILL);
        ::waitpid(pid_, nullptr, 0);
    }
}

void Command::kill(std::string why) {
    if (pid_ <= 0)
        return;
    killed_for_ = std::move(why);
    ::kill(-pid_, SIGKILL);
}

std::string Command::finish() {
    int status = 0;
    pid_t done;
    do
        done = ::waitpid(pid_, &status, 0);
    while (done < 0 && errno == EINTR);
    pid_ = -1;
    if (!killed_for_.empty())
        return killed_for_;
    if (done < 0)
        return "lost track of it: " + errno_text(errno);
    if (WIFEXITED(status))
        return WEXITSTATUS(status) == 0 ? "" : fmt::format("exit status {}", WEXITSTATUS(status));
    if (WIFSIGNALED(status))
        return fmt::format("killed by signal {} ({})", WTERMSIG(status),
                           strsignal(WTERMSIG(status)));
    return "ended abnormally";
}

} // namespace bb::consume_detail
