#include "orchestrator/core/team_schedules.h"

#include <string>
#include <vector>

#include <date/tz.h>
#include <gtest/gtest.h>

namespace orch {
namespace {

config::Config defaults() {
  config::Config c;
  c.scheduler.zone = date::locate_zone("UTC");
  c.scheduler.daily_run_time = TimeOfDay{std::chrono::hours(2)};
  c.scheduler.general_run = true;
  return c;
}

// What `serve` resolves: `config` as load() would leave it, its one pipeline named.
std::vector<ResolvedTeam> resolve(const std::vector<Team>& teams, config::Config config,
                                  SysTime since) {
  config::name_default_pipeline(config);
  return resolve_schedules(teams, config, since);
}

Result<ResolvedTeam> resolve_one(const std::optional<Team>& team, config::Config config,
                                 SysTime since) {
  config::name_default_pipeline(config);
  return resolve_team(team, 0, config, since);
}

Team team(std::int64_t id) {
  Team t;
  t.id = TeamId{id};
  t.name = "team " + std::to_string(id);
  return t;
}

TEST(TeamSchedules, PrefersTheTeamsCronThenItsRunTimeThenTheDefaultCronThenTheDailyTime) {
  config::Config config = defaults();
  config.scheduler.default_cron = "0 */6 * * *";
  Team own_cron = team(1);
  own_cron.cron = "15 3 * * *";
  own_cron.run_time = "04:00:00";
  Team own_time = team(2);
  own_time.run_time = "04:00:00";
  Team neither = team(3);
  auto resolved = resolve({own_cron, own_time, neither}, config, SysTime{});
  ASSERT_EQ(resolved.size(), 4U);
  ASSERT_TRUE(resolved[0].schedule.cron.has_value());
  EXPECT_EQ(resolved[0].schedule.cron->text, "15 3 * * *");
  EXPECT_FALSE(resolved[1].schedule.cron.has_value());
  EXPECT_EQ(format_time_of_day(resolved[1].schedule.run_time), "04:00:00");
  ASSERT_TRUE(resolved[2].schedule.cron.has_value());
  EXPECT_EQ(resolved[2].schedule.cron->text, "0 */6 * * *");
  EXPECT_FALSE(resolved[3].schedule.team.has_value()) << "the general run";
  ASSERT_TRUE(resolved[3].schedule.cron.has_value());

  config.scheduler.default_cron.reset();
  auto daily = resolve({neither}, config, SysTime{});
  ASSERT_EQ(daily.size(), 2U);
  EXPECT_FALSE(daily[0].schedule.cron.has_value());
  EXPECT_EQ(format_time_of_day(daily[0].schedule.run_time), "02:00:00");
}

TEST(TeamSchedules, LeavesPausedAndInactiveTeamsOut) {
  config::Config config = defaults();
  config.scheduler.general_run = false;
  Team paused = team(1);
  paused.paused = true;
  Team inactive = team(2);
  inactive.active = false;
  Team running = team(3);
  auto resolved = resolve({paused, inactive, running}, config, SysTime{});
  ASSERT_EQ(resolved.size(), 1U);
  EXPECT_EQ(resolved[0].schedule.team->value, 3);
}

TEST(TeamSchedules, RefusesAStoredCronExpressionThatDoesNotParse) {
  Team bad = team(7);
  bad.cron = "0 0 31 2 *";
  auto r = resolve_one(bad, defaults(), SysTime{});
  ASSERT_FALSE(r.has_value());
  EXPECT_NE(r.error().message.find("team 7: cron"), std::string::npos) << r.error().message;
  EXPECT_NE(r.error().message.find("can never fire"), std::string::npos) << r.error().message;
}

// Issue 13: a team 2147483648, refused by every command, was still scheduled by `serve`.
TEST(TeamSchedules, LeavesATeamWhoseIdIsOutOfRangeOut) {
  config::Config config = defaults();
  config.scheduler.general_run = false;
  auto resolved = resolve({team(kMaxTeamId), team(kMaxTeamId + 1), team(0)}, config, SysTime{});
  ASSERT_EQ(resolved.size(), 1U);
  EXPECT_EQ(resolved[0].schedule.team->value, kMaxTeamId);
  auto r = resolve_one(team(kMaxTeamId + 1), config, SysTime{});
  ASSERT_FALSE(r.has_value());
  EXPECT_NE(r.error().message.find("team 2147483648: a team id is a whole number from 1 to "
                                   "2147483647"),
            std::string::npos)
      << r.error().message;
}

TEST(TeamSchedules, TeamsOverrideTheRetrySettingsOneByOne) {
  config::Config config = defaults();
  config.pipeline.retry.max_attempts = 3;
  config.pipeline.retry.initial_delay = std::chrono::seconds(60);
  config.pipeline.retry.max_delay = std::chrono::seconds(600);
  Team own = team(1);
  own.retry_max_attempts = 5;
  own.retry_max_delay_seconds = 120;
  auto r = resolve_one(own, config, SysTime{});
  ASSERT_TRUE(r.has_value()) << r.error().message;
  EXPECT_EQ(r->target.retry.max_attempts, 5);
  EXPECT_EQ(r->target.retry.initial_delay, std::chrono::seconds(60));
  EXPECT_EQ(r->target.retry.max_delay, std::chrono::seconds(120));
  auto general = resolve_one(std::nullopt, config, SysTime{});
  ASSERT_TRUE(general.has_value());
  EXPECT_EQ(general->target.retry.max_attempts, 3);

  own.retry_initial_delay_seconds = 300;
  auto inconsistent = resolve_one(own, config, SysTime{});
  ASSERT_FALSE(inconsistent.has_value());
  EXPECT_NE(inconsistent.error().message.find("team 1: retry max delay 120 s is shorter"),
            std::string::npos)
      << inconsistent.error().message;
}

}  // namespace
}  // namespace orch
