#include <signal.h>

#include <algorithm>

#include "tests/e2e/e2e_fixture.h"

namespace orch::testing {
namespace {

using std::chrono::seconds;

TEST_F(E2eTest, TeamWithACronExpressionIsPlannedByItInItsZone) {
  add_team(5, "Hourly", {"--cron", "15 * * * *", "--timezone", "Asia/Kolkata"});
  auto result = orch({"plan", "--team", "5", "--count", "3", "--format", "json"});
  ASSERT_EQ(result.exit_code, 0) << result.err;
  auto plan = nlohmann::json::parse(result.out);
  ASSERT_EQ(plan.size(), 3u) << plan.dump(2);
  for (const auto& row : plan) {
    EXPECT_EQ(row["schedule"], "cron 15 * * * *");
    // Quarter past in India (UTC+05:30) is a quarter to in UTC.
    EXPECT_EQ(row["utc"].get<std::string>().substr(13), ":45:00Z") << row.dump();
  }
  auto teams = nlohmann::json::parse(orch({"teams", "list", "--format", "json"}).out);
  EXPECT_EQ(teams[0]["cron"], "15 * * * *");
  EXPECT_TRUE(teams[0]["run_time"].is_null());

  // A run time replaces the expression; the team is daily again.
  ASSERT_EQ(orch({"teams", "update", "5", "--run-time", "04:00"}).exit_code, 0);
  auto daily =
      nlohmann::json::parse(orch({"plan", "--team", "5", "--count", "1", "--format", "json"}).out);
  EXPECT_EQ(daily[0]["schedule"], "daily 04:00:00");
  teams = nlohmann::json::parse(orch({"teams", "list", "--format", "json"}).out);
  EXPECT_TRUE(teams[0]["cron"].is_null());
}

TEST_F(E2eTest, TeamsAddRefusesABadCronExpressionWithOneLineAndExitTwo) {
  ASSERT_EQ(orch({"migrate"}).exit_code, 0);  // `teams list` reads an existing database only
  auto result = orch({"teams", "add", "--name", "Bad", "--cron", "0 0 * * 5#3"});
  EXPECT_EQ(result.exit_code, 2);
  EXPECT_EQ(std::count(result.err.begin(), result.err.end(), '\n'), 1) << result.err;
  EXPECT_NE(result.err.find("--cron: cron expression '0 0 * * 5#3': day-of-week field: '5#3'"),
            std::string::npos)
      << result.err;
  auto both =
      orch({"teams", "add", "--name", "Both", "--cron", "0 3 * * *", "--run-time", "04:00"});
  EXPECT_EQ(both.exit_code, 2);
  EXPECT_TRUE(nlohmann::json::parse(orch({"teams", "list", "--format", "json"}).out).empty());
}

TEST_F(E2eTest, DefaultCronSchedulesEveryTeamWithoutItsOwnSchedule) {
  add_team(1, "Default");
  add_team(2, "Own", {"--run-time", "05:00"});
  auto result = orch({"plan", "--count", "1", "--format", "json"},
                     {{"DEFAULT_CRON", "0 */6 * * *"}, {"GENERAL_RUN_ENABLED", "true"}});
  ASSERT_EQ(result.exit_code, 0) << result.err;
  auto plan = nlohmann::json::parse(result.out);
  ASSERT_EQ(plan.size(), 3u) << plan.dump(2);
  EXPECT_EQ(plan[0]["schedule"], "cron 0 */6 * * *");
  EXPECT_EQ(plan[1]["schedule"], "daily 05:00:00");
  EXPECT_EQ(plan[2]["team"], "general");
  EXPECT_EQ(plan[2]["schedule"], "cron 0 */6 * * *");
  auto check = orch({"check-config"}, {{"DEFAULT_CRON", "0 */6 * * *"}});
  EXPECT_NE(check.out.find("default_cron = \"0 */6 * * *\""), std::string::npos) << check.out;
}

TEST_F(E2eTest, ServeRunsACronTeamAtItsNextFireKeyedByTheFireInstant) {
  add_team(1, "Minutely", {"--cron", "* * * * *"});
  write_tape(team_inputs(1), 3, 0, today_utc_compact());
  auto service = serve();
  ASSERT_TRUE(wait_for_log(*service, "ready")) << service->output();
  // The next whole minute: at most a minute away.
  ASSERT_TRUE(wait_until(
      [&] {
        auto runs = runs_json();
        return !runs.empty() && runs[0]["status"] == "completed";
      },
      seconds(90)))
      << runs_json().dump(2) << service->output();
  service->send_signal(SIGTERM);
  ASSERT_EQ(service->wait(seconds(15)), 0);
  auto runs = runs_json();
  const auto& first = runs[runs.size() - 1];
  EXPECT_EQ(first["triggered_by"], "schedule");
  EXPECT_EQ(first["total_loans"], 3);
  EXPECT_EQ(first["scheduled_for"].get<std::string>().substr(16), ":00.000Z") << first.dump();
  auto keys = sqlite("SELECT slot_key FROM pipeline_runs ORDER BY id LIMIT 1");
  EXPECT_EQ(keys.out.substr(0, 19) + "Z\n",
            first["scheduled_for"].get<std::string>().substr(0, 19) + "Z\n")
      << "the slot key is the fire instant";
}

TEST_F(E2eTest, PausedTeamIsNotScheduledAndAResumedOneDoesNotReplayWhatItMissed) {
  add_team(1, "Paused then resumed");
  add_team(2, "Never paused");
  add_team(3, "Still paused");
  for (int team = 1; team <= 3; ++team) {
    write_tape(team_inputs(team), 2, 0, today_utc_compact());
  }
  // Every team existed long before today's slot, which passed while no service was running.
  ASSERT_EQ(sqlite("UPDATE sales_teams SET active_since = '2020-01-01T00:00:00.000Z'").exit_code,
            0);
  ASSERT_EQ(orch({"teams", "pause", "1"}).exit_code, 0);
  ASSERT_EQ(orch({"teams", "pause", "3"}).exit_code, 0);
  ASSERT_EQ(orch({"teams", "resume", "1"}).exit_code, 0);
  auto teams = nlohmann::json::parse(orch({"teams", "list", "--format", "json"}).out);
  EXPECT_EQ(teams[0]["paused"], false);
  EXPECT_EQ(teams[2]["paused"], true);
  EXPECT_EQ(teams[2]["active"], true);
  auto plan = orch({"plan", "--team", "3"});
  EXPECT_EQ(plan.exit_code, 2) << "a paused team has no plan: " << plan.out;
  EXPECT_NE(plan.err.find("team 3 is not scheduled: it is unknown, inactive or paused"),
            std::string::npos)
      << plan.err;

  std::string slot = utc_time_in(-30);
  auto service = serve({{"DAILY_RUN_TIME", slot}, {"MISFIRE_GRACE_SECONDS", "3600"}});
  ASSERT_TRUE(wait_until(
      [&] {
        return !runs_json({"--team", "2"}).empty();
      },
      seconds(20)))
      << service->output();
  ASSERT_TRUE(wait_for_log(*service, "ready")) << service->output();
  service->send_signal(SIGTERM);
  ASSERT_EQ(service->wait(seconds(15)), 0);
  EXPECT_EQ(runs_json({"--team", "2"})[0]["triggered_by"], "catchup");
  EXPECT_TRUE(runs_json({"--team", "1"}).empty()) << "the resumed team replayed a missed slot";
  EXPECT_TRUE(runs_json({"--team", "3"}).empty()) << "the paused team ran";
}

TEST_F(E2eTest, PausingAnUnknownTeamExitsTwo) {
  ASSERT_EQ(orch({"migrate"}).exit_code, 0);  // without a database it would exit 4
  auto result = orch({"teams", "pause", "42"});
  EXPECT_EQ(result.exit_code, 2);
  EXPECT_NE(result.err.find("team 42 does not exist"), std::string::npos) << result.err;
}

}  // namespace
}  // namespace orch::testing
