// A test that cannot run here (no test servers in the environment, not root)
// calls skip_test(why) and returns. Under CI=true that is a failure: CI
// checks everything (DESIGN §5). Elsewhere the test case is recorded as
// skipped, and tests/main.cpp ends a run that passed but in which every test
// case skipped with skipped_exit_code, which tests/CMakeLists.txt gives ctest
// as SKIP_RETURN_CODE. ctest runs one test case per process, so such a test
// shows as "Skipped", never as "Passed", and a failed assertion still fails it.
#pragma once

#include <string>

namespace bbtest {

inline constexpr int skipped_exit_code = BB_SKIPPED_EXIT_CODE; // from tests/CMakeLists.txt

// Says why on the test's output; the caller then returns.
void skip_test(const std::string& why);

// The process's exit code for doctest's result: skipped_exit_code when
// nothing failed and every test case that ran skipped; a failure when no test
// case ran at all (a ctest name that matches no test case, e.g. one that
// doctest_discover_tests split at a ';').
int exit_code(int doctest_result);

} // namespace bbtest
