#include "config/base/time_bound.h"

#include <string>
#include <vector>

#include <gtest/gtest.h>

#include "tests/support/time_values.h"

namespace orch {
namespace {

using testing::utc;
using testing::zone;

TEST(ParseTimeBound, ReadsTheFormsOperatorsType) {
  struct Case {
    std::string text;
    std::string zone;
    std::string now;
    std::string expected;
  };
  for (const auto& c : std::vector<Case>{
           // An instant with its zone is that instant, whatever the machine's zone.
           {"2026-12-04T19:00:00Z", "Europe/Paris", "2026-12-05T10:00:00Z", "2026-12-04T19:00:00Z"},
           {"2026-12-04T19:00+01:00", "Asia/Tokyo", "2026-12-05T10:00:00Z", "2026-12-04T18:00:00Z"},
           // A wall time without a zone is read in the machine's.
           {"2026-12-04T19:00", "Europe/Paris", "2026-12-05T10:00:00Z", "2026-12-04T18:00:00Z"},
           {"2026-12-04 19:00:30", "America/New_York", "2026-12-05T10:00:00Z",
            "2026-12-05T00:00:30Z"},
           {"2026-12-04T19:00", "UTC", "2026-12-05T10:00:00Z", "2026-12-04T19:00:00Z"},
           // A date is its local midnight.
           {"2026-12-04", "Asia/Tokyo", "2026-12-05T10:00:00Z", "2026-12-03T15:00:00Z"},
           // today and yesterday: local midnights, by the local date of `now`.
           {"today", "UTC", "2026-12-05T10:00:00Z", "2026-12-05T00:00:00Z"},
           {"yesterday", "UTC", "2026-12-05T10:00:00Z", "2026-12-04T00:00:00Z"},
           {"today", "America/New_York", "2026-12-05T03:00:00Z", "2026-12-04T05:00:00Z"},
           {"yesterday", "Asia/Tokyo", "2026-12-04T16:00:00Z", "2026-12-03T15:00:00Z"},
           // Spans back from now.
           {"45s", "UTC", "2026-12-05T10:00:00Z", "2026-12-05T09:59:15Z"},
           {"30m", "UTC", "2026-12-05T10:00:00Z", "2026-12-05T09:30:00Z"},
           {"2h", "Asia/Tokyo", "2026-12-05T10:00:00Z", "2026-12-05T08:00:00Z"},
           {"7d", "UTC", "2026-12-05T10:00:00Z", "2026-11-28T10:00:00Z"},
           {"2w", "UTC", "2026-12-05T10:00:00Z", "2026-11-21T10:00:00Z"},
           // A midnight the clocks skip (Santiago springs forward at 00:00) is the first instant
           // after the jump; a wall time repeated by a fall-back is its first occurrence.
           {"2026-09-06", "America/Santiago", "2026-09-10T00:00:00Z", "2026-09-06T04:00:00Z"},
           {"2026-11-01T01:30", "America/New_York", "2026-11-02T00:00:00Z", "2026-11-01T05:30:00Z"},
       }) {
    SCOPED_TRACE(c.text + " in " + c.zone);
    auto at = parse_time_bound(c.text, utc(c.now), zone(c.zone));
    ASSERT_TRUE(at) << at.error().message;
    EXPECT_EQ(format_utc_seconds(*at), c.expected);
  }
}

TEST(ParseTimeBound, RefusesOtherTextNamingTheForms) {
  for (const std::string text :
       {"", "junk", "5x", "h", "-2h", "2026-13-01", "2026-12-04T25:00", "tomorrow", "2h ago"}) {
    SCOPED_TRACE(text);
    auto at = parse_time_bound(text, utc("2026-12-05T10:00:00Z"), zone("UTC"));
    ASSERT_FALSE(at);
    EXPECT_EQ(at.error().code, ErrorCode::kInvalidArgument);
    EXPECT_NE(at.error().message.find("2026-12-04T19:00 (local time)"), std::string::npos)
        << at.error().message;
  }
}

}  // namespace
}  // namespace orch
