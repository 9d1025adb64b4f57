#include "tests/support/sanitizer_report.h"

#include <algorithm>
#include <array>
#include <system_error>

#include <gtest/gtest.h>

#include "tests/support/temp_dir.h"

namespace orch::testing {

namespace {

// The first line of each kind of report: AddressSanitizer and LeakSanitizer ("==PID==ERROR:
// AddressSanitizer: heap-use-after-free ...") and UndefinedBehaviorSanitizer ("file:line:col:
// runtime error: ...").
constexpr std::array<std::string_view, 3> kMarkers{"ERROR: AddressSanitizer",
                                                   "ERROR: LeakSanitizer", ": runtime error: "};
// Enough for the report's first stacks; the rest is in the file while the test runs.
constexpr std::size_t kMaxQuoted = 6000;

}  // namespace

std::string sanitizer_report_in(std::string_view text) {
  std::size_t first = std::string_view::npos;
  for (auto marker : kMarkers) {
    first = std::min(first, text.find(marker));
  }
  if (first == std::string_view::npos) {
    return "";
  }
  auto line_start = text.rfind('\n', first);
  auto start = line_start == std::string_view::npos ? 0 : line_start + 1;
  return std::string(text.substr(start, kMaxQuoted));
}

void expect_no_sanitizer_report_under(const std::filesystem::path& dir) {
  std::error_code ec;
  for (std::filesystem::recursive_directory_iterator it(dir, ec), end; !ec && it != end;
       it.increment(ec)) {
    if (!it->is_regular_file(ec)) {
      continue;
    }
    auto report = sanitizer_report_in(read_file(it->path()));
    if (!report.empty()) {
      ADD_FAILURE() << "a sanitizer report in " << it->path().string() << ":\n" << report;
    }
  }
}

}  // namespace orch::testing
