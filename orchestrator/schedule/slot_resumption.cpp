#include "orchestrator/schedule/slot_resumption.h"

#include <algorithm>

namespace orch {

bool within_grace(SysTime due, SysTime now, std::chrono::seconds grace) {
  return now - due <= grace;
}

std::optional<SysTime> lost_at(const RunRecord& attempt) {
  switch (attempt.status) {
    case RunStatus::kAbandoned:
      if (attempt.heartbeat_at) {
        return attempt.heartbeat_at;
      }
      return attempt.started_at ? attempt.started_at : attempt.completed_at;
    case RunStatus::kInterrupted:
      return attempt.completed_at;
    default:
      return std::nullopt;
  }
}

std::optional<NextAttempt> resume_slot(const RunRecord& last, const config::RetryConfig& policy,
                                       std::chrono::seconds grace, const date::time_zone& zone,
                                       SysTime now) {
  if (!last.slot_key || !last.scheduled_for || last.triggered_by == Trigger::kManual ||
      last.triggered_by == Trigger::kBackfill) {
    return std::nullopt;  // someone's command: not run again behind their back
  }
  if (auto lost = lost_at(last)) {
    // A pipeline that takes its service down with it every time would otherwise be rerun for as
    // long as the service is restarted; the cap is the retry policy's own.
    if (!within_grace(*lost, now, grace) || last.attempt >= kMaxSlotAttempts) {
      return std::nullopt;
    }
    return NextAttempt{last.attempt + 1, now};
  }
  if (!last.completed_at) {
    return std::nullopt;
  }
  auto next = next_attempt(policy, last.attempt, last.status, *last.completed_at, last.run_date,
                           zone, retry_jitter(last.run_id.str()));
  if (next) {
    next->at = std::max(next->at, now);
  }
  return next;
}

}  // namespace orch
