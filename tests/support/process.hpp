// Runs a built binary as a user would: argv, stdin text, extra environment,
// captured stdout/stderr and exit status. No shell is involved.
#pragma once

#include <chrono>
#include <map>
#include <optional>
#include <string>
#include <vector>

namespace bbtest {

struct RunResult {
    int status = -1; // exit code, or 128+signal when killed by a signal
    std::string out; // stdout
    std::string err; // stderr
};

struct RunOptions {
    std::string input;                      // written to stdin, then closed
    std::map<std::string, std::string> env; // added to (or replacing in) the environment
    std::vector<std::string> unset_env;     // removed from the environment
    std::optional<std::string> cwd;         // working directory (for .env tests)
    // Instead of input: the child's stdin (say, a pipe that a thread fills
    // with more than memory should hold); run() closes it once started.
    int stdin_fd = -1;
    // A child still running after this long is killed (SIGKILL) and said so
    // on stderr: a hang fails its test at once, naming the command, rather
    // than ending the whole suite's run at ctest's timeout.
    std::chrono::seconds limit = std::chrono::seconds(300);
};

// Path of a built bloodbank binary ("bb-id" -> <build>/bin/bb-id).
std::string binary(const std::string& name);

RunResult run(const std::vector<std::string>& argv, const RunOptions& options = {});

// This process's environment with options.env added or replacing and
// options.unset_env removed, as "NAME=value" strings for execve.
std::vector<std::string> child_environment(const RunOptions& options);

// A fresh empty directory under the build's temp area, removed by the caller if wanted.
std::string make_temp_dir();

} // namespace bbtest
