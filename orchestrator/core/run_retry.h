#pragma once

#include <optional>
#include <string>

#include "config/base/run_records.h"
#include "config/base/time.h"
#include "config/config.h"
#include "orchestrator/schedule/retry_policy.h"

namespace orch {

// The question a run's end asks: is it tried again?
struct RetryQuestion {
  const RunRecord& run;                   // the run as claimed: its id and attempt
  RunStatus status = RunStatus::kFailed;  // how it ended
  SysTime ended_at;
  // Set for a scheduled run of a slot (not a manual run, not a backfill): the slot's run date.
  std::optional<Date> slot_run_date;
  const date::time_zone* zone = nullptr;  // the target's zone; required with slot_run_date
  const config::RetryConfig& policy;      // the target's retry.*
};

// The answer: the next attempt, if any, and what people are told about it ("attempt 2 at ...",
// "none: ..."; empty when the question does not arise, e.g. a manual run).
struct RetryPlan {
  std::optional<NextAttempt> next;
  std::string told;
};

// Scheduled runs recover by themselves; a manual run has its operator watching. A pure function.
RetryPlan plan_retry(const RetryQuestion& question);

}  // namespace orch
