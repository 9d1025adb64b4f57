// Runs that wait for other runs of the same run date (teams update --after): the general run
// completing late, the general run failing, a cycle refused, a team's own waiting window.

#include <signal.h>

#include <fstream>

#include "tests/e2e/e2e_fixture.h"

namespace orch::testing {
namespace {

using std::chrono::seconds;

// The general run prepares the reference rates (slowly); a team's run copies them from its
// upstream's published outputs. A general run fails when the file `fail_general` exists.
nlohmann::json chain_command(const std::filesystem::path& fail_general) {
  std::string script =
      "if [ -z \"$SALES_TEAM_ID\" ]; then "
      "  sleep 3; test ! -e '" +
      fail_general.string() +
      "' || exit 7; "
      "  echo rates-of-$RUN_DATE > \"$OUTPUT_DIR/rates.txt\"; "
      "else "
      "  cat \"$UPSTREAM_OUTPUT_DIRS/rates.txt\" > \"$OUTPUT_DIR/copied.txt\"; "
      "fi";
  return {"/bin/sh", "-c", script};
}

nlohmann::json run_of(const nlohmann::json& runs, const std::string& team) {
  for (const auto& run : runs) {
    if ((team == "general" && run["sales_team_id"].is_null()) ||
        (team != "general" && !run["sales_team_id"].is_null() &&
         std::to_string(run["sales_team_id"].get<int>()) == team)) {
      return run;
    }
  }
  return nlohmann::json();
}

class RunChainsTest : public E2eTest {
 protected:
  std::unique_ptr<BackgroundProcess> serve_chain() {
    return serve({{"DAILY_RUN_TIME", utc_time_in(3)},
                  {"GENERAL_RUN_ENABLED", "true"},
                  {"PIPELINE_COMMAND", chain_command(dir_ / "fail_general").dump()}});
  }

