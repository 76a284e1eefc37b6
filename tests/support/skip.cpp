#include "support/skip.hpp"

#include <doctest/doctest.h>

#include <cstdlib>
#include <iostream>
#include <set>

namespace bbtest {
namespace {

unsigned test_cases_run = 0;
std::set<const doctest::TestCaseData*> skipped; // a test case may skip more than once

// Counts the test cases that ran; doctest tells only its reporters.
struct RunCounter : doctest::IReporter {
    explicit RunCounter(const doctest::ContextOptions&) {}
    void report_query(const doctest::QueryData&) override {}
    void test_run_start() override {}
    void test_run_end(const doctest::TestRunStats&) override {}
    void test_case_start(const doctest::TestCaseData&) override { ++test_cases_run; }
    void test_case_reenter(const doctest::TestCaseData&) override {}
    void test_case_end(const doctest::CurrentTestCaseStats&) override {}
    void test_case_exception(const doctest::TestCaseException&) override {}
    void subcase_start(const doctest::SubcaseSignature&) override {}
    void subcase_end() override {}
    void log_assert(const doctest::AssertData&) override {}
    void log_message(const doctest::MessageData&) override {}
    void test_case_skipped(const doctest::TestCaseData&) override {}
};
REGISTER_LISTENER("bb-run-counter", 1, RunCounter);

bool under_ci() {
    const char* ci = std::getenv("CI");
    return ci && std::string(ci) == "true";
}

} // namespace

void skip_test(const std::string& why) {
    if (under_ci()) {
        FAIL_CHECK("CI=true but " << why);
        return;
    }
    skipped.insert(doctest::getContextOptions()->currentTest);
    MESSAGE("skipped: " << why);
}

int exit_code(int doctest_result) {
    // A filter that matches nothing checked nothing: say so, as for a skip.
    if (test_cases_run == 0) {
        std::cout << "no test case matched the filters: nothing checked\n";
        return doctest_result == 0 ? 1 : doctest_result;
    }
    if (skipped.empty())
        return doctest_result;
    std::cout << skipped.size() << " of " << test_cases_run
              << " test cases skipped (see \"skipped:\" above)\n";
    return doctest_result == 0 && skipped.size() == test_cases_run ? skipped_exit_code
                                                                   : doctest_result;
}

} // namespace bbtest
