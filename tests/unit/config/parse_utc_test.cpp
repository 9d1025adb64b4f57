#include <chrono>
#include <string>
#include <vector>

#include <date/date.h>
#include <gtest/gtest.h>

#include "config/base/time.h"

namespace orch {
namespace {

using std::chrono::hours;
using std::chrono::milliseconds;
using std::chrono::minutes;
using std::chrono::seconds;

const SysTime kAt = date::sys_days{date::year{2026} / 11 / 23} + hours(2) + minutes(5) + seconds(9);

struct Accepted {
  std::string text;
  SysTime instant;
};

TEST(ParseUtc, ReadsEveryIsoForm) {
  const std::vector<Accepted> cases = {
      {"2026-11-23T02:05:09Z", kAt},
      {"2026-11-23T02:05:09z", kAt},
      {"2026-11-23 02:05:09Z", kAt},
      {"2026-11-23T02:05Z", kAt - seconds(9)},
      {"2026-11-23T02:05:09.1Z", kAt + milliseconds(100)},
      {"2026-11-23T02:05:09.013Z", kAt + milliseconds(13)},
      // Kept to the millisecond, rounded down, however many digits.
      {"2026-11-23T02:05:09.123456Z", kAt + milliseconds(123)},
      {"2026-11-23T02:05:09.9999999999999Z", kAt + milliseconds(999)},
      {"2026-11-23T03:05:09+01:00", kAt},
      {"2026-11-23T03:05:09+0100", kAt},
      {"2026-11-23T03:05:09+01", kAt},
      {"2026-11-22T21:35:09-04:30", kAt},
      {"2026-11-23T03:35+01:30", kAt - seconds(9)},
      {"2026-11-23T02:05:09.500+00:00", kAt + milliseconds(500)},
      {"2026-11-23T02:05:09-00:00", kAt},
      {"2026-11-24T02:04:09+23:59", kAt},
      // An offset can move the instant into the day, month and year before.
      {"2026-01-01T00:30:00+01:00",
       date::sys_days{date::year{2025} / 12 / 31} + hours(23) + minutes(30)},
      {"2024-02-29T00:00:00Z", date::sys_days{date::year{2024} / 2 / 29}},
      {"0000-01-01T00:00:00Z", date::sys_days{date::year{0} / 1 / 1}},
      {"9999-12-31T23:59:59.999Z",
       date::sys_days{date::year{9999} / 12 / 31} + hours(24) - milliseconds(1)},
  };
  for (const Accepted& c : cases) {
    SCOPED_TRACE(c.text);
    auto parsed = parse_utc(c.text);
    ASSERT_TRUE(parsed) << parsed.error().message;
    EXPECT_EQ(format_utc(*parsed), format_utc(c.instant));
  }
}

TEST(ParseUtc, RefusesWhatIsNotAnInstant) {
  const std::vector<std::string> cases = {
      "",
      "not a time at all",
      "2026-11-23",
      "2026-11-23T",
      "2026-11-23T02:05:09",  // no offset: ambiguous
      "2026-11-23T2:05:09Z",
      "2026-11-23T02:5:09Z",
      "2026-11-23T02:05:9Z",
      "20261123T020509Z",
      "2026-11-23X02:05:09Z",
      "2026-13-01T00:00:00Z",
      "2026-02-30T00:00:00Z",
      "2025-02-29T00:00:00Z",
      "2026-11-23T24:00:00Z",
      "2026-11-23T23:60:00Z",
      "2026-11-23T02:05:09.Z",
      "2026-11-23T02:05:09,5Z",
      "2026-11-23T02:05:09.-1Z",
      "2026-11-23T02:05.5Z",  // a fraction needs the seconds
      "2026-11-23T02:05:09Zjunk",
      "2026-11-23T02:05:09 Z",
      " 2026-11-23T02:05:09Z",
      "2026-11-23T02:05:09Z ",
      "2026-11-23T02:05:09+",
      "2026-11-23T02:05:09+1:00",
      "2026-11-23T02:05:09+01:0",
      "2026-11-23T02:05:09+24:00",
      "2026-11-23T02:05:09+01:60",
      "2026-11-23T02:05:09+0160",
      "+026-11-23T02:05:09Z",
  };
  for (const std::string& text : cases) {
    SCOPED_TRACE(text);
    auto parsed = parse_utc(text);
    ASSERT_FALSE(parsed) << format_utc(*parsed);
    EXPECT_EQ(parsed.error().code, ErrorCode::kInvalidArgument);
    EXPECT_EQ(parsed.error().message,
              "'" + text +
                  "' is not an ISO-8601 instant: use YYYY-MM-DDTHH:MM:SSZ or an offset such as "
                  "+01:00");
  }
}

}  // namespace
}  // namespace orch
