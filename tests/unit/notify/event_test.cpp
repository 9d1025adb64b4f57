#include "notify/event.h"

#include <set>
#include <string>

#include <gtest/gtest.h>

#include "notify/message.h"

namespace orch::notify {
namespace {

// Every kind, with what operators and readers see of it: the name in notify.events and the log,
// the words of messages (3 failures in a row where counted), the log level, and the icon's news.
TEST(EventKinds, EachKindHasItsNameWordsLevelAndNews) {
  struct Case {
    EventKind kind;
    const char* name;
    const char* happened;
    log::Level level;
    bool bad_news;
  };
  using log::Level;
  const Case cases[] = {
      {EventKind::kRunStarted, "run_started", "run started", Level::kInfo, false},
      {EventKind::kRunCompleted, "run_completed", "run completed", Level::kInfo, false},
      {EventKind::kRunFailed, "run_failed", "run failed", Level::kError, true},
      {EventKind::kRunTimedOut, "run_timed_out", "run timed out", Level::kError, true},
      {EventKind::kRunAbandoned, "run_abandoned", "run abandoned", Level::kError, true},
      {EventKind::kRunMissed, "run_missed", "run missed", Level::kWarn, true},
      {EventKind::kRunSkipped, "run_skipped", "run skipped", Level::kWarn, true},
      {EventKind::kRunMissedInputs, "run_missed_inputs", "run missed its inputs", Level::kError,
       true},
      {EventKind::kRunUpstreamFailed, "run_upstream_failed", "run not started: its upstream failed",
       Level::kError, true},
      {EventKind::kRunCancelled, "run_cancelled", "run cancelled", Level::kWarn, false},
      {EventKind::kTeamFailing, "team_failing", "is failing: 3 failed runs in a row", Level::kError,
       true},
      {EventKind::kTeamRecovered, "team_recovered", "recovered after 3 failed runs", Level::kInfo,
       false},
      {EventKind::kTest, "test", "test message", Level::kInfo, false},
  };
  std::set<std::string> names;
  for (const Case& c : cases) {
    SCOPED_TRACE(c.name);
    RunEvent e;
    e.kind = c.kind;
    e.consecutive_failures = 3;
    EXPECT_EQ(std::string(event_name(c.kind)), c.name);
    EXPECT_EQ(what_happened(e), c.happened);
    EXPECT_EQ(log_level(c.kind), c.level);
    EXPECT_EQ(is_bad_news(c.kind), c.bad_news);
    names.insert(event_name(c.kind));
  }
  EXPECT_EQ(names.size(), std::size(cases));
}

TEST(EventKinds, AnInterruptedRunIsToldAsInterrupted) {
  RunEvent e;
  e.kind = EventKind::kRunFailed;
  e.status = "interrupted";
  EXPECT_EQ(what_happened(e), "run interrupted");
}

}  // namespace
}  // namespace orch::notify