  bool wait_for_team_status(const std::string& team, const std::string& status, seconds timeout) {
    return wait_until(
        [&] {
          auto run = run_of(runs_json(), team);
          return !run.is_null() && run["status"] == status;
        },
        timeout);
  }
};

// The team's run waits for the general run of its date, starts once that completed, and reads
// its outputs (inside the sandbox).
TEST_F(RunChainsTest, ATeamRunsAfterTheGeneralRunCompletesAndReadsItsOutputs) {
  add_team(1, "North", {"--after", "general"});
  auto service = serve_chain();
  ASSERT_TRUE(wait_for_log(*service, "ready")) << service->output();
  ASSERT_TRUE(wait_for_team_status("1", "waiting", seconds(20)))
      << runs_json().dump(2) << service->output();
  EXPECT_NE(run_of(runs_json(), "1")["error"].get<std::string>().find("the general run"),
            std::string::npos)
      << runs_json().dump(2);
  ASSERT_TRUE(wait_for_team_status("1", "completed", seconds(30)))
      << runs_json().dump(2) << service->output();
  service->send_signal(SIGTERM);
  ASSERT_EQ(service->wait(seconds(15)), 0);

  auto runs = runs_json();
  ASSERT_EQ(runs.size(), 2u) << runs.dump(2);
  auto general = run_of(runs, "general");
  auto team = run_of(runs, "1");
  EXPECT_EQ(general["status"], "completed");
  EXPECT_GE(team["started_at"].get<std::string>(), general["completed_at"].get<std::string>())
      << "the team started before its upstream had completed";
  std::ifstream copied(team_outputs(1) / "output" / "copied.txt");
  std::string text((std::istreambuf_iterator<char>(copied)), std::istreambuf_iterator<char>());
  EXPECT_EQ(text, "rates-of-" + team["run_date"].get<std::string>() + "\n");
}

// The general run fails for good: the team's run is recorded upstream_failed, never started, and
// people are told.
TEST_F(RunChainsTest, ATeamWhoseUpstreamFailsIsRecordedUpstreamFailedWithoutStarting) {
  add_team(1, "North", {"--after", "general"});
  std::ofstream(dir_ / "fail_general") << "";
  auto service = serve_chain();
  ASSERT_TRUE(wait_for_log(*service, "ready")) << service->output();
  ASSERT_TRUE(wait_for_team_status("1", "upstream_failed", seconds(30)))
      << runs_json().dump(2) << service->output();
  ASSERT_TRUE(wait_for_log(*service, "run_upstream_failed")) << service->output();
  service->send_signal(SIGTERM);
  ASSERT_EQ(service->wait(seconds(15)), 0);

  auto team = run_of(runs_json(), "1");
  EXPECT_TRUE(team["started_at"].is_null()) << team.dump(2);
  EXPECT_NE(team["error"].get<std::string>().find("ended failed"), std::string::npos)
      << team.dump(2);
  EXPECT_EQ(run_of(runs_json(), "general")["status"], "failed");
  EXPECT_FALSE(std::filesystem::exists(team_outputs(1) / "output" / "copied.txt"));
}

// The general run fails once and its retry completes, all within the team's waiting window: the
// team runs then (not upstream_failed), after the retry, reading the retry's outputs.
TEST_F(RunChainsTest, ATeamRunsWhenItsUpstreamsRetryCompletesWithinTheWindow) {
  add_team(1, "North", {"--after", "general"});
  // The general run fails while the file `fail_general` exists (the sandbox keeps the pipeline
  // from removing it: the test does, once the first attempt has failed).
  const auto fail_general = dir_ / "fail_general";
  std::ofstream(fail_general) << "";
  std::string script =
      "if [ -z \"$SALES_TEAM_ID\" ]; then "
      "  test ! -e '" +
      fail_general.string() +
      "' || exit 7; "
      "  echo rates-of-$RUN_ID > \"$OUTPUT_DIR/rates.txt\"; "
      "else "
      "  cat \"$UPSTREAM_OUTPUT_DIRS/rates.txt\" > \"$OUTPUT_DIR/copied.txt\"; "
      "fi";
  auto service = serve({{"DAILY_RUN_TIME", utc_time_in(3)},
                        {"GENERAL_RUN_ENABLED", "true"},
                        {"PIPELINE_RETRY_MAX_ATTEMPTS", "2"},
                        {"PIPELINE_RETRY_INITIAL_DELAY_SECONDS", "6"},
                        {"PIPELINE_COMMAND", nlohmann::json{"/bin/sh", "-c", script}.dump()}});
  ASSERT_TRUE(wait_for_log(*service, "ready")) << service->output();
  // The first attempt failed with a retry to come: the team waits on.
  ASSERT_TRUE(wait_until(
      [&] {
        for (const auto& run : runs_json({"--team", "general"})) {
          if (run["status"] == "failed") {
            return true;
          }
        }
        return false;
      },
      seconds(30)))
      << runs_json().dump(2) << service->output();
  std::filesystem::remove(fail_general);  // the retry, 6 s after the failure, completes
  EXPECT_EQ(run_of(runs_json({"--team", "1"}), "1")["status"], "waiting") << runs_json().dump(2);
  ASSERT_TRUE(wait_for_team_status("1", "completed", seconds(40)))
      << runs_json().dump(2) << service->output();
  service->send_signal(SIGTERM);
  ASSERT_EQ(service->wait(seconds(15)), 0);

  auto general = runs_json({"--team", "general"});
  ASSERT_EQ(general.size(), 2u) << general.dump(2);
  EXPECT_EQ(general[0]["status"], "completed");  // newest first: the retry
  EXPECT_EQ(general[0]["attempt"], 2);
  EXPECT_EQ(general[1]["status"], "failed");
  auto team = runs_json({"--team", "1"});
  ASSERT_EQ(team.size(), 1u) << "one team run, never upstream_failed: " << team.dump(2);
  EXPECT_EQ(team[0]["status"], "completed");
  EXPECT_GE(team[0]["started_at"].get<std::string>(), general[0]["completed_at"].get<std::string>())
      << "the team started before the retry had completed";
  std::ifstream copied(team_outputs(1) / "output" / "copied.txt");
  std::string text((std::istreambuf_iterator<char>(copied)), std::istreambuf_iterator<char>());
  EXPECT_EQ(text, "rates-of-" + general[0]["run_id"].get<std::string>() + "\n")
      << "the team read the retry's published outputs";
}

TEST_F(RunChainsTest, ACycleIsRefusedNamingIt) {
  add_team(1, "North");
  add_team(2, "South", {"--after", "1"});
  auto result = orch({"teams", "update", "1", "--after", "2"});
  EXPECT_EQ(result.exit_code, 2) << result.out << result.err;
  EXPECT_NE(result.err.find("cycle, team 1 -> team 2 -> team 1"), std::string::npos) << result.err;
  auto self = orch({"teams", "update", "1", "--after", "1"});
  EXPECT_EQ(self.exit_code, 2);
  EXPECT_NE(self.err.find("team 1 -> team 1"), std::string::npos) << self.err;
  auto unknown = orch({"teams", "update", "1", "--after", "9"});
  EXPECT_EQ(unknown.exit_code, 2);
  EXPECT_NE(unknown.err.find("team 9 does not exist"), std::string::npos) << unknown.err;
  auto bad_pipeline = orch({"teams", "update", "1", "--after", "general:nope"});
  EXPECT_EQ(bad_pipeline.exit_code, 2);
  EXPECT_NE(bad_pipeline.err.find("not configured"), std::string::npos) << bad_pipeline.err;
  // Refused changes left nothing behind.
  auto teams = nlohmann::json::parse(orch({"teams", "list", "--format", "json"}).out);
  EXPECT_TRUE(teams[0]["after"].is_null()) << teams.dump(2);
  EXPECT_EQ(teams[1]["after"], nlohmann::json({"1"}));
}

// A team's own --wait-for-inputs makes its run wait where the configured default would fail it.
TEST_F(RunChainsTest, ATeamsOwnWaitingWindowApplies) {
  add_team(1, "North", {"--wait-for-inputs", "60"});
  std::ofstream(dir_ / "orchestrator.toml") << "[pipeline]\nrequired_inputs = [\"rates.csv\"]\n";
  auto service = serve({{"DAILY_RUN_TIME", utc_time_in(3)},
                        {"PIPELINE_INPUT_SETTLE_SECONDS", "1"},
                        {"PIPELINE_COMMAND", R"(["/bin/true"])"}});
  ASSERT_TRUE(wait_for_log(*service, "ready")) << service->output();
  ASSERT_TRUE(wait_for_team_status("1", "waiting", seconds(20)))
      << runs_json().dump(2) << service->output();
  std::filesystem::create_directories(team_inputs(1));
  std::ofstream(team_inputs(1) / "rates.csv") << "rate\n1\n";
  ASSERT_TRUE(wait_for_team_status("1", "completed", seconds(20)))
      << runs_json().dump(2) << service->output();
  service->send_signal(SIGTERM);
  ASSERT_EQ(service->wait(seconds(15)), 0);
}

// A waiting run's row says what it waits for now, not what it waited for when it was claimed:
// once the general run has completed, only the team's own input is named.
TEST_F(RunChainsTest, AWaitingRunsReasonStopsNamingItsUpstreamOnceThatCompleted) {
  add_team(1, "North", {"--after", "general", "--wait-for-inputs", "60"});
  std::ofstream(dir_ / "orchestrator.toml") << "[pipeline]\nrequired_inputs = [\"rates.csv\"]\n";
  std::filesystem::create_directories(dir_ / "inputs" / "files_required");
  std::ofstream(dir_ / "inputs" / "files_required" / "rates.csv") << "rate\n1\n";
  // The general run's input is there and settled (1 s) by the slot.
  auto service = serve({{"DAILY_RUN_TIME", utc_time_in(3)},
                        {"GENERAL_RUN_ENABLED", "true"},
                        {"PIPELINE_INPUT_SETTLE_SECONDS", "1"},
                        {"PIPELINE_COMMAND", chain_command(dir_ / "fail_general").dump()}});
  ASSERT_TRUE(wait_for_log(*service, "ready")) << service->output();
  ASSERT_TRUE(wait_for_team_status("1", "waiting", seconds(20)))
      << runs_json().dump(2) << service->output();
  auto reason = [&] { return run_of(runs_json(), "1")["error"].get<std::string>(); };
  EXPECT_NE(reason().find("the general run"), std::string::npos) << runs_json().dump(2);
  ASSERT_TRUE(wait_for_team_status("general", "completed", seconds(30)))
      << runs_json().dump(2) << service->output();

  EXPECT_TRUE(wait_until([&] { return reason() == "waiting for rates.csv"; }, seconds(10)))
      << runs_json().dump(2) << service->output();
  EXPECT_EQ(run_of(runs_json(), "1")["status"], "waiting");
  std::filesystem::create_directories(team_inputs(1));
  std::ofstream(team_inputs(1) / "rates.csv") << "rate\n1\n";
  ASSERT_TRUE(wait_for_team_status("1", "completed", seconds(20)))
      << runs_json().dump(2) << service->output();
  EXPECT_TRUE(run_of(runs_json(), "1")["error"].is_null()) << runs_json().dump(2);
  service->send_signal(SIGTERM);
  ASSERT_EQ(service->wait(seconds(15)), 0);
}

}  // namespace
}  // namespace orch::testing
