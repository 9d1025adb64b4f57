#include "orchestrator/schedule/retry_policy.h"

#include <string>

#include <date/tz.h>
#include <gtest/gtest.h>

#include "tests/support/time_values.h"

namespace orch {
namespace {

using testing::utc;
using testing::zone;

using std::chrono::seconds;

Date day(const std::string& text) {
  auto d = parse_date(text);
  EXPECT_TRUE(d.has_value()) << text;
  return d ? *d : Date{};
}

config::RetryConfig policy(int max_attempts, int initial, int max) {
  config::RetryConfig p;
  p.max_attempts = max_attempts;
  p.initial_delay = seconds(initial);
  p.max_delay = seconds(max);
  return p;
}

std::string when(const std::optional<NextAttempt>& next) {
  return next ? std::to_string(next->attempt) + " " + format_utc_seconds(next->at) : "none";
}

TEST(RetryPolicy, DoublesTheDelayUpToTheMaximumWithoutJitter) {
  auto p = policy(6, 60, 300);
  SysTime ended = utc("2026-01-15T02:00:00Z");
  const auto& z = zone("UTC");
  EXPECT_EQ(when(next_attempt(p, 1, RunStatus::kFailed, ended, day("2026-01-15"), z, 1.0)),
            "2 2026-01-15T02:01:00Z");
  EXPECT_EQ(when(next_attempt(p, 2, RunStatus::kFailed, ended, day("2026-01-15"), z, 1.0)),
            "3 2026-01-15T02:02:00Z");
  EXPECT_EQ(when(next_attempt(p, 3, RunStatus::kTimedOut, ended, day("2026-01-15"), z, 1.0)),
            "4 2026-01-15T02:04:00Z");
  EXPECT_EQ(when(next_attempt(p, 4, RunStatus::kFailed, ended, day("2026-01-15"), z, 1.0)),
            "5 2026-01-15T02:05:00Z");
  EXPECT_EQ(when(next_attempt(p, 5, RunStatus::kFailed, ended, day("2026-01-15"), z, 1.0)),
            "6 2026-01-15T02:05:00Z");
}

TEST(RetryPolicy, JitterShortensTheDelayByUpToHalf) {
  auto p = policy(3, 120, 3600);
  SysTime ended = utc("2026-01-15T02:00:00Z");
  const auto& z = zone("UTC");
  EXPECT_EQ(when(next_attempt(p, 1, RunStatus::kFailed, ended, day("2026-01-15"), z, 0.0)),
            "2 2026-01-15T02:01:00Z");
  EXPECT_EQ(when(next_attempt(p, 1, RunStatus::kFailed, ended, day("2026-01-15"), z, 0.5)),
            "2 2026-01-15T02:01:30Z");
}

TEST(RetryPolicy, StopsAfterTheLastAttempt) {
  auto p = policy(3, 60, 300);
  SysTime ended = utc("2026-01-15T02:00:00Z");
  EXPECT_EQ(when(next_attempt(p, 3, RunStatus::kFailed, ended, day("2026-01-15"), zone("UTC"), 1)),
            "none");
  EXPECT_EQ(when(next_attempt(policy(1, 60, 60), 1, RunStatus::kFailed, ended, day("2026-01-15"),
                              zone("UTC"), 1)),
            "none");
}

TEST(RetryPolicy, RetriesOnlyFailedAndTimedOutRuns) {
  auto p = policy(3, 60, 300);
  SysTime ended = utc("2026-01-15T02:00:00Z");
  for (RunStatus status : {RunStatus::kCompleted, RunStatus::kInterrupted, RunStatus::kSkipped,
                           RunStatus::kMissed, RunStatus::kAbandoned}) {
    SCOPED_TRACE(to_string(status));
    EXPECT_EQ(when(next_attempt(p, 1, status, ended, day("2026-01-15"), zone("UTC"), 1)), "none");
  }
}

TEST(RetryPolicy, KeepsRetriesInsideTheSlotsDayInItsZone) {
  auto p = policy(3, 3600, 3600);
  // 22:30 in New York (EST) on the 15th: an hour later is still the 15th there.
  EXPECT_EQ(when(next_attempt(p, 1, RunStatus::kFailed, utc("2026-01-16T03:30:00Z"),
                              day("2026-01-15"), zone("America/New_York"), 1)),
            "2 2026-01-16T04:30:00Z");
  // 23:30: an hour later is the 16th.
  EXPECT_EQ(when(next_attempt(p, 1, RunStatus::kFailed, utc("2026-01-16T04:30:00Z"),
                              day("2026-01-15"), zone("America/New_York"), 1)),
            "none");
}

}  // namespace
}  // namespace orch
