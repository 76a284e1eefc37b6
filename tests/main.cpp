// doctest's main, except that a run in which every test case skipped exits
// with bbtest::skipped_exit_code (support/skip.hpp).
#define DOCTEST_CONFIG_IMPLEMENT
#include "support/skip.hpp"

#include <doctest/doctest.h>

int main(int argc, char** argv) {
    doctest::Context context(argc, argv);
    int result = context.run();
    if (context.shouldExit())
        return result;
    return bbtest::exit_code(result);
}
