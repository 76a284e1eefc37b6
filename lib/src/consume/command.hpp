// Private to the consume run: one run of the per-event command. It gets the
// envelope on stdin (a memfd, so a command that never reads it blocks
// nothing), BB_* variables in its environment, its own process group (a
// Ctrl-C at the terminal reaches bb-consume only, which lets it finish; a
// timeout kills the whole group), and the default action of every signal.
#pragma once

#include "bloodbank/error.hpp"
#include "bloodbank/unique_fd.hpp"

#include <string>
#include <string_view>
#include <sys/types.h>
#include <utility>
#include <vector>

namespace bb::consume_detail {

class Command {
public:
    // Starts argv[0] (looked up in PATH) with `input` on its stdin and
    // `environment` ("NAME=value") added to bb-consume's own.
    static Result<Command> start(const std::vector<std::string>& argv, std::string_view input,
                                 const std::vector<std::string>& environment);

    Command(Command&&) noexcept;
    Command& operator=(Command&&) noexcept;
    ~Command();

    // Readable (POLLIN) once the command has ended.
    int fd() const { return pidfd_.get(); }
    pid_t pid() const { return pid_; }

    // After fd() became readable: reaps it. "" if it exited 0, else why it
    // failed: "exit status 3", "killed by SIGSEGV", "timed out after 2 s".
    std::string finish();
    // Kills its process group (SIGKILL); finish() then reports `why`.
    void kill(std::string why);

private:
    Command(pid_t pid, UniqueFd pidfd) : pid_(pid), pidfd_(std::move(pidfd)) {}
    pid_t pid_ = -1;
    UniqueFd pidfd_;
    std::string killed_for_;
};

// Whether `program` can be run: a path that is an executable file, or a name
// found as one in PATH. Error (ErrorKind::usage) naming it otherwise.
Result<void> check_runnable(const std::string& program);

} // namespace bb::consume_detail
