#include "pipeline/purchase_date.h"

#include <string>
#include <vector>

#include <gtest/gtest.h>

#include "config/base/time.h"

namespace orch::pipeline {
namespace {

Date ymd(int y, unsigned m, unsigned d) {
  return Date{date::year(y), date::month(m), date::day(d)};
}

struct PurchaseCase {
  Date run_date;
  date::weekday weekday;
  Date expected;
};

void expect_cases(const std::vector<PurchaseCase>& cases) {
  for (const PurchaseCase& c : cases) {
    SCOPED_TRACE(format_date(c.run_date) + " with " + weekday_name(c.weekday));
    EXPECT_EQ(format_date(purchase_date(c.run_date, c.weekday)), format_date(c.expected));
  }
}

TEST(PurchaseDate, OnATuesdayIsTheTuesdayAWeekLater) {
  EXPECT_EQ(purchase_date(ymd(2026, 11, 17), date::Tuesday), ymd(2026, 11, 24));
}

TEST(PurchaseDate, IsTheNextTuesdayFromEveryDayOfTheWeek) {
  // 2026-11-16 is a Monday.
  expect_cases({
      {ymd(2026, 11, 16), date::Tuesday, ymd(2026, 11, 17)},
      {ymd(2026, 11, 17), date::Tuesday, ymd(2026, 11, 24)},
      {ymd(2026, 11, 18), date::Tuesday, ymd(2026, 11, 24)},
      {ymd(2026, 11, 19), date::Tuesday, ymd(2026, 11, 24)},
      {ymd(2026, 11, 20), date::Tuesday, ymd(2026, 11, 24)},
      {ymd(2026, 11, 21), date::Tuesday, ymd(2026, 11, 24)},
      {ymd(2026, 11, 22), date::Tuesday, ymd(2026, 11, 24)},
  });
}

TEST(PurchaseDate, CrossesMonthAndYearBoundaries) {
  expect_cases({
      {ymd(2026, 11, 30), date::Tuesday, ymd(2026, 12, 1)},
      {ymd(2026, 11, 26), date::Tuesday, ymd(2026, 12, 1)},
      {ymd(2026, 12, 30), date::Tuesday, ymd(2027, 1, 5)},
      {ymd(2026, 12, 31), date::Thursday, ymd(2027, 1, 7)},
      {ymd(2028, 2, 28), date::Tuesday, ymd(2028, 2, 29)},  // a leap day
      {ymd(2027, 2, 28), date::Tuesday, ymd(2027, 3, 2)},
  });
}

TEST(PurchaseDate, FollowsAWeekdayOtherThanTuesday) {
  // 2026-11-20 is a Friday.
  expect_cases({
      {ymd(2026, 11, 20), date::Friday, ymd(2026, 11, 27)},
      {ymd(2026, 11, 21), date::Friday, ymd(2026, 11, 27)},
      {ymd(2026, 11, 19), date::Friday, ymd(2026, 11, 20)},
      {ymd(2026, 11, 20), date::Saturday, ymd(2026, 11, 21)},
      {ymd(2026, 11, 20), date::Sunday, ymd(2026, 11, 22)},
      {ymd(2026, 11, 20), date::Monday, ymd(2026, 11, 23)},
  });
}

void expect_one_to_seven_days_later_on(Date run, date::weekday weekday) {
  SCOPED_TRACE(format_date(run) + " with " + weekday_name(weekday));
  Date purchase = purchase_date(run, weekday);
  auto ahead = date::sys_days{purchase} - date::sys_days{run};
  EXPECT_GE(ahead.count(), 1);
  EXPECT_LE(ahead.count(), 7);
  EXPECT_EQ(date::weekday{date::sys_days{purchase}}, weekday);
}

TEST(PurchaseDate, IsAlwaysOneToSevenDaysLaterOnTheChosenWeekday) {
  for (unsigned w = 0; w < 7; ++w) {
    for (unsigned d = 16; d <= 22; ++d) {
      expect_one_to_seven_days_later_on(ymd(2026, 11, d), date::weekday{w});
    }
  }
}

TEST(ParseWeekday, AcceptsFullNamesAndAbbreviationsInAnyCase) {
  struct Case {
    std::string text;
    date::weekday expected;
  };
  const std::vector<Case> cases = {
      {"tuesday", date::Tuesday},   {"TUESDAY", date::Tuesday}, {"Tue", date::Tuesday},
      {"tUe", date::Tuesday},       {"monday", date::Monday},   {"wed", date::Wednesday},
      {"Thursday", date::Thursday}, {"fri", date::Friday},      {"SAT", date::Saturday},
      {"sunday", date::Sunday},     {"sun", date::Sunday},
  };
  for (const Case& c : cases) {
    SCOPED_TRACE(c.text);
    auto parsed = parse_weekday(c.text);
    ASSERT_TRUE(parsed) << parsed.error().message;
    EXPECT_EQ(*parsed, c.expected);
  }
}

TEST(ParseWeekday, RefusesOtherTextListingTheAllowedValues) {
  for (const std::string text : {"", "tues", "tu", "t", "xyz", " tuesday", "tuesday ", "7"}) {
    SCOPED_TRACE("'" + text + "'");
    auto parsed = parse_weekday(text);
    ASSERT_FALSE(parsed);
    EXPECT_EQ(parsed.error().code, ErrorCode::kInvalidArgument);
    EXPECT_NE(parsed.error().message.find("'" + text + "'"), std::string::npos);
    EXPECT_NE(parsed.error().message.find("monday, tuesday, wednesday, thursday, friday, "
                                          "saturday or sunday"),
              std::string::npos)
        << parsed.error().message;
  }
}

TEST(WeekdayName, IsTheLowercaseFullNameAndParsesBack) {
  EXPECT_STREQ(weekday_name(date::Tuesday), "tuesday");
  EXPECT_STREQ(weekday_name(date::Sunday), "sunday");
  for (unsigned w = 0; w < 7; ++w) {
    auto parsed = parse_weekday(weekday_name(date::weekday{w}));
    ASSERT_TRUE(parsed);
    EXPECT_EQ(*parsed, date::weekday{w});
  }
}

}  // namespace
}  // namespace orch::pipeline
