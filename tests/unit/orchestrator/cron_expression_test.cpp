#include "orchestrator/schedule/cron_expression.h"

#include <string>
#include <vector>

#include <gtest/gtest.h>

namespace orch {
namespace {

CronExpression parsed(const std::string& text) {
  auto cron = parse_cron(text);
  EXPECT_TRUE(cron.has_value()) << text << ": " << (cron ? "" : cron.error().message);
  return cron ? *cron : CronExpression{};
}

std::vector<unsigned> set_bits(const auto& bits) {
  std::vector<unsigned> out;
  for (unsigned i = 0; i < bits.size(); ++i) {
    if (bits[i]) {
      out.push_back(i);
    }
  }
  return out;
}

using Values = std::vector<unsigned>;

TEST(CronExpression, ParsesEveryFieldForm) {
  CronExpression cron = parsed("5,10-12,*/20 1-10/3 */10 2-3 1");
  EXPECT_EQ(set_bits(cron.minutes), (Values{0, 5, 10, 11, 12, 20, 40}));
  EXPECT_EQ(set_bits(cron.hours), (Values{1, 4, 7, 10}));
  EXPECT_EQ(set_bits(cron.days_of_month), (Values{1, 11, 21, 31}));
  EXPECT_EQ(set_bits(cron.months), (Values{2, 3}));
  EXPECT_EQ(set_bits(cron.days_of_week), (Values{1}));
  EXPECT_EQ(cron.kind, JobKind::kFixedTime);
}

TEST(CronExpression, ReadsMonthAndWeekdayNamesInAnyCase) {
  CronExpression cron = parsed("0 9 * JAN-mar,Dec Mon-FRI");
  EXPECT_EQ(set_bits(cron.months), (Values{1, 2, 3, 12}));
  EXPECT_EQ(set_bits(cron.days_of_week), (Values{1, 2, 3, 4, 5}));
}

TEST(CronExpression, TakesSevenAndZeroAsSunday) {
  EXPECT_EQ(set_bits(parsed("0 0 * * 7").days_of_week), (Values{0}));
  EXPECT_EQ(set_bits(parsed("0 0 * * 0").days_of_week), (Values{0}));
  EXPECT_EQ(set_bits(parsed("0 0 * * 5-7").days_of_week), (Values{0, 5, 6}));
  EXPECT_EQ(set_bits(parsed("0 0 * * 0-7").days_of_week), (Values{0, 1, 2, 3, 4, 5, 6}));
  EXPECT_EQ(set_bits(parsed("0 0 * * */7").days_of_week), (Values{0}));
}

TEST(CronExpression, ExpandsTheNicknames) {
  struct Case {
    std::string nickname;
    std::string meaning;
  };
  for (const Case& c : std::vector<Case>{{"@yearly", "0 0 1 1 *"},
                                         {"@annually", "0 0 1 1 *"},
                                         {"@monthly", "0 0 1 * *"},
                                         {"@weekly", "0 0 * * 0"},
                                         {"@daily", "0 0 * * *"},
                                         {"@midnight", "0 0 * * *"},
                                         {"@hourly", "0 * * * *"}}) {
    SCOPED_TRACE(c.nickname);
    CronExpression a = parsed(c.nickname);
    CronExpression b = parsed(c.meaning);
    EXPECT_EQ(a.minutes, b.minutes);
    EXPECT_EQ(a.hours, b.hours);
    EXPECT_EQ(a.days_of_month, b.days_of_month);
    EXPECT_EQ(a.months, b.months);
    EXPECT_EQ(a.days_of_week, b.days_of_week);
    EXPECT_EQ(a.kind, b.kind);
    EXPECT_EQ(a.text, c.nickname);
  }
}

TEST(CronExpression, IsAWildcardJobWhenItsMinuteOrHourFieldStartsWithAStar) {
  EXPECT_EQ(parsed("* 2 * * *").kind, JobKind::kWildcard);
  EXPECT_EQ(parsed("30 * * * *").kind, JobKind::kWildcard);
  EXPECT_EQ(parsed("*/15 2 * * *").kind, JobKind::kWildcard);
  EXPECT_EQ(parsed("30 */2 * * *").kind, JobKind::kWildcard);
  EXPECT_EQ(parsed("0-59 0-23 * * *").kind, JobKind::kFixedTime);
  EXPECT_EQ(parsed("30 2 * * *").kind, JobKind::kFixedTime);
  EXPECT_EQ(parsed("@hourly").kind, JobKind::kWildcard);
  EXPECT_EQ(parsed("@daily").kind, JobKind::kFixedTime);
}

TEST(CronExpression, AcceptsSpacesTabsAndLeadingZeros) {
  CronExpression cron = parsed("  05\t02  *  *  *  ");
  EXPECT_EQ(set_bits(cron.minutes), (Values{5}));
  EXPECT_EQ(set_bits(cron.hours), (Values{2}));
  EXPECT_EQ(cron.text, "05\t02  *  *  *");
}

TEST(CronExpression, AcceptsDaysThatOnlyLeapYearsHave) {
  EXPECT_TRUE(parse_cron("0 0 29 2 *").has_value());
  // Both day fields restricted: either matches, so Mondays in February fire.
  EXPECT_TRUE(parse_cron("0 0 30 2 mon").has_value());
}

// The day-field rule of crontab(5), checked on dates of January 2026 (the 1st is a Thursday).
TEST(CronExpression, MatchesADayByBothDayFieldsWhenEitherStartsWithAStar) {
  struct Case {
    std::string expression;
    std::vector<unsigned> days;  // the matching days of January 2026
  };
  const std::vector<Case> cases{
      {"0 0 13 * 5", {2, 9, 13, 16, 23, 30}},  // both restricted: the 13th or a Friday
      {"0 0 13 * *", {13}},
      {"0 0 * * 5", {2, 9, 16, 23, 30}},
      {"0 0 */2 * 5", {9, 23}},   // day-of-month starts with *: odd days that are Fridays
      {"0 0 1-7 * */5", {2, 4}},  // day-of-week starts with *: Fridays and Sundays of 1-7
      {"0 0 1 * mon", {1, 5, 12, 19, 26}},
      {"0 0 1-31 * 0-7", {1,  2,  3,  4,  5,  6,  7,  8,  9,  10, 11, 12, 13, 14, 15, 16,
                          17, 18, 19, 20, 21, 22, 23, 24, 25, 26, 27, 28, 29, 30, 31}},
  };
  for (const Case& c : cases) {
    SCOPED_TRACE(c.expression);
    CronExpression cron = parsed(c.expression);
    std::vector<unsigned> matching;
    for (unsigned d = 1; d <= 31; ++d) {
      unsigned weekday = (4 + d - 1) % 7;  // 2026-01-01 is a Thursday (4)
      if (cron_day_matches(cron, d, 1, weekday)) {
        matching.push_back(d);
      }
    }
    EXPECT_EQ(matching, c.days);
  }
}

struct Refusal {
  std::string expression;
  std::vector<std::string> says;  // every one must be in the message
};

TEST(CronExpression, RefusesWhatVixieCronDoesNotAcceptWithOneLineNamingFieldTextAndRule) {
  const std::vector<Refusal> refusals{
      {"0 0 * * * *", {"6 fields", "exactly 5", "no seconds", "@daily"}},
      {"0 0 * *", {"4 fields", "exactly 5"}},
      {"", {"0 fields", "exactly 5"}},
      {"@reboot", {"'@reboot' is not a nickname", "@yearly"}},
      {"@DAILY", {"'@DAILY' is not a nickname"}},
      {"0 0 L * *", {"day-of-month field", "'L' is not allowed", "1-31"}},
      {"0 0 15W * *", {"day-of-month field", "'15W' is not allowed"}},
      {"0 0 * * 5L", {"day-of-week field", "'5L' is not allowed", "sun-sat"}},
      {"0 0 * * 5#3", {"day-of-week field", "'5#3' is not allowed"}},
      {"0 0 ? * *", {"day-of-month field", "'?' is not allowed"}},
      {"0 0 * * ?", {"day-of-week field", "'?' is not allowed"}},
      {"5/10 * * * *", {"minute field", "'5/10'", "a step needs * or a range", "*/S"}},
      {"0 5-1 * * *", {"hour field", "'5-1' is a reversed range", "0-23"}},
      {"0 0 * * fri-mon", {"day-of-week field", "'fri-mon' is a reversed range"}},
      {"0 0 * * sat-sun", {"day-of-week field", "'sat-sun' is a reversed range"}},
      {"*/0 * * * *", {"minute field", "'*/0' has a step out of range", "S from 1 to 59"}},
      {"0 1-5/0 * * *", {"hour field", "'1-5/0' has a step out of range"}},
      {"*/60 * * * *", {"minute field", "'*/60' has a step out of range"}},
      {"60 * * * *", {"minute field", "'60' is out of range", "0-59"}},
      {"0 24 * * *", {"hour field", "'24' is out of range", "0-23"}},
      {"0 0 0 * *", {"day-of-month field", "'0' is out of range", "1-31"}},
      {"0 0 32 * *", {"day-of-month field", "'32' is out of range"}},
      {"0 0 * 0 *", {"month field", "'0' is out of range", "1-12 or jan-dec"}},
      {"0 0 * 13 *", {"month field", "'13' is out of range"}},
      {"0 0 * * 8", {"day-of-week field", "'8' is out of range", "0-7 (0 and 7 are Sunday)"}},
      {"0 0 * foo *", {"month field", "'foo' is not allowed"}},
      {"0 0 * january *", {"month field", "'january' is not allowed"}},
      {"0 0 * * sunday", {"day-of-week field", "'sunday' is not allowed"}},
      {"0 mon * * *", {"hour field", "'mon' is not allowed"}},
      {"0 0 * */feb *", {"month field", "'*/feb' is not allowed"}},
      {"0,,5 * * * *", {"minute field", "'0,,5' has an empty list entry"}},
      {"0, * * * *", {"minute field", "'0,' has an empty list entry"}},
      {"1-2-3 * * * *", {"minute field", "'1-2-3' is not allowed"}},
      {"-5 * * * *", {"minute field", "'-5' is not allowed"}},
      {"** * * * *", {"minute field", "'**' is not allowed"}},
      {"0 0 1.5 * *", {"day-of-month field", "'1.5' is not allowed"}},
      {"0 0 30 2 *", {"can never fire", "day-of-month field: '30'", "month field '2'"}},
      {"0 0 31 4,6,9,11 *", {"can never fire", "'31'"}},
      {"0 0 30-31 feb */2", {"can never fire"}},
  };
  for (const Refusal& r : refusals) {
    SCOPED_TRACE(r.expression);
    auto cron = parse_cron(r.expression);
    ASSERT_FALSE(cron.has_value());
    EXPECT_EQ(cron.error().code, ErrorCode::kInvalidArgument);
    const std::string& message = cron.error().message;
    EXPECT_EQ(message.find('\n'), std::string::npos) << message;
    EXPECT_NE(message.find("cron expression '" + r.expression + "'"), std::string::npos) << message;
    for (const std::string& part : r.says) {
      EXPECT_NE(message.find(part), std::string::npos) << message << "\n  lacks: " << part;
    }
  }
}

// Found by fuzzing: a refusal quotes the text it was given, so a control character in it (a
// line break from an environment variable) is escaped to keep the message on one line.
TEST(CronExpression, EscapesControlCharactersOfTheTextItQuotes) {
  auto cron = parse_cron("0 0 * *\n*");
  ASSERT_FALSE(cron.has_value());
  const std::string& message = cron.error().message;
  EXPECT_EQ(message.find('\n'), std::string::npos) << message;
  EXPECT_NE(message.find("cron expression '0 0 * *\\x0a*'"), std::string::npos) << message;
}

}  // namespace
}  // namespace orch
