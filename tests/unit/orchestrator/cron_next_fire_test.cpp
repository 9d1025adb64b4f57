#include "orchestrator/schedule/cron_next_fire.h"

#include <string>
#include <vector>

#include <date/tz.h>
#include <gtest/gtest.h>

#include "config/base/time.h"
#include "orchestrator/schedule/daily_slot.h"
#include "tests/support/time_values.h"

namespace orch {
namespace {

using testing::utc;
using testing::zone;

CronExpression cron(const std::string& text) {
  auto c = parse_cron(text);
  EXPECT_TRUE(c.has_value()) << text << ": " << (c ? "" : c.error().message);
  return c ? *c : CronExpression{};
}

const std::vector<std::string> kZones{"America/New_York", "Europe/London", "Australia/Lord_Howe",
                                      "Asia/Kolkata"};

// The simulated clock of these tests: `after` is the instant a scheduler asks at, and the
// expected list is what it must be told, in UTC.
struct FireCase {
  std::string expression;
  std::string zone;
  std::string after;
  std::vector<std::string> expected;
};

void expect_fires(const std::vector<FireCase>& cases) {
  for (const FireCase& c : cases) {
    SCOPED_TRACE(c.expression + " in " + c.zone + " after " + c.after);
    std::vector<std::string> got;
    for (SysTime t : next_cron_fires(cron(c.expression), zone(c.zone), utc(c.after),
                                     static_cast<int>(c.expected.size()))) {
      got.push_back(format_utc_seconds(t));
    }
    EXPECT_EQ(got, c.expected);
  }
}

TEST(CronNextFire, FiresOnOrdinaryDaysAtTheWallTime) {
  expect_fires({
      {"30 2 * * *",
       "America/New_York",
       "2026-01-15T00:00:00Z",
       {"2026-01-15T07:30:00Z", "2026-01-16T07:30:00Z"}},
      {"30 2 * * *",
       "Asia/Kolkata",
       "2026-01-15T00:00:00Z",
       {"2026-01-15T21:00:00Z", "2026-01-16T21:00:00Z"}},
      {"*/20 * * * *",
       "UTC",
       "2026-01-15T00:05:00Z",
       {"2026-01-15T00:20:00Z", "2026-01-15T00:40:00Z", "2026-01-15T01:00:00Z"}},
      {"0 9 * * mon-fri",
       "Europe/London",
       "2026-01-16T12:00:00Z",  // a Friday
       {"2026-01-19T09:00:00Z", "2026-01-20T09:00:00Z"}},
      {"@yearly", "UTC", "2026-06-01T00:00:00Z", {"2027-01-01T00:00:00Z", "2028-01-01T00:00:00Z"}},
      {"@weekly", "UTC", "2026-01-15T00:00:00Z", {"2026-01-18T00:00:00Z"}},
      {"@hourly", "UTC", "2026-01-15T10:59:59Z", {"2026-01-15T11:00:00Z"}},
      {"@monthly", "Asia/Kolkata", "2026-01-15T00:00:00Z", {"2026-01-31T18:30:00Z"}},
      {"0 0 29 2 *",
       "UTC",
       "2026-01-01T00:00:00Z",
       {"2028-02-29T00:00:00Z", "2032-02-29T00:00:00Z"}},
      {"0 0 31 * *",
       "UTC",
       "2026-01-31T00:00:00Z",
       {"2026-03-31T00:00:00Z", "2026-05-31T00:00:00Z"}},
      // Both day fields restricted: the 13th or any Friday.
      {"0 0 13 * 5",
       "UTC",
       "2026-01-01T00:00:00Z",
       {"2026-01-02T00:00:00Z", "2026-01-09T00:00:00Z", "2026-01-13T00:00:00Z",
        "2026-01-16T00:00:00Z"}},
      // Day-of-month starts with *: only odd days that are Fridays.
      {"0 0 */2 * fri",
       "UTC",
       "2026-01-01T00:00:00Z",
       {"2026-01-09T00:00:00Z", "2026-01-23T00:00:00Z", "2026-02-13T00:00:00Z"}},
      // A Friday the 13th in February, AND-ed through a day-of-week starting with *.
      {"0 0 13 2 */5",
       "UTC",
       "2026-01-01T00:00:00Z",
       {"2026-02-13T00:00:00Z", "2028-02-13T00:00:00Z"}},
  });
}

TEST(CronNextFire, IsStrictlyAfterTheGivenInstant) {
  expect_fires({
      {"0 2 * * *", "UTC", "2026-01-15T02:00:00Z", {"2026-01-16T02:00:00Z"}},
      {"0 2 * * *", "UTC", "2026-01-15T01:59:59.999Z", {"2026-01-15T02:00:00Z"}},
      {"0 2 * * *", "UTC", "2026-01-15T02:00:00.001Z", {"2026-01-16T02:00:00Z"}},
      {"* * * * *",
       "UTC",
       "2026-12-31T23:59:30Z",
       {"2027-01-01T00:00:00Z", "2027-01-01T00:01:00Z"}},
  });
}

// New York: 2:00 EST jumps to 3:00 EDT at 07:00Z on the second Sunday of March; 2:00 EDT falls
// back to 1:00 EST at 06:00Z on the first Sunday of November.
TEST(CronNextFire, NewYorkJumpForwardRunsFixedTimeJobsOnceAtTheJumpAndDropsWildcardTimes) {
  expect_fires({
      {"30 2 * * *",
       "America/New_York",
       "2026-03-07T12:00:00Z",
       {"2026-03-08T07:00:00Z", "2026-03-09T06:30:00Z"}},
      {"0,30 2 * * *",
       "America/New_York",
       "2026-03-07T12:00:00Z",
       {"2026-03-08T07:00:00Z", "2026-03-09T06:00:00Z"}},
      {"0 2,3 * * *",
       "America/New_York",
       "2026-03-07T12:00:00Z",
       {"2026-03-08T07:00:00Z", "2026-03-09T06:00:00Z"}},
      {"30 2 * * *", "America/New_York", "2025-03-08T12:00:00Z", {"2025-03-09T07:00:00Z"}},
      {"30 2 * * *", "America/New_York", "2027-03-13T12:00:00Z", {"2027-03-14T07:00:00Z"}},
      {"30 2 * * *", "America/New_York", "2028-03-11T12:00:00Z", {"2028-03-12T07:00:00Z"}},
      {"30 * * * *",
       "America/New_York",
       "2026-03-08T05:00:00Z",
       {"2026-03-08T05:30:00Z", "2026-03-08T06:30:00Z", "2026-03-08T07:30:00Z"}},
      {"*/30 2 * * *",
       "America/New_York",
       "2026-03-07T12:00:00Z",
       {"2026-03-09T06:00:00Z", "2026-03-09T06:30:00Z"}},
      {"* * * * *",
       "America/New_York",
       "2026-03-08T06:58:00Z",
       {"2026-03-08T06:59:00Z", "2026-03-08T07:00:00Z", "2026-03-08T07:01:00Z"}},
  });
}

TEST(CronNextFire, NewYorkJumpBackRunsFixedTimeJobsOnceAndWildcardJobsInBothPasses) {
  expect_fires({
      {"30 1 * * *",
       "America/New_York",
       "2026-10-31T12:00:00Z",
       {"2026-11-01T05:30:00Z", "2026-11-02T06:30:00Z"}},
      {"30 1 * * *",
       "America/New_York",
       "2025-11-01T12:00:00Z",
       {"2025-11-02T05:30:00Z", "2025-11-03T06:30:00Z"}},
      {"30 1 * * *",
       "America/New_York",
       "2027-11-06T12:00:00Z",
       {"2027-11-07T05:30:00Z", "2027-11-08T06:30:00Z"}},
      {"30 * * * *",
       "America/New_York",
       "2026-11-01T04:00:00Z",
       {"2026-11-01T04:30:00Z", "2026-11-01T05:30:00Z", "2026-11-01T06:30:00Z",
        "2026-11-01T07:30:00Z"}},
      {"*/20 1 * * *",
       "America/New_York",
       "2026-11-01T04:00:00Z",
       {"2026-11-01T05:00:00Z", "2026-11-01T05:20:00Z", "2026-11-01T05:40:00Z",
        "2026-11-01T06:00:00Z", "2026-11-01T06:20:00Z", "2026-11-01T06:40:00Z",
        "2026-11-02T06:00:00Z"}},
      // Asked from inside the first pass, and from inside the second.
      {"30 * * * *",
       "America/New_York",
       "2026-11-01T05:45:00Z",
       {"2026-11-01T06:30:00Z", "2026-11-01T07:30:00Z"}},
      {"30 1 * * *", "America/New_York", "2026-11-01T05:45:00Z", {"2026-11-02T06:30:00Z"}},
      {"45 1 * * *", "America/New_York", "2026-11-01T06:10:00Z", {"2026-11-02T06:45:00Z"}},
  });
}

// London: 01:00 GMT jumps to 02:00 BST at 01:00Z on the last Sunday of March; 02:00 BST falls
// back to 01:00 GMT at 01:00Z on the last Sunday of October.
TEST(CronNextFire, LondonFollowsTheSameRules) {
  expect_fires({
      {"30 1 * * *",
       "Europe/London",
       "2026-03-28T12:00:00Z",
       {"2026-03-29T01:00:00Z", "2026-03-30T00:30:00Z"}},
      {"30 1 * * *", "Europe/London", "2024-03-30T12:00:00Z", {"2024-03-31T01:00:00Z"}},
      {"30 1 * * *", "Europe/London", "2029-03-24T12:00:00Z", {"2029-03-25T01:00:00Z"}},
      {"15 * * * *",
       "Europe/London",
       "2026-03-29T00:00:00Z",
       {"2026-03-29T00:15:00Z", "2026-03-29T01:15:00Z", "2026-03-29T02:15:00Z"}},
      {"30 1 * * *",
       "Europe/London",
       "2026-10-24T12:00:00Z",
       {"2026-10-25T00:30:00Z", "2026-10-26T01:30:00Z"}},
      {"15 * * * *",
       "Europe/London",
       "2026-10-24T23:00:00Z",
       {"2026-10-24T23:15:00Z", "2026-10-25T00:15:00Z", "2026-10-25T01:15:00Z",
        "2026-10-25T02:15:00Z"}},
      {"15 1 * * *",
       "Europe/London",
       "2030-10-26T12:00:00Z",
       {"2030-10-27T00:15:00Z", "2030-10-28T01:15:00Z"}},
  });
}

// Lord Howe shifts by 30 minutes: 02:00 (+10:30) jumps to 02:30 (+11) at 15:30Z on the first
// Sunday of October; 02:00 (+11) falls back to 01:30 (+10:30) at 15:00Z on the first Sunday of
// April.
TEST(CronNextFire, LordHoweThirtyMinuteShiftsFollowTheSameRules) {
  expect_fires({
      {"15 2 * * *",
       "Australia/Lord_Howe",
       "2026-10-03T00:00:00Z",
       {"2026-10-03T15:30:00Z", "2026-10-04T15:15:00Z"}},
      {"15 2 * * *", "Australia/Lord_Howe", "2027-10-02T00:00:00Z", {"2027-10-02T15:30:00Z"}},
      {"*/15 * * * *",
       "Australia/Lord_Howe",
       "2026-10-03T15:00:00Z",
       {"2026-10-03T15:15:00Z", "2026-10-03T15:30:00Z", "2026-10-03T15:45:00Z"}},
      {"45 1 * * *",
       "Australia/Lord_Howe",
       "2026-04-04T00:00:00Z",
       {"2026-04-04T14:45:00Z", "2026-04-05T15:15:00Z"}},
      {"45 1 * * *", "Australia/Lord_Howe", "2028-04-01T00:00:00Z", {"2028-04-01T14:45:00Z"}},
      {"45 * * * *",
       "Australia/Lord_Howe",
       "2026-04-04T13:00:00Z",
       {"2026-04-04T13:45:00Z", "2026-04-04T14:45:00Z", "2026-04-04T15:15:00Z",
        "2026-04-04T16:15:00Z"}},
  });
}

TEST(CronNextFire, KolkataHasNoShiftsAtAll) {
  expect_fires({
      {"30 2 * * *",
       "Asia/Kolkata",
       "2026-03-07T12:00:00Z",
       {"2026-03-07T21:00:00Z", "2026-03-08T21:00:00Z"}},
      {"30 2 * * *",
       "Asia/Kolkata",
       "2026-10-31T12:00:00Z",
       {"2026-10-31T21:00:00Z", "2026-11-01T21:00:00Z"}},
      {"0 * * * *",
       "Asia/Kolkata",
       "2029-03-10T23:00:00Z",
       {"2029-03-10T23:30:00Z", "2029-03-11T00:30:00Z"}},
  });
}

TEST(CronNextFire, DailySlotsAndFixedTimeCronAgreeAcrossYears) {
  for (const std::string& name : kZones) {
    const date::time_zone& z = zone(name);
    for (const std::string& time : std::vector<std::string>{"01:30", "02:00", "02:15", "02:30"}) {
      SCOPED_TRACE(name + " " + time);
      CronExpression c = cron(time.substr(3, 2) + " " + time.substr(0, 2) + " * * *");
      auto run_time = parse_time_of_day(time);
      ASSERT_TRUE(run_time.has_value());
      SysTime after = utc("2025-01-01T00:00:00Z");
      for (int i = 0; i < 4 * 366; ++i) {
        auto fire = next_cron_fire(c, z, after);
        ASSERT_TRUE(fire.has_value());
        ASSERT_EQ(format_utc_seconds(*fire),
                  format_utc_seconds(next_daily_slot(*run_time, z, after).at));
        after = *fire;
      }
    }
  }
}

}  // namespace
}  // namespace orch
