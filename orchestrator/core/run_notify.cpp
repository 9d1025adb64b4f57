#include "orchestrator/core/run_notify.h"

#include <algorithm>

#include "config/base/log.h"
#include "orchestrator/core/failure_streak.h"

namespace orch {
namespace {

// How far back the streak a recovery ends is counted; a longer one is told as "at least" this.
constexpr int kRecoveryDepth = 100;

}  // namespace

void RunNotices::tell(notify::EventKind kind, const RunRecord& run, const RunTarget& target,
                      const std::string& retry) const {
  notify::RunEvent e = run_event(kind, run, target);
  e.retry = retry;
  notifier_.notify(e);
}

void RunNotices::tell_end(const EndNotice& notice) const {
  tell(end_event(notice.run.status), notice.run, notice.target, notice.retry);
  if (notice.recorded == EndRecorded::kYes) {
    tell_streak(notice.run, notice.target);
  }
}

void RunNotices::tell_streak(const RunRecord& run, const RunTarget& target) const {
  const int threshold = alert_after_failures_;
  if (threshold <= 0 || !run.team) {
    return;
  }
  // Counted from the database, not in memory: a streak spans days, restarts and replicas.
  // A look just deeper than the threshold decides whether to alert; only a recovery reads deeper,
  // to say how long the streak was (or "at least" that many).
  const RunOwner owner{run.team, run.pipeline};
  auto streak = failure_streak(runs_, owner, threshold + 1);
  if (streak && run.status == RunStatus::kCompleted && streak->failures_before_last >= threshold) {
    streak = failure_streak(runs_, owner, std::max(threshold + 1, kRecoveryDepth));
  }
  if (!streak) {
    log::warn("failure_streak_unknown",
              {{"team", describe_team(run.team)}, {"reason", streak.error().message}});
    return;
  }
  notify::RunEvent e = run_event(notify::EventKind::kTeamFailing, run, target);
  if (is_failure(run.status) && streak->failures == threshold) {
    e.consecutive_failures = streak->failures;
    notifier_.notify(e);
  } else if (run.status == RunStatus::kCompleted && streak->failures_before_last >= threshold) {
    e.kind = notify::EventKind::kTeamRecovered;
    e.consecutive_failures = streak->failures_before_last;
    notifier_.notify(e);
  }
}

notify::EventKind end_event(RunStatus status) {
  switch (status) {
    case RunStatus::kCompleted:
      return notify::EventKind::kRunCompleted;
    case RunStatus::kTimedOut:
      return notify::EventKind::kRunTimedOut;
    case RunStatus::kAbandoned:
      return notify::EventKind::kRunAbandoned;
    case RunStatus::kMissed:
      return notify::EventKind::kRunMissed;
    case RunStatus::kSkipped:
      return notify::EventKind::kRunSkipped;
    case RunStatus::kCancelled:
      return notify::EventKind::kRunCancelled;
    default:
      return notify::EventKind::kRunFailed;
  }
}

notify::RunEvent run_event(notify::EventKind kind, const RunRecord& run, const RunTarget& target) {
  notify::RunEvent e;
  e.kind = kind;
  e.attempt = run.attempt;
  e.run_id = run.run_id;
  e.team = run.team;
  e.pipeline = run.pipeline;
  e.team_name = target.name;
  e.status = to_string(run.status);
  e.triggered_by = to_string(run.triggered_by);
  e.scheduled_for = run.scheduled_for;
  e.started_at = run.started_at;
  e.completed_at = run.completed_at;
  e.duration_ms = run.duration_ms;
  e.run_date = format_date(run.run_date);
  e.purchase_date = run.purchase_date;
  e.total_loans = run.total_loans;
  e.exceptions_count = run.exceptions_count;
  e.exit_code = run.exit_code;
  e.error = run.error;
  e.log_path = run.log_path;
  e.instance = run.instance;
  e.team_email_to = target.email_to;
  e.team_slack_webhook = target.slack_webhook;
  return e;
}

}  // namespace orch
