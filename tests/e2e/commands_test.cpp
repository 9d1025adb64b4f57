#include "tests/e2e/e2e_fixture.h"

namespace orch::testing {
namespace {

using std::chrono::seconds;

TEST_P(BackendE2eTest, RunTeamNowPrintsTheRunIdAndOutcome) {
  add_team(3, "East");
  write_tape(team_inputs(3), 12, 2, today_utc_compact());
  auto result = orch({"run", "--team", "3"});
  ASSERT_EQ(result.exit_code, 0) << result.err;
  EXPECT_NE(result.out.find("run_id: run_"), std::string::npos) << result.out;
  EXPECT_NE(result.out.find("status: completed"), std::string::npos);
  EXPECT_NE(result.out.find("total_loans: 14"), std::string::npos);
  EXPECT_NE(result.out.find("exceptions_count: 2"), std::string::npos);
  auto runs = runs_json();
  ASSERT_EQ(runs.size(), 1u);
  EXPECT_EQ(runs[0]["triggered_by"], "manual");
  EXPECT_TRUE(runs[0]["scheduled_for"].is_null());
  EXPECT_EQ(runs[0]["metrics"]["total_loans"], 14);
  EXPECT_EQ(runs[0]["inputs"].size(), 1u);
  EXPECT_EQ(runs[0]["inputs"][0]["sha256"].get<std::string>().size(), 64u);
}

TEST_P(BackendE2eTest, RunWithAPurchaseDateOverride) {
  add_team(3, "East");
  auto result = orch({"run", "--team", "3", "--purchase-date", "2030-01-15"});
  ASSERT_EQ(result.exit_code, 0) << result.err;
  EXPECT_EQ(runs_json()[0]["purchase_date"], "2030-01-15");
}

TEST_P(BackendE2eTest, RunGeneralRunsTheGeneralRun) {
  write_tape(dir_ / "inputs" / "files_required", 4, 1, today_utc_compact());
  auto result = orch({"run", "--general"});
  ASSERT_EQ(result.exit_code, 0) << result.err;
  auto runs = runs_json({"--team", "general"});
  ASSERT_EQ(runs.size(), 1u);
  EXPECT_TRUE(runs[0]["sales_team_id"].is_null());
  EXPECT_EQ(runs[0]["total_loans"], 5);
}

TEST_P(BackendE2eTest, FailingPipelineExitsOneAndRecordsTheExitCode) {
  add_team(3, "East");
  auto result =
      orch({"run", "--team", "3"}, {{"PIPELINE_COMMAND", R"(["/bin/sh", "-c", "exit 7"])"}});
  EXPECT_EQ(result.exit_code, 1);
  EXPECT_NE(result.out.find("status: failed"), std::string::npos);
  auto runs = runs_json();
  EXPECT_EQ(runs[0]["exit_code"], 7);
}

TEST_P(BackendE2eTest, MissingRequiredInputFailsBeforeThePipelineStarts) {
  add_team(3, "East");
  write_file(dir_ / "orchestrator.toml", "[pipeline]\nrequired_inputs = [\"loans_*.csv\"]\n");
  auto marker = dir_ / "pipeline-started";
  auto result =
      orch({"run", "--team", "3"},
           {{"PIPELINE_COMMAND", "[\"/bin/sh\", \"-c\", \"touch " + marker.string() + "\"]"}});
  EXPECT_EQ(result.exit_code, 1);
  EXPECT_FALSE(std::filesystem::exists(marker));
  auto error = runs_json()[0]["error"].get<std::string>();
  EXPECT_NE(error.find("loans_*.csv"), std::string::npos) << error;
  EXPECT_NE(error.find("sales_team_3"), std::string::npos) << error;
}

TEST_P(BackendE2eTest, SecondRunOfABusyTeamExitsThreeAndRecordsNothing) {
  add_team(3, "East");
  auto env = env_;
  env["PIPELINE_COMMAND"] = R"(["/bin/sh", "-c", "sleep 3"])";
  BackgroundProcess first({ORCH_BINARY, "run", "--team", "3"},
                          CommandOptions{dir_.path(), env, seconds(60)}, dir_ / "first.log");
  ASSERT_TRUE(wait_until(
      [&] {
        return runs_json({"--status", "running"}).size() == 1;
      },
      seconds(20)));
  auto second = orch({"run", "--team", "3"});
  EXPECT_EQ(second.exit_code, 3) << second.out << second.err;
  EXPECT_NE(second.err.find("already has a run in progress"), std::string::npos) << second.err;
  EXPECT_EQ(first.wait(seconds(30)), 0) << first.output();
  auto runs = runs_json();
  ASSERT_EQ(runs.size(), 1u);
  EXPECT_EQ(runs[0]["status"], "completed");
}

TEST_P(BackendE2eTest, RunOfAnUnknownTeamIsRefused) {
  auto result = orch({"run", "--team", "42"});
  EXPECT_EQ(result.exit_code, 2);
  EXPECT_NE(result.err.find("team 42 does not exist"), std::string::npos) << result.err;
  auto bad = orch({"run", "--team", "../etc"});
  EXPECT_EQ(bad.exit_code, 2);
  EXPECT_NE(bad.err.find("team id"), std::string::npos) << bad.err;
}

TEST_P(BackendE2eTest, TeamsCanBeAddedListedUpdatedAndDeactivated) {
  add_team(1, "North", {"--run-time", "03:15", "--timezone", "Europe/London"});
  auto update = orch({"teams", "update", "1", "--name", "North Desk", "--run-time", "04:00"});
  ASSERT_EQ(update.exit_code, 0) << update.err;
  ASSERT_EQ(orch({"teams", "add", "--name", "Auto"}).exit_code, 0);
  auto list = nlohmann::json::parse(orch({"teams", "list", "--format", "json"}).out);
  ASSERT_EQ(list.size(), 2u);
  EXPECT_EQ(list[0]["name"], "North Desk");
  EXPECT_EQ(list[0]["run_time"], "04:00:00");
  EXPECT_EQ(list[0]["timezone"], "Europe/London");
  EXPECT_EQ(list[1]["id"], 2);
  ASSERT_EQ(orch({"teams", "deactivate", "2"}).exit_code, 0);
  list = nlohmann::json::parse(orch({"teams", "list", "--format", "json"}).out);
  EXPECT_EQ(list[1]["active"], false);
  ASSERT_EQ(orch({"teams", "activate", "2"}).exit_code, 0);

  auto bad_zone = orch({"teams", "update", "1", "--timezone", "Mars/Olympus"});
  EXPECT_EQ(bad_zone.exit_code, 2);
  EXPECT_NE(bad_zone.err.find("Mars/Olympus"), std::string::npos);
  auto duplicate = orch({"teams", "add", "--id", "1", "--name", "Again"});
  EXPECT_EQ(duplicate.exit_code, 2);
  EXPECT_NE(duplicate.err.find("exists already"), std::string::npos);
}

TEST_P(BackendE2eTest, PlanShowsEachTeamsNextSlotsInItsZoneAndInUtc) {
  add_team(1, "North", {"--run-time", "02:30", "--timezone", "America/New_York"});
  auto result = orch({"plan", "--count", "2", "--format", "json"});
  ASSERT_EQ(result.exit_code, 0) << result.err;
  auto plan = nlohmann::json::parse(result.out);
  ASSERT_EQ(plan.size(), 2u);
  EXPECT_EQ(plan[0]["team"], "1");
  EXPECT_EQ(plan[0]["timezone"], "America/New_York");
  auto local = plan[0]["local_time"].get<std::string>();
  // 02:30 local, except on a spring-forward day (03:00, the first instant after the jump).
  EXPECT_TRUE(local.find("02:30:00 E") != std::string::npos ||
              local.find("03:00:00 EDT") != std::string::npos)
      << local;
  auto utc = plan[0]["utc"].get<std::string>();
  EXPECT_TRUE(utc.find("T06:30:00Z") != std::string::npos ||
              utc.find("T07:30:00Z") != std::string::npos ||
              utc.find("T07:00:00Z") != std::string::npos)
      << utc;
}

TEST_P(BackendE2eTest, RunsCanBeFilteredAndPrintedAsCsv) {
  add_team(1, "North");
  add_team(2, "West");
  ASSERT_EQ(orch({"run", "--team", "1"}).exit_code, 0);
  ASSERT_EQ(orch({"run", "--team", "2"}, {{"PIPELINE_COMMAND", R"(["/bin/false"])"}}).exit_code, 1);
  EXPECT_EQ(runs_json({"--team", "1"}).size(), 1u);
  EXPECT_EQ(runs_json({"--status", "failed"}).size(), 1u);
  EXPECT_EQ(runs_json({"--since", "2000-01-01"}).size(), 2u);
  EXPECT_EQ(runs_json({"--since", "2999-01-01T00:00:00Z"}).size(), 0u);
  EXPECT_EQ(runs_json({"--limit", "1"}).size(), 1u);
  auto csv = orch({"runs", "--format", "csv"});
  ASSERT_EQ(csv.exit_code, 0);
  EXPECT_EQ(csv.out.rfind("run_id,sales_team_id,status", 0), 0u) << csv.out;
  auto table = orch({"runs"});
  EXPECT_NE(table.out.find("completed"), std::string::npos);
  auto bad = orch({"runs", "--status", "bogus"});
  EXPECT_EQ(bad.exit_code, 2);
}

TEST_P(BackendE2eTest, TheSeedsQueryRunsUnchangedWithTheDatabasesOwnClient) {
  add_team(1, "North");
  write_tape(team_inputs(1), 3, 1, today_utc_compact());
  ASSERT_EQ(orch({"run", "--team", "1"}).exit_code, 0);
  ASSERT_EQ(orch({"run", "--team", "1"}).exit_code, 0);
  auto result =
      sql("SELECT run_id, status, sales_team_id, total_loans, exceptions_count, started_at, "
          "completed_at FROM pipeline_runs WHERE sales_team_id = 1 ORDER BY created_at DESC;");
  ASSERT_EQ(result.exit_code, 0) << result.err;
  auto runs = runs_json();
  // Newest first, as `runs` shows them.
  EXPECT_EQ(result.out.find(runs[0]["run_id"].get<std::string>()), 0u) << result.out;
  EXPECT_NE(result.out.find("|completed|1|4|1|"), std::string::npos) << result.out;
}

TEST_P(BackendE2eTest, MigrateAndCheckConfigWork) {
  auto migrate = orch({"migrate"});
  ASSERT_EQ(migrate.exit_code, 0) << migrate.err;
  EXPECT_NE(migrate.out.find("schema version 11"), std::string::npos);
  auto check = orch({"check-config"}, {{"SMTP_PASSWORD", "hunter2-secret"}});
  ASSERT_EQ(check.exit_code, 0) << check.err;
  EXPECT_NE(check.out.find("daily_run_time"), std::string::npos);
  EXPECT_EQ(check.out.find("hunter2-secret"), std::string::npos);
  // A database that does not answer is a problem of the preflight, named without its password.
  auto unreachable =
      orch({"check-config"}, {{"SMTP_PASSWORD", "hunter2-secret"},
                              {"DATABASE_URL", "postgresql://app:pa55word@db:5432/x"}});
  EXPECT_EQ(unreachable.exit_code, 2);
  EXPECT_NE(unreachable.err.find("error: check-config: database postgresql://app:***@db:5432/x"),
            std::string::npos)
      << unreachable.err;
  EXPECT_EQ((unreachable.out + unreachable.err).find("pa55word"), std::string::npos);
  EXPECT_EQ((unreachable.out + unreachable.err).find("hunter2-secret"), std::string::npos);
}

TEST_F(E2eTest, DatabaseThatCannotBeOpenedExitsFour) {
  auto result = orch({"runs"}, {{"DATABASE_URL", "sqlite:/proc/no-such-dir/x.db"}});
  EXPECT_EQ(result.exit_code, 4) << result.err;
  EXPECT_NE(result.err.find("error:"), std::string::npos);
}

struct BadSetting {
  std::string variable;
  std::string value;
  friend void PrintTo(const BadSetting& s, std::ostream* out) {
    *out << s.variable << "=" << s.value;
  }
};

class BadConfigurationTest : public E2eTest, public ::testing::WithParamInterface<BadSetting> {};

TEST_P(BadConfigurationTest, IsRefusedWithOneLineAndExitTwo) {
  const auto& bad = GetParam();
  for (const char* command : {"serve", "check-config", "runs"}) {
    SCOPED_TRACE(command);
    auto result = orch({command}, {{bad.variable, bad.value}});
    EXPECT_EQ(result.exit_code, 2) << result.err;
    EXPECT_EQ(std::count(result.err.begin(), result.err.end(), '\n'), 1) << result.err;
    EXPECT_NE(result.err.find(bad.variable), std::string::npos) << result.err;
    EXPECT_NE(result.err.find(bad.value), std::string::npos) << result.err;
  }
  // Nothing half-started: no database was created.
  EXPECT_FALSE(std::filesystem::exists(dir_ / "orchestrator.db"));
}

INSTANTIATE_TEST_SUITE_P(
    Variables, BadConfigurationTest,
    ::testing::Values(
        BadSetting{"DAILY_RUN_TIME", "25:00"}, BadSetting{"SCHEDULER_TIMEZONE", "Mars/Olympus"},
        BadSetting{"MISFIRE_GRACE_SECONDS", "-5"}, BadSetting{"MAX_PARALLEL_RUNS", "zero"},
        BadSetting{"PURCHASE_WEEKDAY", "someday"}, BadSetting{"ENABLE_SCHEDULER", "maybe"},
        BadSetting{"DEFAULT_CRON", "0 0 30 2 *"}, BadSetting{"DEFAULT_CRON", "0 0 * * 5#3"}),
    [](const ::testing::TestParamInfo<BadSetting>& param) {
      std::string name;
      for (char c : param.param.variable) {
        if (c != '_') {
          name += c;
        }
      }
      // Several bad values of one variable: tell them apart by their index.
      return name + (param.param.variable == "DEFAULT_CRON" ? std::to_string(param.index) : "");
    });

TEST_F(E2eTest, TomlSyntaxErrorAndUnknownKeyAreRefused) {
  write_file(dir_ / "orchestrator.toml", "[scheduler]\ndaily_run_time = \"02:00\n");
  auto syntax = orch({"check-config"});
  EXPECT_EQ(syntax.exit_code, 2);
  EXPECT_NE(syntax.err.find("orchestrator.toml"), std::string::npos) << syntax.err;

  write_file(dir_ / "orchestrator.toml", "[scheduler]\ndayly_run_time = \"02:00\"\n");
  auto unknown = orch({"serve"});
  EXPECT_EQ(unknown.exit_code, 2);
  EXPECT_NE(unknown.err.find("dayly_run_time"), std::string::npos) << unknown.err;
  EXPECT_EQ(std::count(unknown.err.begin(), unknown.err.end(), '\n'), 1) << unknown.err;
}

TEST_F(E2eTest, UsageErrorsExitTwo) {
  EXPECT_EQ(orch({"frobnicate"}).exit_code, 2);
  EXPECT_EQ(orch({"run"}).exit_code, 2);
  EXPECT_EQ(orch({"run", "--team", "1", "--general"}).exit_code, 2);
  EXPECT_EQ(orch({"--help"}).exit_code, 0);
}

}  // namespace
}  // namespace orch::testing
