// The long options a binary's --help lists, for the tests that hold the man
// pages and the shell completions to the binaries' real interface.
#pragma once

#include <set>
#include <string>
#include <vector>

namespace bbtest {

// The --help output of `program args... --help` (a built binary); fails the
// test unless it exits 0.
std::string help_of(const std::string& program, std::vector<std::string> args = {});

// The long options of the option lists in --help output: lines such as
// "  -f,--field K=V ...  text" or "  --depth N  text"; options merely
// mentioned in a description are not listed ones.
std::set<std::string> listed_options(const std::string& help);

// Every option of a binary: its --help and each subcommand's.
std::set<std::string> all_listed_options(const std::string& program,
                                         const std::vector<std::string>& subcommands = {});

} // namespace bbtest
