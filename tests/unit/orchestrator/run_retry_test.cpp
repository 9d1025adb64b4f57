// What a run's end tells people about its retry (the notification's "retry" line) and whether
// another attempt is planned, case by case.
#include "orchestrator/core/run_retry.h"

#include <string>

#include <gtest/gtest.h>

#include "tests/support/time_values.h"

namespace orch {
namespace {

using testing::utc;
using testing::zone;

struct RetryCase {
  const char* name;
  int attempt;
  RunStatus status;
  int max_attempts;
  bool for_slot;
  const char* ended_at;
  const char* told;  // a prefix of what people are told; "" for nothing
  bool planned;
};

TEST(PlanRetry, TellsWhetherAndWhenTheNextAttemptComes) {
  const RetryCase cases[] = {
      {"manual run", 1, RunStatus::kFailed, 3, false, "2026-01-15T02:00:00Z", "", false},
      {"completed", 1, RunStatus::kCompleted, 3, true, "2026-01-15T02:00:00Z", "", false},
      {"no retry policy", 1, RunStatus::kFailed, 1, true, "2026-01-15T02:00:00Z", "", false},
      {"failed", 1, RunStatus::kFailed, 3, true, "2026-01-15T02:00:00Z", "attempt 2 at ", true},
      {"timed out", 2, RunStatus::kTimedOut, 3, true, "2026-01-15T02:00:00Z", "attempt 3 at ",
       true},
      {"interrupted", 1, RunStatus::kInterrupted, 1, true, "2026-01-15T02:00:00Z",
       "attempt 2 as soon as a service runs", true},
      {"cancelled", 1, RunStatus::kCancelled, 3, true, "2026-01-15T02:00:00Z",
       "none: a run that ends cancelled is not retried", false},
      {"last attempt", 3, RunStatus::kFailed, 3, true, "2026-01-15T02:00:00Z",
       "none: attempt 3 of 3 was the last", false},
      {"past the day", 1, RunStatus::kFailed, 3, true, "2026-01-15T23:59:50Z",
       "none: the next attempt would start after the slot's day", false},
  };
  for (const RetryCase& c : cases) {
    SCOPED_TRACE(c.name);
    RunRecord run;
    run.run_id = RunId("r-1");
    run.attempt = c.attempt;
    config::RetryConfig policy;
    policy.max_attempts = c.max_attempts;
    std::optional<Date> slot_day;
    if (c.for_slot) {
      slot_day = *parse_date("2026-01-15");
    }
    const RetryPlan plan = plan_retry({.run = run,
                                       .status = c.status,
                                       .ended_at = utc(c.ended_at),
                                       .slot_run_date = slot_day,
                                       .zone = &zone("UTC"),
                                       .policy = policy});
    EXPECT_EQ(plan.next.has_value(), c.planned);
    EXPECT_EQ(plan.told.rfind(c.told, 0), 0U) << plan.told;
    if (std::string(c.told).empty()) {
      EXPECT_EQ(plan.told, "");
    }
  }
}

}  // namespace
}  // namespace orch
