// Every team-day explained: the classification of one owner's local date, over a simulated
// "now" (an instant passed in, never the clock).

#include "orchestrator/schedule/team_day.h"

#include <date/tz.h>
#include <gtest/gtest.h>

#include "tests/support/time_values.h"

namespace orch {
namespace {

using orch::testing::utc;
using std::chrono::hours;
using std::chrono::minutes;

ScheduledTeam daily(const std::string& time, const std::string& zone_name = "UTC") {
  ScheduledTeam s;
  s.team = TeamId{7};
  s.run_time = *parse_time_of_day(time);
  s.zone = &orch::testing::zone(zone_name);
  s.active_since = utc("2026-01-01T00:00:00Z");
  return s;
}

ScheduledTeam cron(const std::string& expression, const std::string& zone_name = "UTC") {
  ScheduledTeam s = daily("00:00", zone_name);
  s.cron = *parse_cron(expression);
  return s;
}

Date day(const std::string& text) {
  return *parse_date(text);
}

RunRecord run(const std::string& id, RunStatus status, const std::string& created, int attempt = 1,
              const std::string& error = "") {
  RunRecord r;
  r.id = static_cast<std::int64_t>(std::hash<std::string>{}(id) % 100000);
  r.run_id = RunId(id);
  r.team = TeamId{7};
  r.status = status;
  r.attempt = attempt;
  r.created_at = utc(created);
  r.error = error;
  r.instance = "host:1:1";
  return r;
}

// Misfire grace 1 h and timeout 1 h: the 06:00 UTC slot's deadline is 08:00.
struct Day {
  ScheduledTeam schedule = daily("06:00");
  std::string date = "2026-12-03";
  std::string now = "2026-12-05T12:00:00Z";
  std::string existed_since = "2026-06-01T00:00:00Z";
  std::vector<StateSpan> spans;
  std::vector<RunRecord> runs;
  std::vector<ServiceSighting> sightings;

