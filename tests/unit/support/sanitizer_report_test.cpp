#include "tests/support/sanitizer_report.h"

#include <fcntl.h>
#include <unistd.h>

#include <gtest/gtest-spi.h>
#include <gtest/gtest.h>

#include "tests/support/temp_dir.h"

namespace orch::testing {
namespace {

// Reports as GCC 12's sanitizers print them.
constexpr const char* kLeak =
    "=================================================================\n"
    "==20780==ERROR: LeakSanitizer: detected memory leaks\n"
    "\n"
    "Direct leak of 40 byte(s) in 1 object(s) allocated from:\n"
    "    #0 0x7f88eaeb89cf in __interceptor_malloc\n";
constexpr const char* kUseAfterFree =
    "==31==ERROR: AddressSanitizer: heap-use-after-free on address 0x602000000010\n";
constexpr const char* kUndefined =
    "u.cpp:3:45: runtime error: signed integer overflow: 2147483647 + 1 cannot be represented in "
    "type 'int'\n";

TEST(SanitizerReport, FindsEachKindOfReportFromItsFirstLine) {
  EXPECT_EQ(sanitizer_report_in(std::string("run started\n") + kLeak),
            std::string(kLeak).substr(std::string(kLeak).find("==20780==")));
  EXPECT_EQ(sanitizer_report_in(std::string("a\nb\n") + kUseAfterFree), kUseAfterFree);
  EXPECT_EQ(sanitizer_report_in(kUndefined), kUndefined);
}

TEST(SanitizerReport, OrdinaryOutputHoldsNone) {
  EXPECT_EQ(sanitizer_report_in(""), "");
  EXPECT_EQ(sanitizer_report_in("ERROR: pipeline exited with status 1\nruntime errors: 0\n"), "");
}

TEST(SanitizerReport, AFileWithAReportInATestFolderFailsTheTest) {
  TempDir dir;
  write_file(dir / "outputs/sales_team_1/run/pipeline.log", std::string("ok\n") + kUndefined);
  write_file(dir / "serve.log", "ready\n");
  EXPECT_NONFATAL_FAILURE(expect_no_sanitizer_report_under(dir.path()), "signed integer overflow");
  std::filesystem::remove(dir / "outputs/sales_team_1/run/pipeline.log");
}

TEST(SanitizerReport, AReportAtTheEndOfAHugeFileIsFoundWithoutReadingItWhole) {
  TempDir dir;
  auto log = dir / "pipeline.log";
  int fd = ::open(log.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
  ASSERT_GE(fd, 0);
  const std::string report = kUseAfterFree;
  const off_t gap = off_t{8} << 30;  // a sparse hole of 8 GiB: reading it whole would take long
  ASSERT_EQ(::pwrite(fd, report.data(), report.size(), gap), static_cast<ssize_t>(report.size()));
  ::close(fd);
  auto start = std::chrono::steady_clock::now();
  EXPECT_NONFATAL_FAILURE(expect_no_sanitizer_report_under(dir.path()), "heap-use-after-free");
  EXPECT_LT(std::chrono::steady_clock::now() - start, std::chrono::seconds(2));
  std::filesystem::remove(log);
}

}  // namespace
}  // namespace orch::testing
