#include <signal.h>

#include <date/date.h>

#include "tests/e2e/e2e_fixture.h"

namespace orch::testing {
namespace {

using std::chrono::seconds;

// The next Tuesday strictly after `run_date` (YYYY-MM-DD).
std::string next_tuesday(const std::string& run_date) {
  std::istringstream in(run_date);
  date::sys_days day;
  in >> date::parse("%F", day);
  do {
    day += date::days(1);
  } while (date::weekday(day) != date::Tuesday);
  return date::format("%F", day);
}

int count_status(const nlohmann::json& runs, const std::string& status) {
  int n = 0;
  for (const auto& r : runs) {
    n += r["status"] == status ? 1 : 0;
  }
  return n;
}

TEST_P(BackendE2eTest, ServeRunsThreeTeamsAndTheGeneralRunAtTheirSlot) {
  for (int team = 1; team <= 3; ++team) {
    add_team(team, "Team " + std::to_string(team));
    write_tape(team_inputs(team), 10 * team, team, today_utc_compact());
  }
  write_tape(dir_ / "inputs" / "files_required", 7, 0, today_utc_compact());

  auto service = serve({{"DAILY_RUN_TIME", utc_time_in(3)}, {"GENERAL_RUN_ENABLED", "true"}});
  ASSERT_TRUE(wait_for_log(*service, "ready")) << service->output();
  ASSERT_TRUE(wait_until([&] { return count_status(runs_json(), "completed") == 4; },
                         seconds(30)))
      << runs_json().dump(2) << service->output();

  auto runs = runs_json();
  ASSERT_EQ(runs.size(), 4u);
  std::map<std::string, nlohmann::json> by_team;
  for (const auto& r : runs) {
    EXPECT_EQ(r["triggered_by"], "schedule");
    EXPECT_EQ(r["purchase_date"], next_tuesday(r["run_date"].get<std::string>()));
    EXPECT_FALSE(r["scheduled_for"].is_null());
    by_team[r["sales_team_id"].is_null() ? "general" : r["sales_team_id"].dump()] = r;
  }
  for (int team = 1; team <= 3; ++team) {
    SCOPED_TRACE("team " + std::to_string(team));
    const auto& r = by_team.at(std::to_string(team));
    EXPECT_EQ(r["total_loans"], 11 * team);
    EXPECT_EQ(r["exceptions_count"], team);
    // Each run wrote into its own team's folders, and only there.
    auto report = team_outputs(team) / "output" /
                  ("loan_report_" + r["purchase_date"].get<std::string>() + ".csv");
    EXPECT_TRUE(std::filesystem::exists(report)) << report;
    EXPECT_TRUE(std::filesystem::exists(team_outputs(team) / "runs" /
                                        r["run_id"].get<std::string>() / "pipeline.log"));
    auto report_text = read_file(report);
    EXPECT_NE(report_text.find("G1"), std::string::npos);
  }
  EXPECT_EQ(by_team.at("general")["total_loans"], 7);
  EXPECT_TRUE(std::filesystem::exists(dir_ / "outputs" / "output_share"));

  service->send_signal(SIGTERM);
  EXPECT_EQ(service->wait(seconds(15)), 0) << service->output();
}

TEST_P(BackendE2eTest, RestartInsideTheGraceWindowCatchesTheMissedSlotUp) {
  add_team(1, "North");
  write_tape(team_inputs(1), 5, 0, today_utc_compact());
  // The team existed long before today's slot, which passed while no service was running.
  ASSERT_EQ(sql("UPDATE sales_teams SET active_since = '2020-01-01T00:00:00.000Z'").exit_code,
            0);
  auto service = serve({{"DAILY_RUN_TIME", utc_time_in(-30)}, {"MISFIRE_GRACE_SECONDS", "3600"}});
  ASSERT_TRUE(wait_until([&] { return count_status(runs_json(), "completed") == 1; }, seconds(20)))
      << service->output();
  auto runs = runs_json();
  ASSERT_EQ(runs.size(), 1u);
  EXPECT_EQ(runs[0]["triggered_by"], "catchup");
  EXPECT_EQ(runs[0]["total_loans"], 5);

  // A second start does not run the slot again.
  service->send_signal(SIGTERM);
  ASSERT_EQ(service->wait(seconds(15)), 0);
  auto again = serve({{"DAILY_RUN_TIME", utc_time_in(-30)}, {"MISFIRE_GRACE_SECONDS", "3600"}});
  ASSERT_TRUE(wait_for_log(*again, "ready"));
  again->send_signal(SIGTERM);
  ASSERT_EQ(again->wait(seconds(15)), 0);
  EXPECT_EQ(runs_json().size(), 1u);
}

TEST_P(BackendE2eTest, RestartBeyondTheGraceWindowRecordsTheSlotMissed) {
  add_team(1, "North");
  ASSERT_EQ(sql("UPDATE sales_teams SET active_since = '2020-01-01T00:00:00.000Z'").exit_code,
            0);
  auto service = serve({{"DAILY_RUN_TIME", utc_time_in(-120)}, {"MISFIRE_GRACE_SECONDS", "60"}});
  ASSERT_TRUE(wait_for_log(*service, "run_missed")) << service->output();
  auto runs = runs_json();
  ASSERT_EQ(runs.size(), 1u);
  EXPECT_EQ(runs[0]["status"], "missed");
  EXPECT_NE(runs[0]["error"].get<std::string>().find("grace"), std::string::npos);
  service->send_signal(SIGTERM);
  EXPECT_EQ(service->wait(seconds(15)), 0);
}

TEST_P(BackendE2eTest, SigtermDuringALongRunRecordsItInterrupted) {
  add_team(1, "North");
  auto service = serve({{"DAILY_RUN_TIME", utc_time_in(2)},
                        {"PIPELINE_COMMAND", R"(["/bin/sh", "-c", "sleep 60"])"}});
  ASSERT_TRUE(wait_until([&] { return count_status(runs_json(), "running") == 1; }, seconds(20)))
      << service->output();
  auto stop_started = std::chrono::steady_clock::now();
  service->send_signal(SIGTERM);
  ASSERT_EQ(service->wait(seconds(20)), 0) << service->output();
  // The shutdown grace is 1 s: the service did not wait for the 60 s pipeline.
  EXPECT_LT(std::chrono::steady_clock::now() - stop_started, seconds(15));
  auto runs = runs_json();
  ASSERT_EQ(runs.size(), 1u);
  EXPECT_EQ(runs[0]["status"], "interrupted");
  EXPECT_EQ(count_status(runs, "running"), 0);
}

TEST_P(BackendE2eTest, SlotWhoseTeamIsStillRunningIsRecordedSkipped) {
  add_team(1, "North");
  // A manual run holds the team while its slot comes due.
  BackgroundProcess manual({ORCH_BINARY, "run", "--team", "1"},
                           CommandOptions{dir_.path(),
                                          [&] {
                                            auto env = env_;
                                            env["PIPELINE_COMMAND"] =
                                                R"(["/bin/sh", "-c", "sleep 8"])";
                                            return env;
                                          }(),
                                          seconds(60)},
                           dir_ / "manual.log");
  ASSERT_TRUE(wait_until([&] { return count_status(runs_json(), "running") == 1; }, seconds(20)));
  auto service = serve({{"DAILY_RUN_TIME", utc_time_in(2)}});
  ASSERT_TRUE(wait_for_log(*service, "run_skipped")) << service->output();
  EXPECT_EQ(count_status(runs_json({"--status", "skipped"}), "skipped"), 1);
  EXPECT_EQ(manual.wait(seconds(30)), 0) << manual.output();
  service->send_signal(SIGTERM);
  EXPECT_EQ(service->wait(seconds(15)), 0);
}

TEST_P(BackendE2eTest, ReschedulePicksUpANewTeamInEveryLiveService) {
  add_team(1, "North");
  auto service = serve();
  ASSERT_TRUE(wait_for_log(*service, "ready"));
  add_team(2, "West", {"--run-time", "05:30", "--timezone", "Asia/Kolkata"});
  auto result = orch({"reschedule"});
  ASSERT_EQ(result.exit_code, 0) << result.err;
  EXPECT_NE(result.out.find("applied by 1 live service"), std::string::npos) << result.out;
  EXPECT_NE(result.out.find("Asia/Kolkata"), std::string::npos) << result.out;
  EXPECT_NE(service->output().find("why=reschedule schedules=2"), std::string::npos)
      << service->output();

  // SIGHUP reloads too.
  ASSERT_EQ(orch({"teams", "deactivate", "2"}).exit_code, 0);
  service->send_signal(SIGHUP);
  ASSERT_TRUE(wait_for_log(*service, "why=SIGHUP schedules=1")) << service->output();
  service->send_signal(SIGTERM);
  EXPECT_EQ(service->wait(seconds(15)), 0);
}

TEST_P(BackendE2eTest, RescheduleWithoutALiveServiceSaysSo) {
  add_team(1, "North");
  auto result = orch({"reschedule"});
  ASSERT_EQ(result.exit_code, 0) << result.err;
  EXPECT_NE(result.out.find("no live service"), std::string::npos);
}

TEST_P(BackendE2eTest, MissingPipelineCommandFailsTheRunAndTheServiceKeepsGoing) {
  add_team(1, "North");
  add_team(2, "West");
  auto service = serve({{"DAILY_RUN_TIME", utc_time_in(2)},
                        {"PIPELINE_COMMAND", R"(["no-such-pipeline-command"])"}});
  ASSERT_TRUE(wait_until([&] { return count_status(runs_json(), "failed") == 2; }, seconds(20)))
      << service->output();
  auto runs = runs_json();
  EXPECT_NE(runs[0]["error"].get<std::string>().find("no-such-pipeline-command"),
            std::string::npos);
  EXPECT_TRUE(service->running());
  service->send_signal(SIGTERM);
  EXPECT_EQ(service->wait(seconds(15)), 0);
}

}  // namespace
}  // namespace orch::testing
