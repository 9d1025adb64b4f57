#include <chrono>
#include <random>

#include <date/date.h>
#include <gtest/gtest.h>

#include "config/base/time.h"

namespace orch {
namespace {

using std::chrono::milliseconds;

SysTime at_ms(long long ms) { return SysTime(milliseconds(ms)); }

TEST(FormatUtc, WritesMillisecondsAndWholeSeconds) {
  const SysTime t = date::sys_days{date::year{2026} / 11 / 23} + std::chrono::hours(2) +
                    std::chrono::minutes(5) + std::chrono::seconds(9) + milliseconds(13);
  EXPECT_EQ(format_utc(t), "2026-11-23T02:05:09.013Z");
  EXPECT_EQ(format_utc_seconds(t), "2026-11-23T02:05:09Z");
}

// The library's formatting is the reference: the same text for any instant, before 1970 too,
// on leap days and at the last millisecond of a day.
TEST(FormatUtc, AgreesWithTheDateLibraryEverywhere) {
  std::vector<SysTime> instants = {
      at_ms(0),
      at_ms(-1),
      date::sys_days{date::year{2024} / 2 / 29} + milliseconds(86'399'999),
      date::sys_days{date::year{0} / 1 / 1},
      date::sys_days{date::year{9999} / 12 / 31} + milliseconds(86'399'999),
      date::sys_days{date::year{10000} / 1 / 1} + milliseconds(1),  // past four digits
      date::sys_days{date::year{-1} / 12 / 31},
  };
  std::mt19937_64 random(42);
  std::uniform_int_distribution<long long> any_ms(-70LL * 365 * 86'400'000,
                                                  200LL * 365 * 86'400'000);
  for (int i = 0; i < 10'000; ++i) {
    instants.push_back(at_ms(any_ms(random)));
  }
  for (SysTime t : instants) {
    SCOPED_TRACE(t.time_since_epoch().count());
    EXPECT_EQ(format_utc(t), date::format("%FT%TZ", t));
    EXPECT_EQ(format_utc_seconds(t),
              date::format("%FT%TZ", std::chrono::floor<std::chrono::seconds>(t)));
  }
}

TEST(FormatUtc, ReadsBackWhatItWrites) {
  const SysTime t = at_ms(1'795'000'123'456);
  auto parsed = parse_utc(format_utc(t));
  ASSERT_TRUE(parsed);
  EXPECT_EQ(*parsed, t);
}

}  // namespace
}  // namespace orch
