#include <map>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include <date/tz.h>
#include <gtest/gtest.h>

#include "config/base/time.h"
#include "orchestrator/schedule/scheduler.h"
#include "tests/support/time_values.h"

namespace orch {
namespace {

using testing::utc;

using std::chrono::minutes;

// The slot key that the store's text `text` stands for.
SlotKey key(const std::string& text) {
  auto parsed = SlotKey::parse(text);
  EXPECT_TRUE(parsed.has_value()) << text;
  return parsed.value_or(SlotKey{});
}

ScheduledTeam cron_team(std::int64_t id, const std::string& expression,
                        const std::string& zone_name, SysTime active_since) {
  ScheduledTeam s;
  s.team = TeamId{id};
  auto cron = parse_cron(expression);
  EXPECT_TRUE(cron.has_value()) << expression;
  if (cron) {
    s.cron = *cron;
  }
  auto zone = find_zone(zone_name);
  EXPECT_TRUE(zone.has_value()) << zone_name;
  s.zone = zone ? *zone : date::locate_zone("UTC");
  s.active_since = active_since;
  return s;
}

// Wakes the scheduler whenever it asks, up to `end` (a simulated clock), and returns what it
// decided.
std::vector<Action> drive(Scheduler& scheduler, SysTime end) {
  std::vector<Action> out;
  for (int wakes = 0; wakes < 100000; ++wakes) {
    std::optional<SysTime> wake = scheduler.next_wake();
    if (!wake || *wake > end) {
      return out;
    }
    for (const Action& a : scheduler.on_wake(*wake)) {
      out.push_back(a);
    }
  }
  ADD_FAILURE() << "the scheduler never stopped asking to be woken";
  return out;
}

constexpr std::chrono::seconds kGrace = minutes(30);

TEST(CronScheduler, KeysEveryFireByItsInstantEvenInBothPassesOfARepeatedHour) {
  SysTime start = utc("2026-10-31T12:00:00Z");
  Scheduler scheduler(kGrace);
  EXPECT_TRUE(
      scheduler.load({cron_team(1, "30 * * * *", "America/New_York", start)}, {}, start).empty());
  std::vector<Action> fired = drive(scheduler, utc("2026-11-02T00:00:00Z"));
  // New York falls back on 2026-11-01: the wildcard job fires in both passes, so once in each
  // of the 36 UTC hours.
  ASSERT_EQ(fired.size(), 36U);
  std::set<std::string> keys;
  for (const Action& a : fired) {
    EXPECT_EQ(a.kind, ActionKind::kStartRun);
    EXPECT_EQ(a.trigger, Trigger::kSchedule);
    EXPECT_EQ(a.slot.keyed_by, SlotKey::kFireInstant);
    EXPECT_EQ(a.slot.key(), format_utc_seconds(a.slot.at));
    keys.insert(a.slot.key());
  }
  EXPECT_EQ(keys.size(), 36U);
  EXPECT_TRUE(keys.count("2026-11-01T05:30:00Z") == 1 && keys.count("2026-11-01T06:30:00Z") == 1)
      << "01:30 EDT and 01:30 EST both fire";
}

TEST(CronScheduler, RunsAFixedTimeJobOnceAtTheJumpWithItsLocalRunDate) {
  SysTime start = utc("2026-03-07T00:00:00Z");
  Scheduler scheduler(kGrace);
  EXPECT_TRUE(
      scheduler.load({cron_team(1, "30 2 * * *", "America/New_York", start)}, {}, start).empty());
  std::vector<Action> fired = drive(scheduler, utc("2026-03-10T00:00:00Z"));
  std::vector<std::string> got;
  for (const Action& a : fired) {
    got.push_back(a.slot.key() + " " + format_date(a.slot.run_date));
  }
  EXPECT_EQ(got, (std::vector<std::string>{"2026-03-07T07:30:00Z 2026-03-07",
                                           "2026-03-08T07:00:00Z 2026-03-08",
                                           "2026-03-09T06:30:00Z 2026-03-09"}));
}

TEST(CronScheduler, CoalescesFiresMissedSinceTheLastRecordedOneIntoOneCatchUp) {
  SysTime since = utc("2026-01-01T00:00:00Z");
  std::map<ScheduleKey, SlotKey> done{{ScheduleKey{TeamId{1}}, key("2026-01-15T10:00:00Z")}};
  Scheduler scheduler(kGrace);
  std::vector<Action> actions =
      scheduler.load({cron_team(1, "0 * * * *", "UTC", since)}, done, utc("2026-01-15T12:10:00Z"));
  ASSERT_EQ(actions.size(), 1U);
  EXPECT_EQ(actions[0].kind, ActionKind::kStartRun);
  EXPECT_EQ(actions[0].trigger, Trigger::kCatchup);
  EXPECT_EQ(actions[0].slot.key(), "2026-01-15T12:00:00Z");
  EXPECT_EQ(actions[0].slots, 2);  // 11:00 and 12:00
  EXPECT_EQ(format_utc_seconds(*scheduler.next_wake()), "2026-01-15T13:00:00Z");
}

TEST(CronScheduler, RecordsOneMissedSlotWhenTheLatestFireIsPastTheGraceWindow) {
  SysTime since = utc("2026-01-01T00:00:00Z");
  std::map<ScheduleKey, SlotKey> done{{ScheduleKey{TeamId{1}}, key("2026-01-15T10:00:00Z")}};
  Scheduler scheduler(kGrace);
  std::vector<Action> actions = scheduler.load({cron_team(1, "0 */2 * * *", "UTC", since)}, done,
                                               utc("2026-01-15T16:45:00Z"));
  ASSERT_EQ(actions.size(), 1U);
  EXPECT_EQ(actions[0].kind, ActionKind::kRecordMissed);
  EXPECT_EQ(actions[0].slot.key(), "2026-01-15T16:00:00Z");
  EXPECT_EQ(actions[0].slots, 3);  // 12:00, 14:00, 16:00
}

TEST(CronScheduler, DoesNotReplayFiresBeforeTheScheduleBecameActive) {
  SysTime resumed = utc("2026-01-15T12:10:00Z");
  Scheduler scheduler(kGrace);
  EXPECT_TRUE(scheduler.load({cron_team(1, "*/5 * * * *", "UTC", resumed)}, {}, resumed).empty());
  EXPECT_EQ(format_utc_seconds(*scheduler.next_wake()), "2026-01-15T12:15:00Z");
}

TEST(CronScheduler, AMinutelyScheduleDownForAMonthCatchesUpOnceWithoutWalkingEveryFire) {
  SysTime now = utc("2026-11-23T12:00:30Z");
  Scheduler scheduler(kGrace);
  std::vector<Action> actions = scheduler.load(
      {cron_team(1, "* * * * *", "America/New_York", now - date::days(40))}, {}, now);
  ASSERT_EQ(actions.size(), 1U);
  EXPECT_EQ(actions[0].kind, ActionKind::kStartRun);
  EXPECT_EQ(actions[0].slot.key(), "2026-11-23T12:00:00Z");
  // 1000 counted, then only the last day's: not the 46 000 fires of 32 days walked one by one
  // (0.4 s of start-up per such team in a debug build).
  EXPECT_EQ(actions[0].slots, 1000 + 1440);
  EXPECT_EQ(format_utc_seconds(*scheduler.next_wake()), "2026-11-23T12:01:00Z");
}

TEST(CronScheduler, ALateWakeCoalescesEveryFireItSleptThrough) {
  SysTime start = utc("2026-01-15T12:00:00Z");
  Scheduler scheduler(kGrace);
  EXPECT_TRUE(scheduler.load({cron_team(1, "* * * * *", "UTC", start)}, {}, start).empty());
  std::vector<Action> actions = scheduler.on_wake(utc("2026-01-15T12:10:30Z"));
  ASSERT_EQ(actions.size(), 1U);
  EXPECT_EQ(actions[0].slots, 10);
  EXPECT_EQ(actions[0].trigger, Trigger::kCatchup);
  EXPECT_EQ(actions[0].slot.key(), "2026-01-15T12:10:00Z");
  EXPECT_EQ(format_utc_seconds(*scheduler.next_wake()), "2026-01-15T12:11:00Z");
}

TEST(CronScheduler, UpcomingSlotsOfADailyAndACronScheduleAreKeyedTheirOwnWay) {
  SysTime now = utc("2026-01-15T00:00:00Z");
  ScheduledTeam daily = cron_team(1, "0 0 * * *", "UTC", now);
  daily.cron.reset();
  daily.run_time = TimeOfDay{std::chrono::hours(2)};
  std::vector<Slot> d = upcoming_slots(daily, now, 2);
  ASSERT_EQ(d.size(), 2U);
  EXPECT_EQ(d[0].key(), "2026-01-15");
  EXPECT_EQ(d[1].key(), "2026-01-16");
  std::vector<Slot> c = upcoming_slots(cron_team(2, "0 2,14 * * *", "UTC", now), now, 2);
  ASSERT_EQ(c.size(), 2U);
  EXPECT_EQ(c[0].key(), "2026-01-15T02:00:00Z");
  EXPECT_EQ(c[1].key(), "2026-01-15T14:00:00Z");
}

}  // namespace
}  // namespace orch
