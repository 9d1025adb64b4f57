#include "orchestrator/core/team_targets.h"

#include <string>
#include <vector>

#include <date/tz.h>
#include <gtest/gtest.h>

namespace orch {
namespace {

config::Config defaults() {
  config::Config c;
  c.scheduler.zone = date::locate_zone("UTC");
  c.scheduler.general_run = true;
  c.pipeline.retry.max_attempts = 2;
  config::name_default_pipeline(c);
  return c;
}

Team team(std::int64_t id, const std::string& name) {
  Team t;
  t.id = TeamId{id};
  t.name = name;
  return t;
}

void expect_same(const RunTarget& got, const RunTarget& want) {
  EXPECT_EQ(got.team, want.team);
  EXPECT_EQ(got.pipeline, want.pipeline);
  EXPECT_EQ(got.name, want.name);
  EXPECT_EQ(got.zone, want.zone);
  EXPECT_EQ(got.email_to, want.email_to);
  EXPECT_EQ(got.slack_webhook, want.slack_webhook);
  EXPECT_EQ(got.retry.max_attempts, want.retry.max_attempts);
  EXPECT_EQ(got.retry.initial_delay, want.retry.initial_delay);
  EXPECT_EQ(got.retry.max_delay, want.retry.max_delay);
}

// What a slot's run is handed is what resolving the team gave, whatever the team has of its own.
TEST(TeamTargets, GiveBackEachTeamsTargetAsResolved) {
  config::Config config = defaults();
  Team plain = team(7, "West");
  Team own = team(3, "a team whose name is longer than a short string");
  own.timezone = "America/New_York";
  own.notify_email = "west@example.com, lead@example.com";
  own.notify_slack_webhook = "https://hooks.slack.com/services/T/B/own";
  own.retry_max_attempts = 4;
  own.retry_initial_delay_seconds = 30;
  auto resolved = resolve_schedules({plain, own}, config, SysTime{});
  ASSERT_EQ(resolved.size(), 3U);  // and the general run

  TeamTargets targets;
  targets.assign(resolved, config.pipelines);
  EXPECT_EQ(targets.size(), 3U);
  for (const ResolvedTeam& r : resolved) {
    SCOPED_TRACE(r.target.name);
    auto found = targets.find(ScheduleKey{team_key(r.target.team), r.schedule.pipeline});
    ASSERT_TRUE(found.has_value());
    expect_same(*found, r.target);
  }
  EXPECT_FALSE(targets.find(ScheduleKey{4}).has_value()) << "not scheduled";
}

TEST(TeamTargets, AssignReplacesEveryTargetAndTheLastOfAKeyWins) {
  config::Config config = defaults();
  TeamTargets targets;
  targets.assign(resolve_schedules({team(1, "North"), team(2, "East")}, config, SysTime{}),
                 config.pipelines);
  auto again = resolve_schedules({team(2, "East"), team(2, "East, renamed")}, config, SysTime{});
  config.pipelines.front().settings.retry.max_attempts = 3;
  targets.assign(again, config.pipelines);
  EXPECT_FALSE(targets.find(ScheduleKey{1}).has_value());
  auto east = targets.find(ScheduleKey{2});
  ASSERT_TRUE(east.has_value());
  EXPECT_EQ(east->name, "East, renamed");
  EXPECT_EQ(east->retry.max_attempts, 2) << "as resolved, not the new default";
}

}  // namespace
}  // namespace orch
