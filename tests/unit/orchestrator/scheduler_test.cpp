#include "orchestrator/schedule/scheduler.h"

#include <chrono>
#include <cstdint>
#include <map>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include <date/tz.h>
#include <gtest/gtest.h>

#include "config/base/ids.h"
#include "config/base/time.h"
#include "orchestrator/schedule/daily_slot.h"
#include "tests/support/time_values.h"

namespace orch {
namespace {

using testing::utc;
using testing::zone;

using std::chrono::minutes;
using std::chrono::seconds;

// The slot key that the store's text `text` stands for.
SlotKey key(const std::string& text) {
  auto parsed = SlotKey::parse(text);
  EXPECT_TRUE(parsed.has_value()) << text;
  return parsed.value_or(SlotKey{});
}

TimeOfDay at(const std::string& text) {
  auto t = parse_time_of_day(text);
  EXPECT_TRUE(t.has_value()) << text;
  return t ? *t : TimeOfDay{};
}

ScheduledTeam schedule(std::optional<TeamId> team, const std::string& run_time,
                       const std::string& zone_name, SysTime active_since) {
  ScheduledTeam s;
  s.team = team;
  s.run_time = at(run_time);
  s.zone = &zone(zone_name);
  s.active_since = active_since;
  return s;
}

// The local wall time of `t` in `zone_name`, "HH:MM:SS".
std::string local_time(SysTime t, const std::string& zone_name) {
  auto local = zone(zone_name).to_local(t);
  auto midnight = date::floor<date::days>(local);
  return format_time_of_day(TimeOfDay{std::chrono::duration_cast<seconds>(local - midnight)});
}

struct Fired {
  SysTime now;  // when the scheduler was woken
  Action action;
};

// Runs the simulated timeline: wake the scheduler whenever it asks, up to `end`.
std::vector<Fired> drive(Scheduler& scheduler, SysTime end) {
  std::vector<Fired> fired;
  std::optional<SysTime> previous;
  for (int wakes = 0; wakes < 100000; ++wakes) {
    std::optional<SysTime> wake = scheduler.next_wake();
    if (!wake || *wake > end) {
      return fired;
    }
    if (previous) {
      EXPECT_GT(*wake, *previous) << "the scheduler asked to be woken again at the same instant";
    }
    previous = wake;
    SysTime now = *wake;
    std::vector<Action> actions = scheduler.on_wake(now);
    EXPECT_FALSE(actions.empty()) << "woken at " << format_utc(now) << " for nothing";
    for (const Action& a : actions) {
      fired.push_back({now, a});
    }
  }
  ADD_FAILURE() << "the scheduler never stopped asking to be woken";
  return fired;
}

// A team's id, 0 for the general run: what the test's maps are keyed by.
std::int64_t team_key(const std::optional<TeamId>& team) {
  return team ? team->value : 0;
}

std::vector<Fired> of_team(const std::vector<Fired>& fired, std::int64_t key) {
  std::vector<Fired> out;
  for (const Fired& f : fired) {
    if (team_key(f.action.slot.team) == key) {
      out.push_back(f);
    }
  }
  return out;
}

constexpr seconds kGrace = minutes(30);

TEST(Scheduler, FiresEveryTeamOncePerDayAtItsRunTimeOverTenDays) {
  SysTime start = utc("2026-03-01T00:00:00Z");
  SysTime end = start + date::days(10);
  // Crosses New York's spring-forward (2026-03-08), not London's.
  std::vector<ScheduledTeam> teams = {
      schedule(TeamId{1}, "02:00", "America/New_York", start),
      schedule(TeamId{2}, "06:30", "Europe/London", start),
      schedule(TeamId{3}, "02:00", "Asia/Kolkata", start),
      schedule(std::nullopt, "05:00", "UTC", start),
  };
  Scheduler scheduler(kGrace);
  EXPECT_TRUE(scheduler.load(teams, {}, start).empty());
  EXPECT_EQ(scheduler.size(), 4U);

  std::vector<Fired> fired = drive(scheduler, end);
  EXPECT_EQ(fired.size(), 40U);
  for (const Fired& f : fired) {
    SCOPED_TRACE(describe_team(f.action.slot.team) + " at " + format_utc(f.now));
    EXPECT_EQ(f.action.kind, ActionKind::kStartRun);
    EXPECT_EQ(f.action.trigger, Trigger::kSchedule);
    EXPECT_EQ(f.action.slots, 1);
    EXPECT_EQ(f.action.slot.at, f.now);
  }
  for (const ScheduledTeam& t : teams) {
    SCOPED_TRACE(describe_team(t.team));
    std::vector<Fired> mine = of_team(fired, team_key(t.team));
    ASSERT_EQ(mine.size(), 10U);
    auto expected = next_daily_slots(t.run_time, *t.zone, start, 10);
    for (std::size_t i = 0; i < mine.size(); ++i) {
      SCOPED_TRACE(format_date(expected[i].run_date));
      EXPECT_EQ(mine[i].action.slot.team, t.team);
      EXPECT_EQ(format_utc(mine[i].action.slot.at), format_utc(expected[i].at));
      EXPECT_EQ(format_date(mine[i].action.slot.run_date), format_date(expected[i].run_date));
      EXPECT_EQ(mine[i].action.slot.key(), format_date(expected[i].run_date));
    }
  }

  // Spot checks against instants worked out by hand.
  std::vector<Fired> east = of_team(fired, 1);
  EXPECT_EQ(format_utc_seconds(east[6].action.slot.at), "2026-03-07T07:00:00Z");
  EXPECT_EQ(format_utc_seconds(east[7].action.slot.at), "2026-03-08T07:00:00Z");  // skipped 02:00
  EXPECT_EQ(format_utc_seconds(east[8].action.slot.at), "2026-03-09T06:00:00Z");
  std::vector<Fired> india = of_team(fired, 3);
  EXPECT_EQ(format_date(india[0].action.slot.run_date), "2026-03-02");
  EXPECT_EQ(format_utc_seconds(india[0].action.slot.at), "2026-03-01T20:30:00Z");
  std::vector<Fired> general = of_team(fired, 0);
  EXPECT_EQ(general[0].action.slot.team, std::nullopt);
  EXPECT_EQ(format_utc_seconds(general[0].action.slot.at), "2026-03-01T05:00:00Z");

  // One timer queue: the wakes come in time order across all teams.
  for (std::size_t i = 1; i < fired.size(); ++i) {
    EXPECT_LE(fired[i - 1].now, fired[i].now);
  }
}

TEST(Scheduler, NextWakeIsTheEarliestSlotOfAnyTeam) {
  SysTime now = utc("2026-06-10T12:00:00Z");
  std::vector<ScheduledTeam> teams = {
      schedule(TeamId{1}, "09:00", "America/New_York", now),     // 13:00Z
      schedule(TeamId{2}, "12:30", "America/Los_Angeles", now),  // 19:30Z
      schedule(TeamId{3}, "18:00", "Europe/London", now),        // 17:00Z
      schedule(std::nullopt, "02:00", "UTC", now),               // tomorrow 02:00Z
  };
  Scheduler scheduler(kGrace);
  EXPECT_TRUE(scheduler.load(teams, {}, now).empty());
  ASSERT_TRUE(scheduler.next_wake().has_value());
  EXPECT_EQ(format_utc_seconds(*scheduler.next_wake()), "2026-06-10T13:00:00Z");

  EXPECT_TRUE(scheduler.on_wake(utc("2026-06-10T12:59:59Z")).empty());
  auto first = scheduler.on_wake(utc("2026-06-10T13:00:00Z"));
  ASSERT_EQ(first.size(), 1U);
  EXPECT_EQ(first[0].slot.team, TeamId{1});
  EXPECT_EQ(format_utc_seconds(*scheduler.next_wake()), "2026-06-10T17:00:00Z");

  auto second = scheduler.on_wake(utc("2026-06-10T17:00:00Z"));
  ASSERT_EQ(second.size(), 1U);
  EXPECT_EQ(second[0].slot.team, TeamId{3});
  EXPECT_EQ(format_utc_seconds(*scheduler.next_wake()), "2026-06-10T19:30:00Z");
}

TEST(Scheduler, WakesEveryTeamDueAtTheSameInstantAtOnce) {
  SysTime now = utc("2026-06-10T00:00:00Z");
  std::vector<ScheduledTeam> teams = {
      schedule(TeamId{1}, "05:00", "UTC", now),
      schedule(TeamId{2}, "06:00", "Europe/London", now),  // 05:00Z in summer
      schedule(std::nullopt, "05:00", "UTC", now),
  };
  Scheduler scheduler(kGrace);
  EXPECT_TRUE(scheduler.load(teams, {}, now).empty());
  auto actions = scheduler.on_wake(utc("2026-06-10T05:00:00Z"));
  ASSERT_EQ(actions.size(), 3U);
  std::map<std::int64_t, int> per_team;
  for (const Action& a : actions) {
    EXPECT_EQ(a.kind, ActionKind::kStartRun);
    EXPECT_EQ(format_date(a.slot.run_date), "2026-06-10");
    ++per_team[team_key(a.slot.team)];
  }
  EXPECT_EQ(per_team, (std::map<std::int64_t, int>{{0, 1}, {1, 1}, {2, 1}}));
  EXPECT_EQ(format_utc_seconds(*scheduler.next_wake()), "2026-06-11T05:00:00Z");
}

TEST(Scheduler, HandsOutSlotsDueTogetherInBatchesAndKeepsTheRestDue) {
  SysTime now = utc("2026-06-10T00:00:00Z");
  std::vector<ScheduledTeam> teams;
  for (std::int64_t id = 1; id <= 5; ++id) {
    teams.push_back(schedule(TeamId{id}, "05:00", "UTC", now));
  }
  Scheduler scheduler(kGrace);
  EXPECT_TRUE(scheduler.load(teams, {}, now).empty());
  SysTime slot = utc("2026-06-10T05:00:00Z");
  std::set<std::int64_t> woken;
  for (std::size_t expected : {2U, 2U, 1U}) {
    auto actions = scheduler.on_wake(slot, 2);
    ASSERT_EQ(actions.size(), expected);
    for (const Action& a : actions) {
      EXPECT_EQ(a.trigger, Trigger::kSchedule);
      EXPECT_TRUE(woken.insert(team_key(a.slot.team)).second);
    }
    // Until the last batch the slot is still due, so the service's timer fires again at once.
    EXPECT_EQ(format_utc_seconds(*scheduler.next_wake()),
              expected == 1U ? "2026-06-11T05:00:00Z" : "2026-06-10T05:00:00Z");
  }
  EXPECT_EQ(woken.size(), 5U);
}

TEST(Scheduler, HasNothingToWakeForWithoutSchedules) {
  Scheduler scheduler(kGrace);
  EXPECT_TRUE(scheduler.load({}, {}, utc("2026-06-10T00:00:00Z")).empty());
  EXPECT_EQ(scheduler.next_wake(), std::nullopt);
  EXPECT_TRUE(scheduler.on_wake(utc("2026-06-20T00:00:00Z")).empty());
  EXPECT_EQ(scheduler.size(), 0U);
  EXPECT_EQ(scheduler.grace(), kGrace);
}

TEST(Scheduler, CatchesUpASlotMissedWithinTheGraceWindowAtRestart) {
  // New York 02:00 on 2026-03-02 is 07:00Z; the service comes back 10 minutes later.
  SysTime since = utc("2026-01-01T00:00:00Z");
  Scheduler scheduler(kGrace);
  auto actions =
      scheduler.load({schedule(TeamId{1}, "02:00", "America/New_York", since)},
                     {{ScheduleKey{TeamId{1}}, key("2026-03-01")}}, utc("2026-03-02T07:10:00Z"));
  ASSERT_EQ(actions.size(), 1U);
  EXPECT_EQ(actions[0].kind, ActionKind::kStartRun);
  EXPECT_EQ(actions[0].trigger, Trigger::kCatchup);
  EXPECT_EQ(actions[0].slots, 1);
  EXPECT_EQ(actions[0].slot.team, TeamId{1});
  EXPECT_EQ(actions[0].slot.key(), "2026-03-02");
  EXPECT_EQ(format_utc_seconds(actions[0].slot.at), "2026-03-02T07:00:00Z");
  EXPECT_EQ(format_utc_seconds(*scheduler.next_wake()), "2026-03-03T07:00:00Z");
}

TEST(Scheduler, CatchesUpAtTheLastInstantOfTheGraceWindow) {
  SysTime since = utc("2026-01-01T00:00:00Z");
  Scheduler scheduler(kGrace);
  auto actions =
      scheduler.load({schedule(TeamId{1}, "02:00", "America/New_York", since)},
                     {{ScheduleKey{TeamId{1}}, key("2026-03-01")}}, utc("2026-03-02T07:30:00Z"));
  ASSERT_EQ(actions.size(), 1U);
  EXPECT_EQ(actions[0].kind, ActionKind::kStartRun);
  EXPECT_EQ(actions[0].trigger, Trigger::kCatchup);
}

TEST(Scheduler, RecordsASlotMissedBeyondTheGraceWindowAtRestart) {
  SysTime since = utc("2026-01-01T00:00:00Z");
  Scheduler scheduler(kGrace);
  auto actions =
      scheduler.load({schedule(TeamId{1}, "02:00", "America/New_York", since)},
                     {{ScheduleKey{TeamId{1}}, key("2026-03-01")}}, utc("2026-03-02T07:30:01Z"));
  ASSERT_EQ(actions.size(), 1U);
  EXPECT_EQ(actions[0].kind, ActionKind::kRecordMissed);
  EXPECT_EQ(actions[0].slots, 1);
  EXPECT_EQ(actions[0].slot.key(), "2026-03-02");
  EXPECT_EQ(format_utc_seconds(*scheduler.next_wake()), "2026-03-03T07:00:00Z");
}

TEST(Scheduler, CoalescesFiveMissedDaysIntoOneCatchUpRun) {
  // Recorded up to 2026-03-01, down until 5 minutes after the 2026-03-06 slot: 5 slots are due.
  SysTime since = utc("2026-01-01T00:00:00Z");
  Scheduler scheduler(kGrace);
  auto actions =
      scheduler.load({schedule(TeamId{2}, "06:30", "Europe/London", since)},
                     {{ScheduleKey{TeamId{2}}, key("2026-03-01")}}, utc("2026-03-06T06:35:00Z"));
  ASSERT_EQ(actions.size(), 1U);
  EXPECT_EQ(actions[0].kind, ActionKind::kStartRun);
  EXPECT_EQ(actions[0].trigger, Trigger::kCatchup);
  EXPECT_EQ(actions[0].slots, 5);
  EXPECT_EQ(actions[0].slot.key(), "2026-03-06");  // the latest
  EXPECT_EQ(format_utc_seconds(actions[0].slot.at), "2026-03-06T06:30:00Z");
  EXPECT_EQ(format_utc_seconds(*scheduler.next_wake()), "2026-03-07T06:30:00Z");
}

TEST(Scheduler, CoalescesFiveMissedDaysIntoOneMissedRecordBeyondGrace) {
  SysTime since = utc("2026-01-01T00:00:00Z");
  Scheduler scheduler(kGrace);
  auto actions =
      scheduler.load({schedule(TeamId{2}, "06:30", "Europe/London", since)},
                     {{ScheduleKey{TeamId{2}}, key("2026-03-01")}}, utc("2026-03-06T12:00:00Z"));
  ASSERT_EQ(actions.size(), 1U);
  EXPECT_EQ(actions[0].kind, ActionKind::kRecordMissed);
  EXPECT_EQ(actions[0].slots, 5);
  EXPECT_EQ(actions[0].slot.key(), "2026-03-06");
}

TEST(Scheduler, CoalescesPerTeamAtRestart) {
  SysTime since = utc("2026-01-01T00:00:00Z");
  Scheduler scheduler(kGrace);
  auto actions = scheduler.load(
      {schedule(TeamId{1}, "06:30", "UTC", since), schedule(TeamId{2}, "06:00", "UTC", since),
       schedule(TeamId{3}, "23:00", "UTC", since)},
      {{ScheduleKey{TeamId{1}}, key("2026-03-01")},
       {ScheduleKey{TeamId{2}}, key("2026-03-04")},
       {ScheduleKey{TeamId{3}}, key("2026-03-05")}},
      utc("2026-03-06T06:40:00Z"));
  std::map<std::int64_t, Action> by_team;
  for (const Action& a : actions) {
    by_team[team_key(a.slot.team)] = a;
  }
  ASSERT_EQ(actions.size(), 2U);
  ASSERT_EQ(by_team.count(1), 1U);
  EXPECT_EQ(by_team[1].kind, ActionKind::kStartRun);
  EXPECT_EQ(by_team[1].slots, 5);
  ASSERT_EQ(by_team.count(2), 1U);
  EXPECT_EQ(by_team[2].kind, ActionKind::kRecordMissed);  // 40 minutes late
  EXPECT_EQ(by_team[2].slots, 2);
  EXPECT_EQ(by_team.count(3), 0U);  // today's 23:00 is still ahead
}

TEST(Scheduler, DueNothingForABrandNewTeam) {
  // Created after today's slot: nothing is due, whatever its run time.
  SysTime now = utc("2026-03-06T12:00:00Z");
  Scheduler scheduler(kGrace);
  auto actions = scheduler.load(
      {schedule(TeamId{4}, "11:45", "UTC", now), schedule(TeamId{5}, "06:30", "Europe/London", now),
       schedule(TeamId{6}, "02:00", "Asia/Kolkata", now)},
      {}, now);
  EXPECT_TRUE(actions.empty());
  EXPECT_EQ(format_utc_seconds(*scheduler.next_wake()), "2026-03-06T20:30:00Z");
  EXPECT_TRUE(scheduler.on_wake(utc("2026-03-06T20:29:59Z")).empty());
}

TEST(Scheduler, DueNothingAtOrBeforeActiveSince) {
  // Activated exactly at today's slot, loaded a minute later: that slot is not its business.
  SysTime slot = utc("2026-03-06T06:30:00Z");
  Scheduler scheduler(kGrace);
  auto actions = scheduler.load({schedule(TeamId{4}, "06:30", "UTC", slot)}, {}, slot + minutes(1));
  EXPECT_TRUE(actions.empty());
  EXPECT_EQ(format_utc_seconds(*scheduler.next_wake()), "2026-03-07T06:30:00Z");
}

TEST(Scheduler, BrandNewTeamRunsTodayWhenItsRunTimeIsAhead) {
  SysTime now = utc("2026-03-06T12:00:00Z");
  Scheduler scheduler(kGrace);
  EXPECT_TRUE(scheduler.load({schedule(TeamId{4}, "13:00", "UTC", now)}, {}, now).empty());
  EXPECT_EQ(format_utc_seconds(*scheduler.next_wake()), "2026-03-06T13:00:00Z");
}

TEST(Scheduler, MovingTheRunTimeLaterAfterTodaysRunDoesNotRunItAgainToday) {
  // New York, 2026-03-02: today's 02:00 run is recorded; at 07:00 local the run time moves to
  // 10:00, which is still ahead today.
  SysTime since = utc("2026-01-01T00:00:00Z");
  SysTime now = utc("2026-03-02T12:00:00Z");
  std::map<ScheduleKey, SlotKey> done = {{ScheduleKey{TeamId{1}}, key("2026-03-02")}};
  Scheduler scheduler(kGrace);
  EXPECT_TRUE(
      scheduler.load({schedule(TeamId{1}, "02:00", "America/New_York", since)}, done, now).empty());
  EXPECT_EQ(format_utc_seconds(*scheduler.next_wake()), "2026-03-03T07:00:00Z");

  EXPECT_TRUE(
      scheduler.load({schedule(TeamId{1}, "10:00", "America/New_York", since)}, done, now).empty());
  EXPECT_EQ(format_utc_seconds(*scheduler.next_wake()), "2026-03-03T15:00:00Z");
  EXPECT_TRUE(scheduler.on_wake(utc("2026-03-02T15:00:00Z")).empty());
  EXPECT_TRUE(scheduler.on_wake(utc("2026-03-03T14:59:59Z")).empty());
  auto actions = scheduler.on_wake(utc("2026-03-03T15:00:00Z"));
  ASSERT_EQ(actions.size(), 1U);
  EXPECT_EQ(actions[0].slot.key(), "2026-03-03");
}

TEST(Scheduler, MovingTheRunTimeEarlierBeforeTodaysRunMovesTodaysRun) {
  // Nothing recorded today; at 07:00 local the 10:00 run time moves to 09:00, still ahead.
  SysTime since = utc("2026-01-01T00:00:00Z");
  SysTime now = utc("2026-03-02T12:00:00Z");
  std::map<ScheduleKey, SlotKey> done = {{ScheduleKey{TeamId{1}}, key("2026-03-01")}};
  Scheduler scheduler(kGrace);
  EXPECT_TRUE(
      scheduler.load({schedule(TeamId{1}, "10:00", "America/New_York", since)}, done, now).empty());
  EXPECT_EQ(format_utc_seconds(*scheduler.next_wake()), "2026-03-02T15:00:00Z");

  EXPECT_TRUE(
      scheduler.load({schedule(TeamId{1}, "09:00", "America/New_York", since)}, done, now).empty());
  EXPECT_EQ(format_utc_seconds(*scheduler.next_wake()), "2026-03-02T14:00:00Z");
  auto actions = scheduler.on_wake(utc("2026-03-02T14:00:00Z"));
  ASSERT_EQ(actions.size(), 1U);
  EXPECT_EQ(actions[0].kind, ActionKind::kStartRun);
  EXPECT_EQ(actions[0].slot.key(), "2026-03-02");
  EXPECT_EQ(format_utc_seconds(*scheduler.next_wake()), "2026-03-03T14:00:00Z");
}

TEST(Scheduler, MovingTheRunTimeJustBeforeNowBeforeTodaysRunCatchesUp) {
  // Moved to 06:50 local at 07:00 local: within the grace window, today's run starts now.
  SysTime since = utc("2026-01-01T00:00:00Z");
  Scheduler scheduler(kGrace);
  auto actions =
      scheduler.load({schedule(TeamId{1}, "06:50", "America/New_York", since)},
                     {{ScheduleKey{TeamId{1}}, key("2026-03-01")}}, utc("2026-03-02T12:00:00Z"));
  ASSERT_EQ(actions.size(), 1U);
  EXPECT_EQ(actions[0].kind, ActionKind::kStartRun);
  EXPECT_EQ(actions[0].trigger, Trigger::kCatchup);
  EXPECT_EQ(actions[0].slot.key(), "2026-03-02");
}

TEST(Scheduler, CoalescesSlotsDueAfterALongPause) {
  // The host sleeps from just after the load until 10 minutes past the fourth slot.
  SysTime start = utc("2026-03-01T00:00:00Z");
  Scheduler scheduler(kGrace);
  EXPECT_TRUE(scheduler.load({schedule(TeamId{1}, "05:00", "UTC", start)}, {}, start).empty());
  auto actions = scheduler.on_wake(utc("2026-03-04T05:10:00Z"));
  ASSERT_EQ(actions.size(), 1U);
  EXPECT_EQ(actions[0].kind, ActionKind::kStartRun);
  EXPECT_EQ(actions[0].slots, 4);
  EXPECT_EQ(actions[0].trigger, Trigger::kCatchup);
  EXPECT_EQ(actions[0].slot.key(), "2026-03-04");
  EXPECT_EQ(format_utc_seconds(actions[0].slot.at), "2026-03-04T05:00:00Z");
  EXPECT_EQ(format_utc_seconds(*scheduler.next_wake()), "2026-03-05T05:00:00Z");
  EXPECT_TRUE(scheduler.on_wake(utc("2026-03-04T05:20:00Z")).empty());
}

TEST(Scheduler, RecordsMissedWhenWokenPastTheGraceWindow) {
  SysTime start = utc("2026-03-01T00:00:00Z");
  Scheduler scheduler(kGrace);
  EXPECT_TRUE(scheduler.load({schedule(TeamId{1}, "05:00", "UTC", start)}, {}, start).empty());
  auto actions = scheduler.on_wake(utc("2026-03-01T07:00:00Z"));
  ASSERT_EQ(actions.size(), 1U);
  EXPECT_EQ(actions[0].kind, ActionKind::kRecordMissed);
  EXPECT_EQ(actions[0].slots, 1);
  EXPECT_EQ(actions[0].slot.key(), "2026-03-01");
  EXPECT_EQ(format_utc_seconds(*scheduler.next_wake()), "2026-03-02T05:00:00Z");

  // Several days late: one missed record for all of them.
  auto late = scheduler.on_wake(utc("2026-03-05T12:00:00Z"));
  ASSERT_EQ(late.size(), 1U);
  EXPECT_EQ(late[0].kind, ActionKind::kRecordMissed);
  EXPECT_EQ(late[0].slots, 4);
  EXPECT_EQ(late[0].slot.key(), "2026-03-05");
}

TEST(Scheduler, StartsASlotWokenLateButWithinGrace) {
  SysTime start = utc("2026-03-01T00:00:00Z");
  Scheduler scheduler(kGrace);
  EXPECT_TRUE(scheduler.load({schedule(TeamId{1}, "05:00", "UTC", start)}, {}, start).empty());
  auto actions = scheduler.on_wake(utc("2026-03-01T05:30:00Z"));
  ASSERT_EQ(actions.size(), 1U);
  EXPECT_EQ(actions[0].kind, ActionKind::kStartRun);
  EXPECT_EQ(actions[0].slots, 1);
  // It did not start on time: a catch-up.
  EXPECT_EQ(actions[0].trigger, Trigger::kCatchup);
}

TEST(Scheduler, ASlotWokenOnTimeIsAScheduledRun) {
  SysTime start = utc("2026-03-01T00:00:00Z");
  Scheduler scheduler(kGrace);
  EXPECT_TRUE(scheduler.load({schedule(TeamId{1}, "05:00", "UTC", start)}, {}, start).empty());
  auto actions = scheduler.on_wake(utc("2026-03-01T05:00:00.400Z"));
  ASSERT_EQ(actions.size(), 1U);
  EXPECT_EQ(actions[0].trigger, Trigger::kSchedule);
}

struct DstCase {
  std::string zone;
  std::string run_time;
  std::string start;
  int days;
};

TEST(Scheduler, KeepsTheLocalWallTimeAcrossDaylightSavingChanges) {
  const std::vector<DstCase> cases = {
      {"America/New_York", "09:00", "2026-03-05T00:00:00Z", 7},
      {"America/New_York", "09:00", "2026-10-29T00:00:00Z", 7},
      {"Europe/London", "06:30", "2026-03-26T00:00:00Z", 7},
      {"Europe/London", "06:30", "2026-10-22T00:00:00Z", 7},
      {"Australia/Lord_Howe", "08:00", "2026-04-01T00:00:00Z", 7},
      {"Australia/Lord_Howe", "08:00", "2026-10-01T00:00:00Z", 7},
      {"America/New_York", "09:00", "2027-03-11T00:00:00Z", 7},
      {"Europe/London", "06:30", "2028-10-26T00:00:00Z", 7},
  };
  for (const DstCase& c : cases) {
    SCOPED_TRACE(c.zone + " " + c.run_time + " from " + c.start);
    SysTime start = utc(c.start);
    Scheduler scheduler(kGrace);
    EXPECT_TRUE(
        scheduler.load({schedule(TeamId{1}, c.run_time, c.zone, start)}, {}, start).empty());
    std::vector<Fired> fired = drive(scheduler, start + date::days(c.days));
    ASSERT_EQ(fired.size(), static_cast<std::size_t>(c.days));
    std::set<std::string> utc_times;
    for (const Fired& f : fired) {
      SCOPED_TRACE(format_utc(f.now));
      EXPECT_EQ(local_time(f.action.slot.at, c.zone), c.run_time + ":00");
      EXPECT_EQ(local_date(f.action.slot.at, zone(c.zone)), f.action.slot.run_date);
      utc_times.insert(format_utc(f.action.slot.at).substr(11));
    }
    EXPECT_EQ(utc_times.size(), 2U) << "the UTC time of the slot changes with the offset";
  }
}

TEST(Scheduler, RunsOnceOnTheDaysOfDaylightSavingChangesInsideTheChangingHour) {
  struct Case {
    std::string zone;
    std::string run_time;
    std::string start;
    std::vector<std::string> expected;
  };
  const std::vector<Case> cases = {
      {"America/New_York",
       "02:30",
       "2026-03-07T00:00:00Z",
       {"2026-03-07T07:30:00Z", "2026-03-08T07:00:00Z", "2026-03-09T06:30:00Z"}},
      {"America/New_York",
       "01:30",
       "2026-10-31T00:00:00Z",
       {"2026-10-31T05:30:00Z", "2026-11-01T05:30:00Z", "2026-11-02T06:30:00Z"}},
      {"Australia/Lord_Howe",
       "02:15",
       "2026-10-02T00:00:00Z",
       {"2026-10-02T15:45:00Z", "2026-10-03T15:30:00Z", "2026-10-04T15:15:00Z"}},
      {"Australia/Lord_Howe",
       "01:45",
       "2026-04-03T00:00:00Z",
       {"2026-04-03T14:45:00Z", "2026-04-04T14:45:00Z", "2026-04-05T15:15:00Z"}},
  };
  for (const Case& c : cases) {
    SCOPED_TRACE(c.zone + " " + c.run_time);
    SysTime start = utc(c.start);
    Scheduler scheduler(kGrace);
    EXPECT_TRUE(
        scheduler.load({schedule(TeamId{1}, c.run_time, c.zone, start)}, {}, start).empty());
    std::vector<Fired> fired = drive(scheduler, start + date::days(3));
    std::vector<std::string> got;
    got.reserve(fired.size());
    for (const Fired& f : fired) {
      got.push_back(format_utc_seconds(f.action.slot.at));
    }
    EXPECT_EQ(got, c.expected);
  }
}

TEST(Scheduler, KeysTheGeneralRunZeroInTheDoneMap) {
  SysTime since = utc("2026-01-01T00:00:00Z");
  SysTime now = utc("2026-03-02T05:10:00Z");
  std::vector<ScheduledTeam> teams = {schedule(std::nullopt, "05:00", "UTC", since),
                                      schedule(TeamId{1}, "05:00", "UTC", since)};

  Scheduler general_done(kGrace);
  auto actions = general_done.load(
      teams,
      {{ScheduleKey{std::nullopt}, key("2026-03-02")}, {ScheduleKey{TeamId{1}}, key("2026-03-01")}},
      now);
  ASSERT_EQ(actions.size(), 1U);
  EXPECT_EQ(actions[0].slot.team, TeamId{1});

  Scheduler team_done(kGrace);
  actions = team_done.load(
      teams,
      {{ScheduleKey{std::nullopt}, key("2026-03-01")}, {ScheduleKey{TeamId{1}}, key("2026-03-02")}},
      now);
  ASSERT_EQ(actions.size(), 1U);
  EXPECT_EQ(actions[0].slot.team, std::nullopt);
  EXPECT_EQ(actions[0].kind, ActionKind::kStartRun);
  EXPECT_EQ(actions[0].trigger, Trigger::kCatchup);
  EXPECT_EQ(actions[0].slot.key(), "2026-03-02");
}

TEST(Scheduler, IgnoresAnUnreadableDoneDate) {
  // A slot key that is neither form (a future schedule's) is read as none: it hides no due slot.
  EXPECT_FALSE(SlotKey::parse("not-a-date").has_value());
  SysTime since = utc("2026-03-01T00:00:00Z");
  Scheduler scheduler(kGrace);
  auto actions =
      scheduler.load({schedule(TeamId{1}, "05:00", "UTC", since)}, {}, utc("2026-03-01T05:10:00Z"));
  ASSERT_EQ(actions.size(), 1U);
  EXPECT_EQ(actions[0].slot.key(), "2026-03-01");
}

TEST(Scheduler, ReloadReplacesEverySchedule) {
  SysTime now = utc("2026-03-01T00:00:00Z");
  Scheduler scheduler(kGrace);
  EXPECT_TRUE(scheduler
                  .load({schedule(TeamId{1}, "05:00", "UTC", now),
                         schedule(TeamId{2}, "06:00", "UTC", now)},
                        {}, now)
                  .empty());
  EXPECT_EQ(scheduler.size(), 2U);
  EXPECT_TRUE(scheduler.load({schedule(TeamId{2}, "07:00", "UTC", now)}, {}, now).empty());
  EXPECT_EQ(scheduler.size(), 1U);
  std::vector<Fired> fired = drive(scheduler, now + date::days(1));
  ASSERT_EQ(fired.size(), 1U);
  EXPECT_EQ(fired[0].action.slot.team, TeamId{2});
  EXPECT_EQ(format_utc_seconds(fired[0].action.slot.at), "2026-03-01T07:00:00Z");
}

}  // namespace
}  // namespace orch
