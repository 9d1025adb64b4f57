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
  targets.assign(resolved);
  EXPECT_EQ(targets.size(), 3U);
  for (const ResolvedTeam& r : resolved) {
    SCOPED_TRACE(r.target.name);
    auto found = targets.find(ScheduleKey{r.target.team, r.schedule.pipeline});
    ASSERT_TRUE(found.has_value());
    expect_same(*found, r.target);
  }
  EXPECT_FALSE(targets.find(ScheduleKey{TeamId{4}}).has_value()) << "not scheduled";
}

TEST(TeamTargets, AssignReplacesEveryTargetAndTheLastOfAKeyWins) {
  config::Config config = defaults();
  TeamTargets targets;
  targets.assign(resolve_schedules({team(1, "North"), team(2, "East")}, config, SysTime{}));
  auto again = resolve_schedules({team(2, "East"), team(2, "East, renamed")}, config, SysTime{});
  config.pipelines.front().settings.retry.max_attempts = 3;
  targets.assign(again);
  EXPECT_FALSE(targets.find(ScheduleKey{TeamId{1}}).has_value());
  auto east = targets.find(ScheduleKey{TeamId{2}});
  ASSERT_TRUE(east.has_value());
  EXPECT_EQ(east->name, "East, renamed");
  EXPECT_EQ(east->retry.max_attempts, 2) << "as resolved, not the new default";
}

// Every field of a target comes back as it was given, whatever it is: a field added to RunTarget
// is kept without TeamTargets knowing of it (RunTarget's == compares them all).
TEST(TeamTargets, KeepEveryFieldOfATarget) {
  RunTarget own;
  own.team = TeamId{42};
  own.pipeline = "month_end";
  own.name = "a team whose name is longer than a short string";
  own.zone = date::locate_zone("America/New_York");
  own.email_to = {"west@example.com", "lead@example.com"};
  own.slack_webhook = "https://hooks.slack.com/services/T/B/own";
  own.retry = config::RetryConfig{5, std::chrono::seconds(7), std::chrono::seconds(70)};
  own.upstreams = {Upstream{TeamId{3}, "daily"}, Upstream{std::nullopt, "month_end"}};
  own.wait_for_inputs = std::chrono::seconds(900);
  own.buffer_one = true;
  RunTarget plain;
  plain.team = TeamId{41};
  plain.pipeline = "month_end";
  plain.name = "Plain";
  plain.zone = date::locate_zone("UTC");

  ScheduledTeam schedule;
  schedule.pipeline = 1;
  std::vector<ResolvedTeam> resolved;
  for (const RunTarget& t : {plain, own}) {
    schedule.team = t.team;
    resolved.push_back(ResolvedTeam{schedule, t});
  }
  TeamTargets targets;
  targets.assign(resolved);
  auto found = targets.find(ScheduleKey{TeamId{42}, 1});
  ASSERT_TRUE(found.has_value());
  EXPECT_TRUE(*found == own);
  expect_same(*found, own);
  EXPECT_EQ(found->upstreams, own.upstreams);
  EXPECT_EQ(found->wait_for_inputs, own.wait_for_inputs);
  EXPECT_EQ(found->buffer_one, own.buffer_one);
  auto other = targets.find(ScheduleKey{TeamId{41}, 1});
  ASSERT_TRUE(other.has_value());
  EXPECT_TRUE(*other == plain) << "nothing of the other team's settings";
  EXPECT_FALSE(targets.find(ScheduleKey{TeamId{42}, 0}).has_value()) << "another pipeline";
}

// Teams with settings of their own among plain ones, in any order: each gets its own back.
TEST(TeamTargets, MixedTeamsEachGetTheirOwn) {
  config::Config config = defaults();
  std::vector<Team> teams;
  for (std::int64_t id = 1; id <= 9; ++id) {
    Team t = team(id, "team " + std::to_string(id));
    if (id % 3 == 0) {
      t.notify_email = "team" + std::to_string(id) + "@example.com";
      t.retry_max_attempts = static_cast<int>(id);
    }
    if (id == 4) {
      t.overlap = "buffer-one";
    }
    teams.push_back(t);
  }
  auto resolved = resolve_schedules(teams, config, SysTime{});
  ASSERT_EQ(resolved.size(), 10U);
  TeamTargets targets;
  targets.assign(resolved);
  for (const ResolvedTeam& r : resolved) {
    SCOPED_TRACE(r.target.name);
    auto found = targets.find(r.schedule.key());
    ASSERT_TRUE(found.has_value());
    EXPECT_TRUE(*found == r.target);
  }
}

}  // namespace
}  // namespace orch
