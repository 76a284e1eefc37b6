// A terminal for the tests of what a person sees: a tmux server of the
// test's own (its socket in a temp folder, killed with the object), one
// detached session of a given size running a shell, keys sent to it and its
// screen read back as text.
#pragma once

#include "support/temp_dir.hpp"

#include <functional>
#include <map>
#include <string>
#include <vector>

namespace bbtest {

class Tmux {
public:
    // The shell starts with exactly `env` (and TERM) in a session of
    // columns x rows; false from started() when tmux is missing.
    Tmux(int columns, int rows, const std::map<std::string, std::string>& env);
    ~Tmux();
    Tmux(const Tmux&) = delete;
    Tmux& operator=(const Tmux&) = delete;

    bool started() const { return started_; }
    // Keys as tmux's send-keys reads them: "C-c", "Enter", "q"; with
    // `literal`, the text typed as it is.
    void keys(const std::string& keys, bool literal = false);
    // The visible screen, one line per row, trailing spaces dropped.
    std::string screen();
    // Polls the screen (every 50 ms, for up to `seconds`) until `ready`
    // holds; returns whether it did.
    bool wait_for(const std::function<bool(const std::string&)>& ready, int seconds = 20);
    // The process ids in the session whose command name is `name`.
    std::vector<int> processes(const std::string& name);
    const std::filesystem::path& dir() const { return dir_.path(); }

private:
    std::string tmux(const std::vector<std::string>& args);
    TempDir dir_;
    std::string socket_;
    bool started_ = false;
};

} // namespace bbtest
