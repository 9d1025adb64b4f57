#include "notify/event.h"

namespace orch::notify {

const char* event_name(EventKind kind) {
  switch (kind) {
    case EventKind::kRunStarted:
      return "run_started";
    case EventKind::kRunCompleted:
      return "run_completed";
    case EventKind::kRunFailed:
      return "run_failed";
    case EventKind::kRunTimedOut:
      return "run_timed_out";
    case EventKind::kRunAbandoned:
      return "run_abandoned";
    case EventKind::kRunMissed:
      return "run_missed";
    case EventKind::kRunSkipped:
      return "run_skipped";
    case EventKind::kRunMissedInputs:
      return "run_missed_inputs";
    case EventKind::kRunUpstreamFailed:
      return "run_upstream_failed";
    case EventKind::kRunCancelled:
      return "run_cancelled";
    case EventKind::kTeamFailing:
      return "team_failing";
    case EventKind::kTeamRecovered:
      return "team_recovered";
    case EventKind::kTest:
      return "test";
  }
  return "run_event";
}

bool is_bad_news(EventKind kind) {
  switch (kind) {
    case EventKind::kRunFailed:
    case EventKind::kRunTimedOut:
    case EventKind::kRunAbandoned:
    case EventKind::kRunMissed:
    case EventKind::kRunSkipped:
    case EventKind::kRunMissedInputs:
    case EventKind::kRunUpstreamFailed:
    case EventKind::kTeamFailing:
      return true;
    case EventKind::kRunStarted:
    case EventKind::kRunCompleted:
    case EventKind::kRunCancelled:
    case EventKind::kTeamRecovered:
    case EventKind::kTest:
      return false;
  }
  return false;
}

log::Fields event_fields(const RunEvent& e) {
  log::Fields f;
  auto add = [&f](const char* key, const std::string& value) {
    if (!value.empty()) {
      f.emplace_back(key, value);
    }
  };
  auto add_time = [&add](const char* key, const std::optional<SysTime>& t) {
    if (t) {
      add(key, format_utc(*t));
    }
  };
  auto add_int = [&f](const char* key, const auto& v) {
    if (v) {
      f.emplace_back(key, static_cast<std::int64_t>(*v));
    }
  };
  add("run_id", e.run_id);
  add("team", e.team ? std::to_string(e.team->value) : "general");
  add("team_name", e.team_name);
  add("pipeline", e.pipeline);
  add("status", e.status);
  add("triggered_by", e.triggered_by);
  add_int("attempt", e.attempt > 1 ? std::optional<int>(e.attempt) : std::nullopt);
  add_time("scheduled_for", e.scheduled_for);
  add("run_date", e.run_date);
  add("purchase_date", e.purchase_date);
  add_time("started_at", e.started_at);
  add_time("completed_at", e.completed_at);
  add_int("duration_ms", e.duration_ms);
  add_int("total_loans", e.total_loans);
  add_int("exceptions_count", e.exceptions_count);
  add_int("exit_code", e.exit_code);
  add("error", e.error);
  add("retry", e.retry);
  add("log", e.log_path);
  add("instance", e.instance);
  if (e.consecutive_failures > 0) {
    f.emplace_back("consecutive_failures", static_cast<std::int64_t>(e.consecutive_failures));
  }
  return f;
}

}  // namespace orch::notify
