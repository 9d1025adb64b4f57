#include "orchestrator/api/team_gauges.h"

#include <date/tz.h>
#include <gtest/gtest.h>

#include "orchestrator/schedule/cron_expression.h"
#include "tests/support/time_values.h"

namespace orch::api {
namespace {

using orch::testing::utc;
using std::chrono::hours;

ScheduledTeam daily_at_two() {
  ScheduledTeam s;
  s.team = TeamId{7};
  s.run_time = TimeOfDay{hours(2)};
  s.zone = date::locate_zone("UTC");
  s.active_since = utc("2026-01-01T00:00:00Z");
  return s;
}

TeamRunSummary completed(std::string slot_key, std::string run_date) {
  TeamRunSummary s;
  s.team = TeamId{7};
  s.last_success = utc("2026-12-01T02:00:05Z");
  s.last_completed_slot_key = std::move(slot_key);
  s.last_completed_run_date = std::move(run_date);
  return s;
}

// Misfire grace 1 h, timeout 1 h: the 02:00 slot's deadline is 04:00.
TeamGauges at(const ScheduledTeam& s, const TeamRunSummary* done, const std::string& now) {
  return team_gauges(s, done, hours(1), hours(1), utc(now));
}

TEST(TeamGauges, OverdueFromTheDeadlineUntilTheNextSlot) {
  auto s = daily_at_two();
  auto yesterday = completed("2026-12-04", "2026-12-04");
  struct Case {
    const char* now;
    bool overdue;
  };
  for (const Case& c : {Case{"2026-12-05T01:59:00Z", false},     // yesterday's slot was done
                        Case{"2026-12-05T03:59:59Z", false},     // today's: before its deadline
                        Case{"2026-12-05T04:00:00Z", true},      // at the deadline, nothing done
                        Case{"2026-12-06T01:59:00Z", true},      // still, until the next slot
                        Case{"2026-12-06T02:00:00Z", false}}) {  // the next slot takes over
    SCOPED_TRACE(c.now);
    EXPECT_EQ(at(s, &yesterday, c.now).overdue, c.overdue);
  }
}

TEST(TeamGauges, TheSlotsRunOrAManualRunForItsDateIsDone) {
  auto s = daily_at_two();
  auto by_slot = completed("2026-12-05", "2026-12-05");
  EXPECT_FALSE(at(s, &by_slot, "2026-12-05T05:00:00Z").overdue);
  auto manual = completed("2026-12-04", "2026-12-05");  // a manual run has no slot key
  EXPECT_FALSE(at(s, &manual, "2026-12-05T05:00:00Z").overdue);
  EXPECT_TRUE(at(s, nullptr, "2026-12-05T05:00:00Z").overdue);  // never completed
}

TEST(TeamGauges, ASlotBeforeTheTeamWasActiveIsNoneOfItsBusiness) {
  auto s = daily_at_two();
  s.active_since = utc("2026-12-05T03:00:00Z");
  EXPECT_FALSE(at(s, nullptr, "2026-12-05T05:00:00Z").overdue);
}

TEST(TeamGauges, GivesTheNextRunAndTheLastSuccess) {
  auto s = daily_at_two();
  auto done = completed("2026-12-05", "2026-12-05");
  auto g = at(s, &done, "2026-12-05T05:00:00Z");
  EXPECT_EQ(g.team, TeamId{7});
  EXPECT_EQ(g.next_run, utc("2026-12-06T02:00:00Z"));
  EXPECT_EQ(g.last_success, done.last_success);
}

TEST(TeamGauges, FindsThePreviousFireOfFrequentAndRareCronSchedules) {
  auto s = daily_at_two();
  struct Case {
    const char* cron;
    const char* now;
    const char* previous;
  };
  for (const Case& c :
       {Case{"*/15 * * * *", "2026-12-05T10:07:00Z", "2026-12-05T10:00:00Z"},
        Case{"* * * * *", "2026-12-05T10:07:30Z", "2026-12-05T10:07:00Z"},
        Case{"0 6 * * 1", "2026-12-05T10:00:00Z", "2026-11-30T06:00:00Z"},     // weekly
        Case{"0 0 1 1 *", "2026-12-05T10:00:00Z", "2026-01-01T00:00:00Z"}}) {  // yearly
    SCOPED_TRACE(c.cron);
    auto cron = parse_cron(c.cron);
    ASSERT_TRUE(cron.has_value());
    s.cron = *cron;
    auto around = slots_around(s, utc(c.now));
    ASSERT_TRUE(around.previous.has_value());
    EXPECT_EQ(format_utc_seconds(around.previous->at), c.previous);
    ASSERT_TRUE(around.next.has_value());
    EXPECT_EQ(around.next->at, next_slot(s, utc(c.now))->at);
  }
}

}  // namespace
}  // namespace orch::api
