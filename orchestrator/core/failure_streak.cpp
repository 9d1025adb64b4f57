#include "orchestrator/core/failure_streak.h"

namespace orch {

Result<FailureStreak> failure_streak(RunStore& runs, const RunOwner& owner, int depth) {
  // Skips and misses come between ended runs; read enough rows to see `depth` ended ones.
  auto history = runs.recent_statuses(owner, depth * 4 + 8);
  if (!history) {
    return history.error();
  }
  std::vector<bool> ended_failed;  // newest first
  for (RunStatus status : *history) {
    if (status == RunStatus::kCompleted || is_failure(status)) {
      ended_failed.push_back(is_failure(status));
    }
    if (static_cast<int>(ended_failed.size()) > depth) {
      break;
    }
  }
  FailureStreak streak;
  for (std::size_t i = 0; i < ended_failed.size() && ended_failed[i]; ++i) {
    ++streak.failures;
  }
  for (std::size_t i = 1; i < ended_failed.size() && ended_failed[i]; ++i) {
    ++streak.failures_before_last;
  }
  return streak;
}

}  // namespace orch
