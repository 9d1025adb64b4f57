#include "orchestrator/schedule/daily_slot.h"

#include <string>
#include <vector>

#include <date/tz.h>
#include <gtest/gtest.h>

#include "config/base/time.h"
#include "tests/support/time_values.h"

namespace orch {
namespace {

using testing::utc;
using testing::zone;

Date day(const std::string& text) {
  auto d = parse_date(text);
  EXPECT_TRUE(d.has_value()) << text;
  return d ? *d : Date{};
}

TimeOfDay at(const std::string& text) {
  auto t = parse_time_of_day(text);
  EXPECT_TRUE(t.has_value()) << text;
  return t ? *t : TimeOfDay{};
}

struct SlotCase {
  std::string zone;
  std::string local_date;
  std::string time;
  std::string expected;  // the UTC instant
};

void expect_slots(const std::vector<SlotCase>& cases) {
  for (const SlotCase& c : cases) {
    SCOPED_TRACE(c.zone + " " + c.local_date + " " + c.time);
    EXPECT_EQ(format_utc_seconds(*daily_slot(day(c.local_date), at(c.time), zone(c.zone))),
              c.expected);
  }
}

TEST(DailySlot, IsTheWallTimeOnOrdinaryDays) {
  expect_slots({
      {"America/New_York", "2026-01-15", "02:00", "2026-01-15T07:00:00Z"},
      {"America/New_York", "2026-07-15", "02:00", "2026-07-15T06:00:00Z"},
      {"Europe/London", "2026-01-15", "02:00", "2026-01-15T02:00:00Z"},
      {"Europe/London", "2026-07-15", "02:00", "2026-07-15T01:00:00Z"},
      {"Australia/Lord_Howe", "2026-07-15", "02:00", "2026-07-14T15:30:00Z"},
      {"Australia/Lord_Howe", "2026-01-15", "02:00", "2026-01-14T15:00:00Z"},
      {"UTC", "2026-03-08", "02:30", "2026-03-08T02:30:00Z"},
      {"UTC", "2026-11-01", "01:30:45", "2026-11-01T01:30:45Z"},
  });
}

TEST(DailySlot, RunsASkippedTimeAtTheFirstInstantAfterTheJump) {
  expect_slots({
      // New York jumps from 02:00 EST to 03:00 EDT at 07:00Z.
      {"America/New_York", "2026-03-08", "02:30", "2026-03-08T07:00:00Z"},
      {"America/New_York", "2026-03-08", "02:00", "2026-03-08T07:00:00Z"},
      {"America/New_York", "2026-03-08", "02:59:59", "2026-03-08T07:00:00Z"},
      {"America/New_York", "2025-03-09", "02:30", "2025-03-09T07:00:00Z"},
      {"America/New_York", "2027-03-14", "02:30", "2027-03-14T07:00:00Z"},
      {"America/New_York", "2028-03-12", "02:30", "2028-03-12T07:00:00Z"},
      // London jumps from 01:00 GMT to 02:00 BST at 01:00Z.
      {"Europe/London", "2026-03-29", "01:30", "2026-03-29T01:00:00Z"},
      {"Europe/London", "2025-03-30", "01:30", "2025-03-30T01:00:00Z"},
      {"Europe/London", "2027-03-28", "01:30", "2027-03-28T01:00:00Z"},
      {"Europe/London", "2028-03-26", "01:30", "2028-03-26T01:00:00Z"},
      // Lord Howe jumps half an hour, from 02:00 (+10:30) to 02:30 (+11): 02:30 local.
      {"Australia/Lord_Howe", "2026-10-04", "02:15", "2026-10-03T15:30:00Z"},
      {"Australia/Lord_Howe", "2025-10-05", "02:15", "2025-10-04T15:30:00Z"},
      {"Australia/Lord_Howe", "2027-10-03", "02:15", "2027-10-02T15:30:00Z"},
      {"Australia/Lord_Howe", "2028-10-01", "02:15", "2028-09-30T15:30:00Z"},
  });
}

TEST(DailySlot, KeepsTimesAroundTheSkippedHourWhereTheyAre) {
  expect_slots({
      {"America/New_York", "2026-03-08", "01:59", "2026-03-08T06:59:00Z"},
      {"America/New_York", "2026-03-08", "03:00", "2026-03-08T07:00:00Z"},
      {"America/New_York", "2026-03-08", "03:30", "2026-03-08T07:30:00Z"},
      {"Europe/London", "2026-03-29", "00:59", "2026-03-29T00:59:00Z"},
      {"Europe/London", "2026-03-29", "02:30", "2026-03-29T01:30:00Z"},
      {"Australia/Lord_Howe", "2026-10-04", "01:59", "2026-10-03T15:29:00Z"},
      {"Australia/Lord_Howe", "2026-10-04", "02:30", "2026-10-03T15:30:00Z"},
      {"Australia/Lord_Howe", "2026-10-04", "02:45", "2026-10-03T15:45:00Z"},
  });
}

TEST(DailySlot, RunsARepeatedTimeOnceAtItsFirstOccurrence) {
  expect_slots({
      // New York falls back from 02:00 EDT to 01:00 EST at 06:00Z: 01:30 happens at 05:30Z and
      // again at 06:30Z.
      {"America/New_York", "2026-11-01", "01:30", "2026-11-01T05:30:00Z"},
      {"America/New_York", "2026-11-01", "01:00", "2026-11-01T05:00:00Z"},
      {"America/New_York", "2025-11-02", "01:30", "2025-11-02T05:30:00Z"},
      {"America/New_York", "2027-11-07", "01:30", "2027-11-07T05:30:00Z"},
      {"America/New_York", "2028-11-05", "01:30", "2028-11-05T05:30:00Z"},
      // London falls back from 02:00 BST to 01:00 GMT at 01:00Z.
      {"Europe/London", "2026-10-25", "01:30", "2026-10-25T00:30:00Z"},
      {"Europe/London", "2025-10-26", "01:30", "2025-10-26T00:30:00Z"},
      {"Europe/London", "2027-10-31", "01:30", "2027-10-31T00:30:00Z"},
      {"Europe/London", "2028-10-29", "01:30", "2028-10-29T00:30:00Z"},
      // Lord Howe falls back half an hour, from 02:00 (+11) to 01:30 (+10:30).
      {"Australia/Lord_Howe", "2026-04-05", "01:45", "2026-04-04T14:45:00Z"},
      {"Australia/Lord_Howe", "2025-04-06", "01:45", "2025-04-05T14:45:00Z"},
      {"Australia/Lord_Howe", "2027-04-04", "01:45", "2027-04-03T14:45:00Z"},
      {"Australia/Lord_Howe", "2028-04-02", "01:45", "2028-04-01T14:45:00Z"},
  });
}

TEST(DailySlot, KeepsTimesAroundTheRepeatedHourWhereTheyAre) {
  expect_slots({
      {"America/New_York", "2026-11-01", "00:59", "2026-11-01T04:59:00Z"},
      {"America/New_York", "2026-11-01", "02:00", "2026-11-01T07:00:00Z"},
      {"Europe/London", "2026-10-25", "02:00", "2026-10-25T02:00:00Z"},
      {"Australia/Lord_Howe", "2026-04-05", "01:29", "2026-04-04T14:29:00Z"},
      {"Australia/Lord_Howe", "2026-04-05", "02:00", "2026-04-04T15:30:00Z"},
  });
}

TEST(DailySlot, IgnoresDaylightSavingInZonesWithout) {
  expect_slots({
      // India is UTC+05:30 all year: 02:00 is 20:30Z the day before.
      {"Asia/Kolkata", "2026-03-08", "02:00", "2026-03-07T20:30:00Z"},
      {"Asia/Kolkata", "2026-11-01", "02:00", "2026-10-31T20:30:00Z"},
      {"Asia/Kolkata", "2025-03-09", "02:00", "2025-03-08T20:30:00Z"},
      {"Asia/Kolkata", "2028-01-01", "02:00", "2027-12-31T20:30:00Z"},
      {"UTC", "2025-03-09", "02:30", "2025-03-09T02:30:00Z"},
      {"UTC", "2027-10-31", "01:30", "2027-10-31T01:30:00Z"},
      {"UTC", "2028-02-29", "23:59:59", "2028-02-29T23:59:59Z"},
  });
}

struct NextCase {
  std::string zone;
  std::string time;
  std::string after;
  std::string expected_at;
  std::string expected_run_date;
};

TEST(NextDailySlot, IsTheFirstSlotStrictlyAfter) {
  const std::vector<NextCase> cases = {
      // Earlier the same day, exactly at the slot, and just after it.
      {"America/New_York", "02:00", "2026-01-15T06:59:59Z", "2026-01-15T07:00:00Z", "2026-01-15"},
      {"America/New_York", "02:00", "2026-01-15T07:00:00Z", "2026-01-16T07:00:00Z", "2026-01-16"},
      {"America/New_York", "02:00", "2026-01-15T07:00:01Z", "2026-01-16T07:00:00Z", "2026-01-16"},
      {"UTC", "00:00", "2026-12-31T23:59:59Z", "2027-01-01T00:00:00Z", "2027-01-01"},
      {"UTC", "00:00", "2027-01-01T00:00:00Z", "2027-01-02T00:00:00Z", "2027-01-02"},
      // The skipped and the repeated hour.
      {"America/New_York", "02:30", "2026-03-07T12:00:00Z", "2026-03-08T07:00:00Z", "2026-03-08"},
      {"America/New_York", "02:30", "2026-03-08T07:00:00Z", "2026-03-09T06:30:00Z", "2026-03-09"},
      {"America/New_York", "01:30", "2026-10-31T12:00:00Z", "2026-11-01T05:30:00Z", "2026-11-01"},
      // After the first occurrence of a repeated time, the second one is not a slot.
      {"America/New_York", "01:30", "2026-11-01T05:30:00Z", "2026-11-02T06:30:00Z", "2026-11-02"},
      {"America/New_York", "01:30", "2026-11-01T06:00:00Z", "2026-11-02T06:30:00Z", "2026-11-02"},
      {"Europe/London", "01:30", "2026-10-25T00:30:00Z", "2026-10-26T01:30:00Z", "2026-10-26"},
      {"Australia/Lord_Howe", "01:45", "2026-04-04T14:45:00Z", "2026-04-05T15:15:00Z",
       "2026-04-06"},
      {"Australia/Lord_Howe", "02:15", "2026-10-03T00:00:00Z", "2026-10-03T15:30:00Z",
       "2026-10-04"},
      // The run date is the local date, not the UTC one.
      {"Asia/Kolkata", "02:00", "2026-03-07T12:00:00Z", "2026-03-07T20:30:00Z", "2026-03-08"},
      {"Asia/Kolkata", "02:00", "2026-03-07T20:30:00Z", "2026-03-08T20:30:00Z", "2026-03-09"},
      {"America/Los_Angeles", "20:00", "2026-07-15T12:00:00Z", "2026-07-16T03:00:00Z",
       "2026-07-15"},
      {"Pacific/Auckland", "06:00", "2026-07-15T00:00:00Z", "2026-07-15T18:00:00Z", "2026-07-16"},
  };
  for (const NextCase& c : cases) {
    SCOPED_TRACE(c.zone + " " + c.time + " after " + c.after);
    DailySlot slot = next_daily_slot(at(c.time), zone(c.zone), utc(c.after));
    EXPECT_EQ(format_utc_seconds(slot.at), c.expected_at);
    EXPECT_EQ(format_date(slot.run_date), c.expected_run_date);
  }
}

TEST(NextDailySlot, RunDateCanDifferFromTheUtcDate) {
  // 02:00 in Kolkata is the evening before in UTC; 20:00 in Los Angeles is the morning after.
  DailySlot kolkata =
      next_daily_slot(at("02:00"), zone("Asia/Kolkata"), utc("2026-03-07T12:00:00Z"));
  EXPECT_EQ(format_date(kolkata.run_date), "2026-03-08");
  EXPECT_EQ(format_date(local_date(kolkata.at, zone("UTC"))), "2026-03-07");
  EXPECT_EQ(local_date(kolkata.at, zone("Asia/Kolkata")), kolkata.run_date);

  DailySlot los_angeles =
      next_daily_slot(at("20:00"), zone("America/Los_Angeles"), utc("2026-07-15T12:00:00Z"));
  EXPECT_EQ(format_date(los_angeles.run_date), "2026-07-15");
  EXPECT_EQ(format_date(local_date(los_angeles.at, zone("UTC"))), "2026-07-16");
}

TEST(NextDailySlots, GivesCountConsecutiveDaysInOrder) {
  auto slots = next_daily_slots(at("02:00"), zone("Europe/London"), utc("2026-01-30T12:00:00Z"), 5);
  ASSERT_EQ(slots.size(), 5U);
  const std::vector<std::string> dates = {"2026-01-31", "2026-02-01", "2026-02-02", "2026-02-03",
                                          "2026-02-04"};
  for (std::size_t i = 0; i < slots.size(); ++i) {
    SCOPED_TRACE(i);
    EXPECT_EQ(format_date(slots[i].run_date), dates[i]);
    EXPECT_EQ(format_utc_seconds(slots[i].at), dates[i] + "T02:00:00Z");
  }
}

TEST(NextDailySlots, GivesNothingForACountOfZero) {
  EXPECT_TRUE(next_daily_slots(at("02:00"), zone("UTC"), utc("2026-01-30T12:00:00Z"), 0).empty());
}

TEST(NextDailySlots, CrossesBothDaylightSavingChangesOncePerDay) {
  struct Expected {
    std::string run_date;
    std::string at;
  };
  // New York at 02:30: the day of the jump runs at 03:00 EDT, then 02:30 EDT again.
  auto spring =
      next_daily_slots(at("02:30"), zone("America/New_York"), utc("2026-03-06T12:00:00Z"), 4);
  const std::vector<Expected> spring_expected = {
      {"2026-03-07", "2026-03-07T07:30:00Z"},
      {"2026-03-08", "2026-03-08T07:00:00Z"},
      {"2026-03-09", "2026-03-09T06:30:00Z"},
      {"2026-03-10", "2026-03-10T06:30:00Z"},
  };
  ASSERT_EQ(spring.size(), spring_expected.size());
  for (std::size_t i = 0; i < spring.size(); ++i) {
    SCOPED_TRACE(spring_expected[i].run_date);
    EXPECT_EQ(format_date(spring[i].run_date), spring_expected[i].run_date);
    EXPECT_EQ(format_utc_seconds(spring[i].at), spring_expected[i].at);
  }

  // New York at 01:30: the day of the fall-back runs once, at the first 01:30 (EDT).
  auto fall =
      next_daily_slots(at("01:30"), zone("America/New_York"), utc("2026-10-30T12:00:00Z"), 4);
  const std::vector<Expected> fall_expected = {
      {"2026-10-31", "2026-10-31T05:30:00Z"},
      {"2026-11-01", "2026-11-01T05:30:00Z"},
      {"2026-11-02", "2026-11-02T06:30:00Z"},
      {"2026-11-03", "2026-11-03T06:30:00Z"},
  };
  ASSERT_EQ(fall.size(), fall_expected.size());
  for (std::size_t i = 0; i < fall.size(); ++i) {
    SCOPED_TRACE(fall_expected[i].run_date);
    EXPECT_EQ(format_date(fall[i].run_date), fall_expected[i].run_date);
    EXPECT_EQ(format_utc_seconds(fall[i].at), fall_expected[i].at);
  }
}

TEST(NextDailySlots, GivesOneSlotPerRunDateForAYear) {
  for (const char* name :
       {"America/New_York", "Europe/London", "Australia/Lord_Howe", "Asia/Kolkata", "UTC"}) {
    SCOPED_TRACE(name);
    for (const char* time : {"00:00", "01:30", "02:15", "23:59"}) {
      SCOPED_TRACE(time);
      auto slots = next_daily_slots(at(time), zone(name), utc("2025-12-31T12:00:00Z"), 366);
      ASSERT_EQ(slots.size(), 366U);
      for (std::size_t i = 1; i < slots.size(); ++i) {
        ASSERT_LT(slots[i - 1].at, slots[i].at);
        ASSERT_EQ(date::sys_days(slots[i].run_date) - date::sys_days(slots[i - 1].run_date),
                  date::days(1))
            << format_date(slots[i].run_date);
      }
    }
  }
}

}  // namespace
}  // namespace orch
