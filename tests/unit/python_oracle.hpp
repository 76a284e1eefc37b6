// Runs a python3 script as an independent oracle for unit tests: the
// expectations come from Python's own datetime/json/uuid, never from the
// code under test. The script reads the input file named by argv[1].
#pragma once

#include "../support/lines.hpp"

#include <doctest/doctest.h>

#include <cstdio>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <string>
#include <string_view>
#include <unistd.h>
#include <vector>

namespace bbtest {

inline std::string run_python(std::string_view script, std::string_view input) {
    namespace fs = std::filesystem;
    static int counter = 0;
    std::string stem =
        "bb-unit-python-" + std::to_string(getpid()) + "-" + std::to_string(++counter);
    fs::path script_path = fs::temp_directory_path() / (stem + ".py");
    fs::path input_path = fs::temp_directory_path() / (stem + ".in");
    std::ofstream(script_path, std::ios::binary) << script;
    std::ofstream(input_path, std::ios::binary) << input;

    std::string command = "python3 '" + script_path.string() + "' '" + input_path.string() + "'";
    std::string out;
    FILE* pipe = popen(command.c_str(), "r");
    REQUIRE_MESSAGE(pipe != nullptr, "cannot run python3");
    char buffer[4096];
    for (std::size_t n; (n = fread(buffer, 1, sizeof(buffer), pipe)) > 0;)
        out.append(buffer, n);
    int status = pclose(pipe);
    fs::remove(script_path);
    fs::remove(input_path);
    REQUIRE_MESSAGE(status == 0, "python3 oracle failed: " << command);
    return out;
}

} // namespace bbtest