  TeamDay classify() const {
    TeamDayFacts f;
    f.schedule = &schedule;
    f.date = day(date);
    f.now = utc(now);
    f.misfire_grace = hours(1);
    f.timeout = hours(1);
    f.existed_since = utc(existed_since);
    f.not_scheduled = spans;
    f.runs = runs;
    f.sightings = sightings;
    return classify_team_day(f);
  }
};

bool contains(const std::string& text, const std::string& part) {
  return text.find(part) != std::string::npos;
}

TEST(TeamDay, ACompletedRunDecidesItsDay) {
  Day d;
  d.runs = {run("run_a", RunStatus::kCompleted, "2026-12-03T06:00:00Z")};
  auto r = d.classify();
  EXPECT_EQ(r.outcome, "completed");
  EXPECT_EQ(r.run_id, RunId("run_a"));
  EXPECT_EQ(r.reason, "");
  ASSERT_EQ(r.slots.size(), 1u);
  EXPECT_EQ(r.slots[0].at, utc("2026-12-03T06:00:00Z"));
}

TEST(TeamDay, ARetryThatCompletedWinsOverTheFailedAttemptAndNamesIt) {
  Day d;
  d.runs = {run("run_b", RunStatus::kCompleted, "2026-12-03T06:05:00Z", 2),
            run("run_a", RunStatus::kFailed, "2026-12-03T06:00:00Z", 1, "exit code 1")};
  auto r = d.classify();
  EXPECT_EQ(r.outcome, "completed");
  EXPECT_EQ(r.run_id, RunId("run_b"));
  EXPECT_TRUE(contains(r.reason, "completed at attempt 2")) << r.reason;
  EXPECT_TRUE(contains(r.reason, "run_a failed")) << r.reason;
}

TEST(TeamDay, WithoutACompletedRunTheRunGoingOrTheLatestDecides) {
  Day d;
  d.runs = {run("run_a", RunStatus::kFailed, "2026-12-03T06:00:00Z", 1, "exit code 2"),
            run("run_b", RunStatus::kRunning, "2026-12-03T06:05:00Z", 2)};
  EXPECT_EQ(d.classify().outcome, "running");
  EXPECT_EQ(d.classify().run_id, RunId("run_b"));

  d.runs = {run("run_a", RunStatus::kFailed, "2026-12-03T06:00:00Z", 1, "exit code 2"),
            run("run_b", RunStatus::kTimedOut, "2026-12-03T06:05:00Z", 2, "timed out")};
  auto r = d.classify();
  EXPECT_EQ(r.outcome, "timed_out");
  EXPECT_TRUE(contains(r.reason, "timed out")) << r.reason;

  for (RunStatus status : {RunStatus::kInterrupted, RunStatus::kAbandoned, RunStatus::kWaiting,
                           RunStatus::kMissedInputs, RunStatus::kUpstreamFailed}) {
    d.runs = {run("run_c", status, "2026-12-03T06:00:00Z", 1, "why")};
    SCOPED_TRACE(to_string(status));
    EXPECT_EQ(d.classify().outcome, to_string(status));
    EXPECT_EQ(d.classify().reason, "why");
  }
}

TEST(TeamDay, ASkippedDayNamesTheRunItFound) {
  Day d;
  d.runs = {run("run_s", RunStatus::kSkipped, "2026-12-03T06:00:00Z", 1,
                "team 7 was still running run_0000000000000001")};
  auto r = d.classify();
  EXPECT_EQ(r.outcome, "skipped");
  EXPECT_TRUE(contains(r.reason, "run_0000000000000001")) << r.reason;
}

TEST(TeamDay, AMissedRecordSaysWhenNoServiceRan) {
  Day d;
  RunRecord missed = run("run_m", RunStatus::kMissed, "2026-12-03T09:30:00Z", 1,
                         "not started within the grace window of 3600 s");
  missed.scheduled_for = utc("2026-12-03T06:00:00Z");
  missed.instance = "host:9:9";
  d.runs = {missed};
  d.sightings = {{utc("2026-12-02T00:00:00Z"), utc("2026-12-03T04:12:00Z"), "host:1:1"},
                 {utc("2026-12-03T09:30:00Z"), utc("2026-12-05T11:00:00Z"), "host:9:9"}};
  auto r = d.classify();
  EXPECT_EQ(r.outcome, "missed");
  EXPECT_TRUE(contains(r.reason, "grace window")) << r.reason;
  EXPECT_TRUE(contains(r.reason, "no service was running at 2026-12-03 06:00:00")) << r.reason;
  EXPECT_TRUE(contains(r.reason, "host:1:1 at 2026-12-03T04:12:00Z")) << r.reason;
  EXPECT_TRUE(contains(r.reason, "host:9:9 from 2026-12-03T09:30:00Z")) << r.reason;
}

TEST(TeamDay, ADayWithoutARowIsNotDueYetThenOverdueThenMissed) {
  Day d;
  d.date = "2026-12-05";
  struct Case {
    const char* now;
    const char* outcome;
    const char* reason_part;
  };
  for (const Case& c : {
           Case{"2026-12-05T05:59:59Z", "not_due_yet", "due at 2026-12-05 06:00:00"},
           Case{"2026-12-05T07:59:59Z", "not_due_yet", "overdue from 2026-12-05 08:00:00"},
           Case{"2026-12-05T08:00:00Z", "overdue", "slot + misfire grace 3600 s + timeout"},
           Case{"2026-12-06T05:59:59Z", "overdue", "has passed"},
           Case{"2026-12-06T06:00:00Z", "missed", "no service was running"},
       }) {
    SCOPED_TRACE(c.now);
    d.now = c.now;
    auto r = d.classify();
    EXPECT_EQ(r.outcome, c.outcome);
    EXPECT_TRUE(contains(r.reason, c.reason_part)) << r.reason;
    EXPECT_FALSE(r.run_id);
  }
}

TEST(TeamDay, AMissedDayWhileAServiceWasUpSaysSo) {
  Day d;
  d.sightings = {{utc("2026-12-03T00:00:00Z"), utc("2026-12-03T23:00:00Z"), "host:2:2"}};
  auto r = d.classify();
  EXPECT_EQ(r.outcome, "missed");
  EXPECT_TRUE(contains(r.reason, "service host:2:2 was up at")) << r.reason;
}

TEST(TeamDay, ACronExpressionWithNoFireThatDay) {
  Day d;
  d.schedule = cron("0 6 * * 1-5");
  d.date = "2026-12-05";  // a Saturday
  auto r = d.classify();
  EXPECT_EQ(r.outcome, "no_fire_that_day");
  EXPECT_EQ(r.reason, "cron 0 6 * * 1-5 does not fire on Saturday 2026-12-05 in UTC");
  EXPECT_TRUE(r.slots.empty());
  d.date = "2026-12-04";  // a Friday: its fire is overdue until Monday's takes over
  EXPECT_EQ(d.classify().outcome, "overdue");
  d.now = "2026-12-07T06:00:00Z";
  EXPECT_EQ(d.classify().outcome, "missed");
}

TEST(TeamDay, ACronDayListsEveryFire) {
  auto slots = day_slots(cron("0 6,12,18 * * *", "America/New_York"), day("2026-12-03"), 100);
  ASSERT_EQ(slots.size(), 3u);
  EXPECT_EQ(slots[0].at, utc("2026-12-03T11:00:00Z"));
  EXPECT_EQ(slots[2].at, utc("2026-12-03T23:00:00Z"));
  EXPECT_EQ(slots[2].key(), "2026-12-03T23:00:00Z");
  EXPECT_EQ(day_slots(cron("* * * * *"), day("2026-12-03"), 5000).size(), 1440u);
}

TEST(TeamDay, DaylightSavingDaysFollowTheTeamsPolicy) {
  // 02:30 does not exist in New York on 2026-03-08; 01:30 happens twice on 2026-11-01.
  auto spring = daily("02:30", "America/New_York");
  auto shifted = day_slots(spring, day("2026-03-08"), 10);
  ASSERT_EQ(shifted.size(), 1u);
  EXPECT_EQ(shifted[0].at, utc("2026-03-08T07:00:00Z"));  // 03:00 EDT
  EXPECT_TRUE(contains(shifted[0].schedule_note, "does not exist")) << shifted[0].schedule_note;

  Day d;
  d.schedule = spring;
  d.schedule.dst.skipped = DstSkipped::kSkip;
  d.date = "2026-03-08";
  d.existed_since = "2026-01-01T00:00:00Z";
  auto r = d.classify();
  EXPECT_EQ(r.outcome, "no_fire_that_day");
  EXPECT_TRUE(contains(r.reason, "dst_skipped=skip")) << r.reason;

  auto autumn = daily("01:30", "America/New_York");
  auto first = day_slots(autumn, day("2026-11-01"), 10);
  ASSERT_EQ(first.size(), 1u);
  EXPECT_EQ(first[0].at, utc("2026-11-01T05:30:00Z"));  // 01:30 EDT
  autumn.dst.repeated = DstRepeated::kLast;
  auto last = day_slots(autumn, day("2026-11-01"), 10);
  ASSERT_EQ(last.size(), 1u);
  EXPECT_EQ(last[0].at, utc("2026-11-01T06:30:00Z"));  // 01:30 EST
  EXPECT_TRUE(contains(last[0].schedule_note, "happens twice")) << last[0].schedule_note;
  // A day of 25 hours in its zone still has one slot and its calendar date.
  EXPECT_EQ(last[0].run_date, day("2026-11-01"));
}

TEST(TeamDay, ATeamAddedMidRangeHasNothingBeforeIt) {
  Day d;
  d.existed_since = "2026-12-03T09:00:00Z";
  d.schedule.active_since = utc("2026-12-03T09:00:00Z");
  auto r = d.classify();  // 2026-12-03 06:00: before the team was added
  EXPECT_EQ(r.outcome, "before_team_existed");
  EXPECT_TRUE(contains(r.reason, "the team was added at 2026-12-03 09:00:00")) << r.reason;
  d.date = "2026-12-04";
  EXPECT_EQ(d.classify().outcome, "missed");
  d.schedule.team.reset();
  d.date = "2026-12-03";
  EXPECT_TRUE(contains(d.classify().reason, "the database was created at")) << d.classify().reason;
}

TEST(TeamDay, PausedAndInactiveStretchesExplainTheirDays) {
  Day d;
  d.spans = {{StateSpan::State::kPaused, utc("2026-12-02T00:00:00Z"), utc("2026-12-04T00:00:00Z"),
              "tape late", StateSpan::Start::kExact},
             {StateSpan::State::kInactive, utc("2026-12-05T00:00:00Z"), std::nullopt, "",
              StateSpan::Start::kLastChange}};
  auto paused = d.classify();
  EXPECT_EQ(paused.outcome, "paused");
  EXPECT_TRUE(contains(paused.reason, "until 2026-12-04 00:00:00")) << paused.reason;
  EXPECT_TRUE(contains(paused.reason, ": tape late")) << paused.reason;
  d.date = "2026-12-05";
  auto inactive = d.classify();
  EXPECT_EQ(inactive.outcome, "inactive");
  EXPECT_TRUE(contains(inactive.reason, "since its last change")) << inactive.reason;
  // A run while paused (a manual one) still decides its day.
  d.date = "2026-12-03";
  d.runs = {run("run_m", RunStatus::kCompleted, "2026-12-03T10:00:00Z")};
  EXPECT_EQ(d.classify().outcome, "completed");
}

TEST(TeamDay, ASlotBeforeTheScheduleInForceBeganWasNotScheduled) {
  Day d;
  d.schedule.active_since = utc("2026-12-04T10:00:00Z");  // resumed then
  auto r = d.classify();
  EXPECT_EQ(r.outcome, "inactive");
  EXPECT_TRUE(contains(r.reason, "the schedule in force began at 2026-12-04 10:00:00")) << r.reason;
  d.date = "2026-12-05";
  EXPECT_EQ(d.classify().outcome, "overdue");
}

TEST(TeamDay, TheAuditLogsChangesMakePausedAndInactiveStretches) {
  auto spans = spans_from_changes({
      {utc("2026-12-01T10:00:00Z"), "teams.pause", "tape late"},
      {utc("2026-12-01T11:00:00Z"), "teams.update", ""},
      {utc("2026-12-02T09:00:00Z"), "teams.resume", ""},
      {utc("2026-12-03T09:00:00Z"), "teams.deactivate", ""},
      {utc("2026-12-04T09:00:00Z"), "teams.activate", ""},
      {utc("2026-12-04T20:00:00Z"), "teams.pause", ""},
  });
  ASSERT_EQ(spans.size(), 3u);
  EXPECT_EQ(spans[0].state, StateSpan::State::kPaused);
  EXPECT_EQ(spans[0].note, "tape late");
  EXPECT_EQ(spans[0].until, utc("2026-12-02T09:00:00Z"));
  EXPECT_EQ(spans[1].state, StateSpan::State::kInactive);
  EXPECT_EQ(spans[1].from, utc("2026-12-03T09:00:00Z"));
  EXPECT_FALSE(spans[2].until);

  Day d;
  d.spans = spans;
  d.date = "2026-12-02";  // 06:00: still paused, resumed at 09:00
  EXPECT_EQ(d.classify().outcome, "paused");
  EXPECT_FALSE(contains(d.classify().reason, "since its last change")) << d.classify().reason;
  d.date = "2026-12-03";  // 06:00: active again, deactivated at 09:00
  EXPECT_EQ(d.classify().outcome, "missed");
  d.date = "2026-12-04";
  EXPECT_EQ(d.classify().outcome, "inactive");
}

}  // namespace
}  // namespace orch
