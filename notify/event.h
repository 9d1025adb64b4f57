#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "config/base/ids.h"
#include "config/base/log.h"
#include "config/base/time.h"

namespace orch::notify {

enum class EventKind {
  kRunStarted,
  kRunCompleted,
  kRunFailed,          // failed or interrupted
  kRunTimedOut,        // killed at pipeline.timeout_seconds
  kRunAbandoned,       // its service died
  kRunMissed,          // a slot past its grace window
  kRunSkipped,         // a slot whose team was still running
  kRunMissedInputs,    // a run whose inputs were not ready by the end of its waiting window
  kRunUpstreamFailed,  // a run whose upstream (teams update --after) ended without completing
  kRunCancelled,       // an operator cancelled it (`cancel`, the API)
  kTeamFailing,        // notify.alert_after_failures failed runs in a row
  kTeamRecovered,      // a completed run after such an alert
  kTest,               // `orchestrator notify test`
};

// What event.cpp's one table says of each kind:
// "run_started", ...: the names notify.events uses (config::event_names()); "test" for kTest.
const char* event_name(EventKind kind);
// "run started", "run failed", "is failing", ...: what happened, in a message's words
// (message.h's what_happened() adds the details some kinds carry).
const char* event_phrase(EventKind kind);
// The log line's level: failures and alerts at error, misses, skips and cancels at warn, the
// rest at info.
log::Level log_level(EventKind kind);
// Whether people should hear of it as something gone wrong (failures, misses, skips, alerts).
bool is_bad_news(EventKind kind);

// What people are told about one run. A plain value; the notifier formats it for its channel.
struct RunEvent {
  EventKind kind = EventKind::kRunStarted;
  std::optional<RunId> run_id;  // none for a test message
  std::optional<TeamId> team;
  std::string pipeline;  // the pipeline's name; empty or "daily": named nowhere but logs
  std::string team_name;
  std::string status;  // the run's status: running, completed, failed, ...
  std::string triggered_by;
  int attempt = 1;  // 2, 3, ... for retries of a scheduled run
  // For a failed scheduled run when retries are configured: whether another attempt is coming,
  // e.g. "attempt 2 at 2026-11-23T02:01:00.000Z" or "none: attempt 3 of 3 was the last".
  std::string retry;
  std::optional<SysTime> scheduled_for;
  std::optional<SysTime> started_at;
  std::optional<SysTime> completed_at;
  std::optional<std::int64_t> duration_ms;
  std::string run_date;
  std::string purchase_date;
  std::optional<std::int64_t> total_loans;
  std::optional<std::int64_t> exceptions_count;
  std::optional<int> exit_code;
  std::string error;
  std::string log_path;
  std::string instance;
  int consecutive_failures = 0;  // kTeamFailing, kTeamRecovered: the failed runs in a row

  // The team's own recipients (`teams add/update --email/--slack-webhook`); empty: the
  // configured ones. The webhook URL is a secret and never appears in event_fields().
  std::vector<std::string> team_email_to;
  std::string team_slack_webhook;
};

// The event's fields as key/value pairs, in a stable order, empty ones left out.
log::Fields event_fields(const RunEvent& event);

}  // namespace orch::notify
