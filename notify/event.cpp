#include "notify/event.h"

#include <array>

namespace orch::notify {

namespace {

enum class News { kNeutral, kBad };

// Everything said of an event kind, in one place.
struct KindInfo {
  EventKind kind;
  const char* name;    // event_name()
  const char* phrase;  // event_phrase()
  log::Level level;    // log_level()
  News news;           // is_bad_news()
};

using log::Level;
constexpr std::array<KindInfo, 13> kKinds{{
    {EventKind::kRunStarted, "run_started", "run started", Level::kInfo, News::kNeutral},
    {EventKind::kRunCompleted, "run_completed", "run completed", Level::kInfo, News::kNeutral},
    {EventKind::kRunFailed, "run_failed", "run failed", Level::kError, News::kBad},
    {EventKind::kRunTimedOut, "run_timed_out", "run timed out", Level::kError, News::kBad},
    {EventKind::kRunAbandoned, "run_abandoned", "run abandoned", Level::kError, News::kBad},
    {EventKind::kRunMissed, "run_missed", "run missed", Level::kWarn, News::kBad},
    {EventKind::kRunSkipped, "run_skipped", "run skipped", Level::kWarn, News::kBad},
    {EventKind::kRunMissedInputs, "run_missed_inputs", "run missed its inputs", Level::kError,
     News::kBad},
    {EventKind::kRunUpstreamFailed, "run_upstream_failed", "run not started: its upstream failed",
     Level::kError, News::kBad},
    {EventKind::kRunCancelled, "run_cancelled", "run cancelled", Level::kWarn, News::kNeutral},
    {EventKind::kTeamFailing, "team_failing", "is failing", Level::kError, News::kBad},
    {EventKind::kTeamRecovered, "team_recovered", "recovered", Level::kInfo, News::kNeutral},
    {EventKind::kTest, "test", "test message", Level::kInfo, News::kNeutral},
}};

// For a value outside the enumeration (a cast gone wrong): said plainly, never a crash.
constexpr KindInfo kUnknownKind{EventKind::kRunStarted, "run_event", "run event", Level::kInfo,
                                News::kNeutral};

const KindInfo& info(EventKind kind) {
  for (const KindInfo& k : kKinds) {
    if (k.kind == kind) {
      return k;
    }
  }
  return kUnknownKind;
}

}  // namespace

const char* event_name(EventKind kind) {
  return info(kind).name;
}

const char* event_phrase(EventKind kind) {
  return info(kind).phrase;
}

log::Level log_level(EventKind kind) {
  return info(kind).level;
}

bool is_bad_news(EventKind kind) {
  return info(kind).news == News::kBad;
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
  add("run_id", e.run_id ? e.run_id->str() : std::string());
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
