#include "orchestrator/schedule/slot_resumption.h"

#include <string>
#include <vector>

#include <date/tz.h>
#include <gtest/gtest.h>

#include "orchestrator/schedule/scheduler.h"
#include "tests/support/time_values.h"

namespace orch {
namespace {

using std::chrono::seconds;
using testing::utc;
using testing::zone;

constexpr seconds kGrace{3600};

config::RetryConfig no_retries() {
  config::RetryConfig p;
  p.max_attempts = 1;
  return p;
}

// A scheduled attempt of the 2026-01-15 02:00 UTC slot that ended as `status`.
RunRecord attempt(RunStatus status, int number = 1) {
  RunRecord r;
  r.run_id = RunId("run_0123456789abcdef");
  r.team = TeamId{1};
  r.status = status;
  r.triggered_by = number == 1 ? Trigger::kSchedule : Trigger::kRetry;
  r.attempt = number;
  r.slot_key = "2026-01-15";
  r.scheduled_for = utc("2026-01-15T02:00:00Z");
  r.run_date = *parse_date("2026-01-15");
  r.started_at = utc("2026-01-15T02:00:00Z");
  r.heartbeat_at = utc("2026-01-15T02:30:00Z");
  r.completed_at = utc("2026-01-15T02:40:00Z");
  return r;
}

std::string next(const RunRecord& last, SysTime now,
                 const config::RetryConfig& policy = no_retries()) {
  auto n = resume_slot(last, policy, kGrace, zone("UTC"), now);
  return n ? std::to_string(n->attempt) + " " + format_utc_seconds(n->at) : "none";
}

TEST(MisfireGrace, AStartExactlyAtTheGraceIsOnTimeAndOneSecondLaterIsNot) {
  SysTime due = utc("2026-01-15T02:00:00Z");
  EXPECT_TRUE(within_grace(due, due, kGrace));
  EXPECT_TRUE(within_grace(due, due + kGrace, kGrace));
  EXPECT_FALSE(within_grace(due, due + kGrace + seconds(1), kGrace));
  EXPECT_TRUE(within_grace(due, due - seconds(5), kGrace));  // a clock that stepped back
}

// The scheduler hands a slot over when the grace allows, whatever then happens to the queue:
// the same rule, at the same edges.
TEST(MisfireGrace, TheSchedulerAppliesTheSameRuleAtHandOver) {
  Scheduler scheduler(kGrace);
  ScheduledTeam team;
  team.team = TeamId{1};
  team.run_time = TimeOfDay{std::chrono::hours(2)};
  team.zone = &zone("UTC");
  team.active_since = utc("2026-01-01T00:00:00Z");
  auto on_time = scheduler.load({team}, {}, utc("2026-01-15T03:00:00Z"));
  ASSERT_EQ(on_time.size(), 1u);
  EXPECT_EQ(on_time[0].kind, ActionKind::kStartRun);
  Scheduler late_scheduler(kGrace);
  auto late = late_scheduler.load({team}, {}, utc("2026-01-15T03:00:01Z"));
  ASSERT_EQ(late.size(), 1u);
  EXPECT_EQ(late[0].kind, ActionKind::kRecordMissed);
}

// An attempt lost to its service's death is due again from its last heartbeat.
TEST(SlotResumption, AnAbandonedAttemptRunsAgainWithinTheGraceOfItsLastHeartbeat) {
  RunRecord lost = attempt(RunStatus::kAbandoned);
  SysTime last_beat = *lost.heartbeat_at;
  EXPECT_EQ(next(lost, last_beat + kGrace), "2 2026-01-15T03:30:00Z");
  EXPECT_EQ(next(lost, last_beat + kGrace + seconds(1)), "none");
  // Without a heartbeat, from its start.
  lost.heartbeat_at.reset();
  EXPECT_EQ(next(lost, utc("2026-01-15T03:00:00Z")), "2 2026-01-15T03:00:00Z");
  EXPECT_EQ(next(lost, utc("2026-01-15T03:00:01Z")), "none");
}

// An interrupted attempt (a stop) is due again from when it was interrupted: a restart during a
// long run does not cost the team its day, even past the grace of the slot itself.
TEST(SlotResumption, AnInterruptedAttemptRunsAgainWithinTheGraceOfItsInterruption) {
  RunRecord stopped = attempt(RunStatus::kInterrupted, 3);
  stopped.completed_at = utc("2026-01-15T05:00:00Z");
  EXPECT_EQ(next(stopped, utc("2026-01-15T06:00:00Z")), "4 2026-01-15T06:00:00Z");
  EXPECT_EQ(next(stopped, utc("2026-01-15T06:00:01Z")), "none");
}

TEST(SlotResumption, AFailedAttemptFollowsTheRetryPolicyOnly) {
  RunRecord failed = attempt(RunStatus::kFailed);
  EXPECT_EQ(next(failed, utc("2026-01-15T02:41:00Z")), "none");
  config::RetryConfig policy;
  policy.max_attempts = 3;
  policy.initial_delay = seconds(60);
  policy.max_delay = seconds(60);
  // Its time has passed (the service was down): at once.
  std::string resumed = next(failed, utc("2026-01-15T09:00:00Z"), policy);
  EXPECT_EQ(resumed, "2 2026-01-15T09:00:00Z");
}

TEST(SlotResumption, SettledAndManualRunsNeedNothing) {
  SysTime now = utc("2026-01-15T02:45:00Z");
  for (RunStatus status :
       {RunStatus::kCompleted, RunStatus::kSkipped, RunStatus::kMissed, RunStatus::kRunning}) {
    EXPECT_EQ(next(attempt(status), now), "none") << to_string(status);
  }
  RunRecord manual = attempt(RunStatus::kAbandoned);
  manual.triggered_by = Trigger::kManual;
  manual.slot_key.reset();
  EXPECT_EQ(next(manual, now), "none");
  RunRecord backfill = attempt(RunStatus::kInterrupted);
  backfill.triggered_by = Trigger::kBackfill;
  EXPECT_EQ(next(backfill, now), "none");
}

// A pipeline that brings its service down every time is not rerun for ever.
TEST(SlotResumption, ReRunsStopAtTheMostAttemptsASlotGets) {
  SysTime now = utc("2026-01-15T02:45:00Z");
  EXPECT_EQ(next(attempt(RunStatus::kAbandoned, kMaxSlotAttempts - 1), now),
            std::to_string(kMaxSlotAttempts) + " 2026-01-15T02:45:00Z");
  EXPECT_EQ(next(attempt(RunStatus::kAbandoned, kMaxSlotAttempts), now), "none");
}

}  // namespace
}  // namespace orch
