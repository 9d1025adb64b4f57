#pragma once

#include <filesystem>
#include <string>
#include <string_view>

namespace orch::testing {

// In the sanitized build (scripts/build.sh asan) every binary the tests start reports memory
// errors, leaks and undefined behaviour on its stderr, which ends up in a file of the test's
// temporary folder (captured output, a service's log, a pipeline's run log). These find such a
// report, so that a report in a child process fails the test instead of vanishing into a log.

// The report in `text` (from its first line on, shortened), "" when there is none.
std::string sanitizer_report_in(std::string_view text);

// Adds a test failure for every file under `dir` that holds a report, quoting the report.
void expect_no_sanitizer_report_under(const std::filesystem::path& dir);

}  // namespace orch::testing
