// A team's daylight-saving policy (--dst-skipped shift|skip, --dst-repeated first|last) over a
// spring-forward and a fall-back night, in New York (an hour) and Lord Howe (half an hour), through
// the scheduler as `serve` drives it with a simulated clock.

#include <string>
#include <vector>

#include <date/tz.h>
#include <gtest/gtest.h>

#include "orchestrator/schedule/daily_slot.h"
#include "orchestrator/schedule/scheduler.h"
#include "tests/support/time_values.h"

namespace orch {
namespace {

using testing::utc;
using testing::zone;

ScheduledTeam team_at(const std::string& time, const std::string& zone_name, DstPolicy dst) {
  ScheduledTeam s;
  s.team = TeamId{1};
  s.run_time = *parse_time_of_day(time);
  s.zone = &zone(zone_name);
  s.active_since = utc("2026-01-01T00:00:00Z");
  s.dst = dst;
  return s;
}

// What the scheduler starts between `from` and `to`, woken at each slot by a simulated clock:
// "instant run_date note".
std::vector<std::string> fires(ScheduledTeam team, const std::string& from, const std::string& to) {
  team.active_since = utc(from);  // a team new at `from`: nothing to catch up
  Scheduler scheduler(std::chrono::seconds(3600));
  EXPECT_TRUE(scheduler.load({team}, {}, utc(from)).empty());
  std::vector<std::string> out;
  while (auto wake = scheduler.next_wake()) {
    if (*wake > utc(to)) {
      break;
    }
    for (const Action& action : scheduler.on_wake(*wake)) {
      out.push_back(format_utc_seconds(action.slot.at) + " " + format_date(action.slot.run_date) +
                    (action.slot.schedule_note.empty() ? "" : " " + action.slot.schedule_note));
    }
  }
  return out;
}

TEST(DstChoice, ASkippedTimeShiftsOrIsSkippedInNewYork) {
  // 2027-03-14 02:00 EST jumps to 03:00 EDT: 02:30 does not exist.
  auto shift = fires(team_at("02:30", "America/New_York", {}), "2027-03-13T00:00:00Z",
                     "2027-03-15T12:00:00Z");
  EXPECT_EQ(shift, (std::vector<std::string>{
                       "2027-03-13T07:30:00Z 2027-03-13",
                       "2027-03-14T07:00:00Z 2027-03-14 02:30 does not exist on 2027-03-14 in "
                       "America/New_York: ran at 03:00 (dst_skipped=shift)",
                       "2027-03-15T06:30:00Z 2027-03-15"}));
  auto skip = fires(team_at("02:30", "America/New_York", {DstSkipped::kSkip, DstRepeated::kFirst}),
                    "2027-03-13T00:00:00Z", "2027-03-15T12:00:00Z");
  EXPECT_EQ(skip, (std::vector<std::string>{"2027-03-13T07:30:00Z 2027-03-13",
                                            "2027-03-15T06:30:00Z 2027-03-15"}));
}

TEST(DstChoice, ARepeatedTimeRunsAtTheFirstOrTheLastInNewYork) {
  // 2026-11-01 02:00 EDT falls back to 01:00 EST: 01:30 happens at 05:30Z and at 06:30Z.
  auto first = fires(team_at("01:30", "America/New_York", {}), "2026-10-31T12:00:00Z",
                     "2026-11-02T12:00:00Z");
  EXPECT_EQ(first, (std::vector<std::string>{
                       "2026-11-01T05:30:00Z 2026-11-01 01:30 happens twice on 2026-11-01 in "
                       "America/New_York: ran at the first (dst_repeated=first)",
                       "2026-11-02T06:30:00Z 2026-11-02"}));
  auto last = fires(team_at("01:30", "America/New_York", {DstSkipped::kShift, DstRepeated::kLast}),
                    "2026-10-31T12:00:00Z", "2026-11-02T12:00:00Z");
  EXPECT_EQ(last, (std::vector<std::string>{
                      "2026-11-01T06:30:00Z 2026-11-01 01:30 happens twice on 2026-11-01 in "
                      "America/New_York: ran at the second (dst_repeated=last)",
                      "2026-11-02T06:30:00Z 2026-11-02"}));
}

TEST(DstChoice, LordHowesHalfHourShiftsFollowThePolicyToo) {
  // Lord Howe springs forward from 02:00 to 02:30 (+10:30 to +11) on 2026-10-04 and falls back
  // from 02:00 to 01:30 on 2027-04-04.
  auto skipped = fires(team_at("02:15", "Australia/Lord_Howe", {DstSkipped::kSkip, {}}),
                       "2026-10-02T12:00:00Z", "2026-10-05T12:00:00Z");
  EXPECT_EQ(skipped, (std::vector<std::string>{"2026-10-02T15:45:00Z 2026-10-03",
                                               "2026-10-04T15:15:00Z 2026-10-05"}));
  auto shifted = fires(team_at("02:15", "Australia/Lord_Howe", {}), "2026-10-03T12:00:00Z",
                       "2026-10-04T12:00:00Z");
  EXPECT_EQ(shifted, (std::vector<std::string>{
                         "2026-10-03T15:30:00Z 2026-10-04 02:15 does not exist on 2026-10-04 in "
                         "Australia/Lord_Howe: ran at 02:30 (dst_skipped=shift)"}));
  auto last =
      fires(team_at("01:45", "Australia/Lord_Howe", {DstSkipped::kShift, DstRepeated::kLast}),
            "2027-04-03T12:00:00Z", "2027-04-04T12:00:00Z");
  EXPECT_EQ(last, (std::vector<std::string>{
                      "2027-04-03T15:15:00Z 2027-04-04 01:45 happens twice on 2027-04-04 in "
                      "Australia/Lord_Howe: ran at the second (dst_repeated=last)"}));
}

// Wildcard cron jobs keep Vixie's rules whatever the policy: both passes of a repeated hour.
TEST(DstChoice, WildcardCronJobsKeepVixiesRules) {
  ScheduledTeam s = team_at("00:00", "America/New_York", {DstSkipped::kSkip, DstRepeated::kLast});
  s.cron = *parse_cron("30 * * * *");
  auto runs = fires(s, "2026-11-01T04:00:00Z", "2026-11-01T07:00:00Z");
  EXPECT_EQ(runs, (std::vector<std::string>{"2026-11-01T04:30:00Z 2026-11-01",
                                            "2026-11-01T05:30:00Z 2026-11-01",
                                            "2026-11-01T06:30:00Z 2026-11-01"}));
}

}  // namespace
}  // namespace orch
