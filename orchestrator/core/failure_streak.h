#pragma once

#include "config/base/ids.h"
#include "config/base/result.h"
#include "orchestrator/store/run_store.h"

namespace orch {

struct FailureStreak {
  int failures = 0;              // ended runs that failed, newest first, up to the last success
  int failures_before_last = 0;  // the same, not counting the newest ended run
};

// The failed runs in a row of a team's pipeline, from the run history: runs that ended
// (completed, or a failure: failed, timed_out, interrupted, abandoned) count; skipped, missed and
// running ones are passed over. Looks at no more than `depth` ended runs, so the counts stop at
// `depth`.
Result<FailureStreak> failure_streak(RunStore& runs, const RunOwner& owner, int depth);

}  // namespace orch
