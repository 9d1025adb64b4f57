// Several pipelines per team, as a user sees them through the real binary on SQLite: run,
// backfill, runs, plan, teams and pipelines list with [pipelines.<name>] in the configuration,
// and the same commands unchanged for a site that declares only [pipeline].

#include <algorithm>
#include <set>

#include <date/date.h>

#include "tests/e2e/e2e_fixture.h"

namespace orch::testing {
namespace {

namespace fs = std::filesystem;

// Every pipeline writes its own name where the orchestrator says its outputs go.
constexpr std::string_view kWriteName =
    R"(["/bin/sh", "-c", 'printf %s "$PIPELINE_NAME" > "$OUTPUT_DIR/which.txt"'])";

std::string config_with_month_end(std::string_view more = "") {
  return "[pipeline]\ncommand = " + std::string(kWriteName) +
         "\n\n[pipelines.month_end]\ncommand = " + std::string(kWriteName) +
         "\ncron = \"0 4 1 * *\"\ntimeout_seconds = 7200\n" + std::string(more);
}

// The run dates (YYYY-MM-DD) of the next `count` fires of "0 H D * *" in UTC after now.
std::vector<std::string> monthly_run_dates(unsigned day, std::chrono::hours at, int count) {
  using date::days;
  auto now = std::chrono::system_clock::now();
  date::year_month_day today{date::floor<days>(now)};
  date::year_month month = today.year() / today.month();
  if (date::sys_days{month / date::day{day}} + at <= now) {
    month += date::months{1};
  }
  std::vector<std::string> out;
  for (int i = 0; i < count; ++i) {
    out.push_back(date::format("%F", date::sys_days{(month + date::months{i}) / date::day{day}}));
  }
  return out;
}

class PipelinesCliTest : public E2eTest {
 protected:
  void use_config(const std::string& toml) { write_file(dir_ / "orchestrator.toml", toml); }

  nlohmann::json plan_json(const std::vector<std::string>& more = {}) {
    std::vector<std::string> args{"plan", "--format", "json"};
    args.insert(args.end(), more.begin(), more.end());
    auto result = orch(args);
    EXPECT_EQ(result.exit_code, 0) << result.err;
    return result.exit_code == 0 ? nlohmann::json::parse(result.out) : nlohmann::json::array();
  }

  // The plan's rows of one team and pipeline.
  static std::vector<nlohmann::json> rows(const nlohmann::json& plan, const std::string& team,
                                          const std::string& pipeline) {
    std::vector<nlohmann::json> out;
    for (const auto& row : plan) {
      if (row["team"] == team && row["pipeline"] == pipeline) {
        out.push_back(row);
      }
    }
    return out;
  }

  // The (team, pipeline) pairs the plan shows.
  static std::set<std::pair<std::string, std::string>> scheduled(const nlohmann::json& plan) {
    std::set<std::pair<std::string, std::string>> out;
    for (const auto& row : plan) {
      out.emplace(row["team"].get<std::string>(), row["pipeline"].get<std::string>());
    }
    return out;
  }

  fs::path pipeline_outputs(int team, const std::string& pipeline) const {
    return team_outputs(team) / "pipelines" / pipeline;
  }
};

using Pairs = std::set<std::pair<std::string, std::string>>;

TEST_F(PipelinesCliTest, RunWithPipelineRunsItsCommandWithItsNameIntoItsOwnFolders) {
  use_config(config_with_month_end());
  add_team(1, "North");
  auto result = orch({"run", "--team", "1", "--pipeline", "month_end"});
  ASSERT_EQ(result.exit_code, 0) << result.err << result.out;
  EXPECT_NE(result.out.find("pipeline: month_end\n"), std::string::npos) << result.out;
  EXPECT_EQ(read_file(pipeline_outputs(1, "month_end") / "output" / "which.txt"), "month_end");
  // Daily's published outputs are not touched.
  EXPECT_FALSE(fs::exists(team_outputs(1) / "output")) << "daily's outputs appeared";

  auto month_end = runs_json({"--pipeline", "month_end"});
  ASSERT_EQ(month_end.size(), 1u);
  EXPECT_EQ(month_end[0]["pipeline"], "month_end");
  EXPECT_EQ(month_end[0]["sales_team_id"], 1);
  EXPECT_EQ(month_end[0]["status"], "completed");
  EXPECT_EQ(month_end[0]["triggered_by"], "manual");
  EXPECT_EQ(month_end[0]["log_path"].get<std::string>().rfind(
                (pipeline_outputs(1, "month_end") / "runs").string(), 0),
            0u)
      << month_end[0]["log_path"];
  EXPECT_TRUE(runs_json({"--pipeline", "daily"}).empty());

  // Without --pipeline, run still runs `daily`, in the folders it always had.
  auto daily = orch({"run", "--team", "1"});
  ASSERT_EQ(daily.exit_code, 0) << daily.err << daily.out;
  EXPECT_EQ(daily.out.find("pipeline:"), std::string::npos) << daily.out;
  EXPECT_EQ(read_file(team_outputs(1) / "output" / "which.txt"), "daily");
  EXPECT_EQ(read_file(pipeline_outputs(1, "month_end") / "output" / "which.txt"), "month_end");
  auto daily_runs = runs_json({"--pipeline", "daily"});
  ASSERT_EQ(daily_runs.size(), 1u);
  EXPECT_EQ(daily_runs[0]["pipeline"], "daily");
  EXPECT_EQ(runs_json().size(), 2u);
  // The pipeline column of the table tells them apart.
  auto table = orch({"runs"});
  ASSERT_EQ(table.exit_code, 0) << table.err;
  EXPECT_NE(table.out.substr(0, table.out.find('\n')).find("pipeline"), std::string::npos)
      << table.out;
  EXPECT_EQ(lines_containing(table.out, "month_end").size(), 1u) << table.out;
}

TEST_F(PipelinesCliTest, APipelineRunsWithTheKeysItInheritsAndThoseItOverrides) {
  use_config(R"(
[pipeline]
command = ["/bin/sh", "-c", 'printf "%s %s" "$PIPELINE_NAME" "$REGION" > "$OUTPUT_DIR/which.txt"']
timeout_seconds = 600

[pipeline.env]
REGION = "eu"

[pipelines.month_end]
command = ["/bin/sh", "-c", 'printf "%s %s" "$PIPELINE_NAME" "$REGION" > "$OUTPUT_DIR/which.txt"']

[pipelines.slow]
command = ["/bin/sh", "-c", "sleep 30"]
timeout_seconds = 1
)");
  add_team(1, "North");
  ASSERT_EQ(orch({"run", "--team", "1", "--pipeline", "month_end"}).exit_code, 0);
  EXPECT_EQ(read_file(pipeline_outputs(1, "month_end") / "output" / "which.txt"), "month_end eu");
  // Its own timeout, not [pipeline]'s 600 s.
  auto slow = orch({"run", "--team", "1", "--pipeline", "slow"});
  EXPECT_EQ(slow.exit_code, 1) << slow.out << slow.err;
  EXPECT_NE(slow.out.find("status: timed_out"), std::string::npos) << slow.out;
  auto runs = runs_json({"--pipeline", "slow"});
  ASSERT_EQ(runs.size(), 1u);
  EXPECT_EQ(runs[0]["status"], "timed_out");
  EXPECT_LT(runs[0]["duration_ms"].get<std::int64_t>(), 20000);
}

TEST_F(PipelinesCliTest, TheGeneralRunOfAPipelineHasItsOwnFoldersBesideTheTeams) {
  use_config(config_with_month_end());
  add_team(1, "North");
  auto result = orch({"run", "--general", "--pipeline", "month_end"});
  ASSERT_EQ(result.exit_code, 0) << result.err << result.out;
  EXPECT_EQ(read_file(dir_ / "outputs" / "pipelines" / "month_end" / "output" / "which.txt"),
            "month_end");
  EXPECT_FALSE(fs::exists(dir_ / "outputs" / "output"));
  EXPECT_FALSE(fs::exists(team_outputs(1)));
  auto runs = runs_json({"--team", "general", "--pipeline", "month_end"});
  ASSERT_EQ(runs.size(), 1u);
  EXPECT_TRUE(runs[0]["sales_team_id"].is_null());
  EXPECT_EQ(runs[0]["pipeline"], "month_end");
}

TEST_F(PipelinesCliTest, AnUnknownPipelineExitsTwoWithOneLineNamingTheKnownOnes) {
  use_config(config_with_month_end());
  add_team(1, "North");
  const std::vector<std::vector<std::string>> commands = {
      {"run", "--team", "1", "--pipeline", "nope"},
      {"backfill", "--team", "1", "--pipeline", "nope", "--from", "2026-01-05", "--to",
       "2026-01-05"},
      {"plan", "--pipeline", "nope"},
      {"teams", "update", "1", "--pipeline", "nope", "--cron", "0 5 2 * *"},
      {"teams", "pause", "1", "--pipeline", "nope"},
      {"teams", "resume", "1", "--pipeline", "nope"},
  };
  for (const auto& args : commands) {
    SCOPED_TRACE(args[0] + " " + args[1]);
    auto result = orch(args);
    EXPECT_EQ(result.exit_code, 2) << result.out << result.err;
    EXPECT_EQ(std::count(result.err.begin(), result.err.end(), '\n'), 1) << result.err;
    EXPECT_NE(result.err.find("'nope'"), std::string::npos) << result.err;
    EXPECT_NE(result.err.find("daily, month_end"), std::string::npos) << result.err;
  }
  EXPECT_TRUE(runs_json().empty());
  EXPECT_EQ(scheduled(plan_json()), (Pairs{{"1", "daily"}, {"1", "month_end"}}));
}

TEST_F(PipelinesCliTest, PlanShowsTheMonthEndCronPipelineOnTheFirstOfTheNextMonths) {
  use_config(config_with_month_end());
  add_team(1, "North");
  add_team(2, "South");
  auto plan = plan_json({"--count", "3"});
  EXPECT_EQ(scheduled(plan),
            (Pairs{{"1", "daily"}, {"1", "month_end"}, {"2", "daily"}, {"2", "month_end"}}));
  const auto expected = monthly_run_dates(1, std::chrono::hours(4), 3);
  for (const std::string team : {"1", "2"}) {
    auto month_end = rows(plan, team, "month_end");
    ASSERT_EQ(month_end.size(), 3u) << plan.dump(2);
    for (std::size_t i = 0; i < 3; ++i) {
      SCOPED_TRACE(team + " " + expected[i]);
      EXPECT_EQ(month_end[i]["schedule"], "cron 0 4 1 * *");
      EXPECT_EQ(month_end[i]["run_date"], expected[i]);
      EXPECT_EQ(month_end[i]["utc"], expected[i] + "T04:00:00Z");
    }
    auto daily = rows(plan, team, "daily");
    ASSERT_EQ(daily.size(), 3u);
    EXPECT_EQ(daily[0]["schedule"], "daily 02:00:00");
  }
  // The table has a pipeline column.
  auto table = orch({"plan"});
  ASSERT_EQ(table.exit_code, 0) << table.err;
  EXPECT_NE(table.out.substr(0, table.out.find('\n')).find("pipeline"), std::string::npos)
      << table.out;
  EXPECT_EQ(lines_containing(table.out, "cron 0 4 1 * *").size(), 6u) << table.out;

  // --pipeline keeps to that pipeline's fires.
  auto only = plan_json({"--pipeline", "month_end", "--count", "2"});
  EXPECT_EQ(scheduled(only), (Pairs{{"1", "month_end"}, {"2", "month_end"}}));
  EXPECT_EQ(only.size(), 4u);
  auto one_team = plan_json({"--pipeline", "month_end", "--team", "2", "--count", "1"});
  ASSERT_EQ(one_team.size(), 1u);
  EXPECT_EQ(one_team[0]["run_date"], expected[0]);
}

TEST_F(PipelinesCliTest, ASiteWithOnlyThePipelineTableSeesNoPipelineColumnAnywhere) {
  use_config("[pipeline]\ncommand = " + std::string(kWriteName) + "\n");
  add_team(1, "North");
  auto run = orch({"run", "--team", "1"});
  ASSERT_EQ(run.exit_code, 0) << run.err << run.out;
  EXPECT_EQ(run.out.find("pipeline:"), std::string::npos) << run.out;
  EXPECT_EQ(read_file(team_outputs(1) / "output" / "which.txt"), "daily");
  EXPECT_FALSE(fs::exists(team_outputs(1) / "pipelines"));

  auto header = [&](const std::vector<std::string>& args) {
    auto result = orch(args);
    EXPECT_EQ(result.exit_code, 0) << result.err;
    return result.out.substr(0, result.out.find('\n'));
  };
  for (const auto& args : std::vector<std::vector<std::string>>{
           {"plan"}, {"runs"}, {"teams", "list"}, {"runs", "--format", "csv"}}) {
    SCOPED_TRACE(args[0]);
    EXPECT_EQ(header(args).find("pipeline"), std::string::npos) << header(args);
  }
  EXPECT_EQ(header({"runs", "--format", "csv"}).rfind("run_id,sales_team_id,status,", 0), 0u);
  EXPECT_EQ(header({"plan", "--format", "csv"}),
            "team,name,schedule,timezone,run_date,local_time,utc");
  for (const auto& row : plan_json()) {
    EXPECT_FALSE(row.contains("pipeline")) << row.dump();
  }
  for (const auto& row : runs_json()) {
    EXPECT_FALSE(row.contains("pipeline")) << row.dump();
  }
  auto check = orch({"check-config"});
  ASSERT_EQ(check.exit_code, 0) << check.err;
  EXPECT_EQ(check.out.find("[pipelines"), std::string::npos) << check.out;
}

TEST_F(PipelinesCliTest, PipelinesListShowsEachPipelineItsScheduleAndTheTeamsThatRunIt) {
  use_config(config_with_month_end(
      "\n[pipelines.recon]\ncommand = [\"/opt/lending/bin/recon\", \"--weekly\"]\n"
      "run_time = \"06:30\"\nteams = [2]\n"));
  add_team(1, "North");
  add_team(2, "South");
  add_team(3, "East");
  ASSERT_EQ(orch({"teams", "pause", "3", "--pipeline", "month_end"}).exit_code, 0);
  auto result = orch({"pipelines", "list", "--format", "json"});
  ASSERT_EQ(result.exit_code, 0) << result.err;
  auto list = nlohmann::json::parse(result.out);
  ASSERT_EQ(list.size(), 3u) << list.dump(2);
  EXPECT_EQ(list[0]["pipeline"], "daily");
  EXPECT_EQ(list[0]["schedule"], "daily 02:00:00");
  EXPECT_EQ(list[0]["teams"], nlohmann::json({1, 2, 3}));
  EXPECT_EQ(list[0]["general"], false);  // GENERAL_RUN_ENABLED=false
  EXPECT_EQ(list[1]["pipeline"], "month_end");
  EXPECT_EQ(list[1]["schedule"], "cron 0 4 1 * *");
  EXPECT_EQ(list[1]["teams"], nlohmann::json({1, 2}));
  EXPECT_EQ(list[1]["paused_teams"], nlohmann::json({3}));
  EXPECT_EQ(list[2]["pipeline"], "recon");
  EXPECT_EQ(list[2]["schedule"], "daily 06:30:00");
  EXPECT_EQ(list[2]["teams"], nlohmann::json({2}));
  EXPECT_EQ(list[2]["command"], "/opt/lending/bin/recon --weekly");

  auto table = orch({"pipelines", "list"});
  ASSERT_EQ(table.exit_code, 0) << table.err;
  auto lines = lines_containing(table.out, "recon");
  ASSERT_EQ(lines.size(), 1u) << table.out;
  EXPECT_NE(lines[0].find("daily 06:30:00"), std::string::npos) << lines[0];
  EXPECT_NE(lines[0].find("/opt/lending/bin/recon --weekly"), std::string::npos) << lines[0];
  lines = lines_containing(table.out, "month_end");
  ASSERT_EQ(lines.size(), 1u) << table.out;
  EXPECT_NE(lines[0].find("cron 0 4 1 * *"), std::string::npos) << lines[0];
  EXPECT_NE(lines[0].find("1, 2"), std::string::npos) << lines[0];
  // The plan agrees: recon only for team 2, month_end not for the paused team 3.
  EXPECT_EQ(scheduled(plan_json({"--count", "1"})), (Pairs{{"1", "daily"},
                                                           {"1", "month_end"},
                                                           {"2", "daily"},
                                                           {"2", "month_end"},
                                                           {"2", "recon"},
                                                           {"3", "daily"}}));
}

TEST_F(PipelinesCliTest, TeamsPipelinesChoosesWhichPipelinesATeamRuns) {
  use_config(config_with_month_end());
  add_team(1, "North");
  add_team(2, "South");
  add_team(3, "West", {"--pipelines", "month_end"});
  const Pairs everything{
      {"1", "daily"}, {"1", "month_end"}, {"2", "daily"}, {"2", "month_end"}, {"3", "month_end"}};
  EXPECT_EQ(scheduled(plan_json({"--count", "1"})), everything);

  auto update = orch({"teams", "update", "1", "--pipelines", "month_end"});
  ASSERT_EQ(update.exit_code, 0) << update.err;
  EXPECT_EQ(scheduled(plan_json({"--count", "1"})),
            (Pairs{{"1", "month_end"}, {"2", "daily"}, {"2", "month_end"}, {"3", "month_end"}}));
  auto list = nlohmann::json::parse(orch({"teams", "list", "--format", "json"}).out);
  EXPECT_EQ(list[0]["pipelines"], nlohmann::json({"month_end"}));
  EXPECT_EQ(list[1]["pipelines"], nlohmann::json({"daily", "month_end"}));

  auto bad = orch({"teams", "update", "1", "--pipelines", "month_end,nope"});
  EXPECT_EQ(bad.exit_code, 2);
  EXPECT_EQ(std::count(bad.err.begin(), bad.err.end(), '\n'), 1) << bad.err;
  EXPECT_NE(bad.err.find("'nope'"), std::string::npos) << bad.err;
  EXPECT_NE(bad.err.find("daily, month_end"), std::string::npos) << bad.err;
  EXPECT_EQ(orch({"teams", "add", "--name", "Bad", "--pipelines", "nope"}).exit_code, 2);

  // "" gives the team back the configured choice.
  ASSERT_EQ(orch({"teams", "update", "1", "--pipelines", ""}).exit_code, 0);
  ASSERT_EQ(orch({"teams", "update", "3", "--pipelines", ""}).exit_code, 0);
  EXPECT_EQ(scheduled(plan_json({"--count", "1"})), (Pairs{{"1", "daily"},
                                                           {"1", "month_end"},
                                                           {"2", "daily"},
                                                           {"2", "month_end"},
                                                           {"3", "daily"},
                                                           {"3", "month_end"}}));
}

TEST_F(PipelinesCliTest, TeamsUpdateWithPipelineChangesOnlyThatTeamsScheduleOfThatPipeline) {
  use_config(config_with_month_end());
  add_team(1, "North");
  add_team(2, "South");
  auto update = orch({"teams", "update", "1", "--pipeline", "month_end", "--cron", "0 5 2 * *"});
  ASSERT_EQ(update.exit_code, 0) << update.err;
  EXPECT_NE(update.out.find("month_end"), std::string::npos) << update.out;
  auto plan = plan_json({"--count", "2"});
  auto mine = rows(plan, "1", "month_end");
  const auto second = monthly_run_dates(2, std::chrono::hours(5), 2);
  ASSERT_EQ(mine.size(), 2u) << plan.dump(2);
  for (std::size_t i = 0; i < 2; ++i) {
    EXPECT_EQ(mine[i]["schedule"], "cron 0 5 2 * *");
    EXPECT_EQ(mine[i]["run_date"], second[i]);
    EXPECT_EQ(mine[i]["utc"], second[i] + "T05:00:00Z");
  }
  // Team 1's daily and team 2's month_end are as they were.
  EXPECT_EQ(rows(plan, "1", "daily")[0]["schedule"], "daily 02:00:00");
  auto theirs = rows(plan, "2", "month_end");
  ASSERT_EQ(theirs.size(), 2u);
  EXPECT_EQ(theirs[0]["schedule"], "cron 0 4 1 * *");
  EXPECT_EQ(theirs[0]["run_date"], monthly_run_dates(1, std::chrono::hours(4), 1)[0]);
  auto list = nlohmann::json::parse(orch({"teams", "list", "--format", "json"}).out);
  EXPECT_TRUE(list[0]["cron"].is_null()) << list[0].dump();
  EXPECT_TRUE(list[0]["run_time"].is_null()) << list[0].dump();

  // A daily time for it instead, still for team 1's month_end alone.
  ASSERT_EQ(
      orch({"teams", "update", "1", "--pipeline", "month_end", "--run-time", "07:15"}).exit_code,
      0);
  plan = plan_json({"--count", "1"});
  EXPECT_EQ(rows(plan, "1", "month_end")[0]["schedule"], "daily 07:15:00");
  EXPECT_EQ(rows(plan, "1", "daily")[0]["schedule"], "daily 02:00:00");
  EXPECT_EQ(rows(plan, "2", "month_end")[0]["schedule"], "cron 0 4 1 * *");
  // Without --pipeline, --run-time is the team's daily schedule, as before.
  ASSERT_EQ(orch({"teams", "update", "2", "--run-time", "03:45"}).exit_code, 0);
  plan = plan_json({"--count", "1"});
  EXPECT_EQ(rows(plan, "2", "daily")[0]["schedule"], "daily 03:45:00");
  EXPECT_EQ(rows(plan, "2", "month_end")[0]["schedule"], "cron 0 4 1 * *");
}

TEST_F(PipelinesCliTest, PausingOnePipelineOfATeamLeavesItsOtherPipelinesAndOtherTeams) {
  use_config(config_with_month_end());
  add_team(1, "North");
  add_team(2, "South");
  const Pairs everything{{"1", "daily"}, {"1", "month_end"}, {"2", "daily"}, {"2", "month_end"}};
  auto pause = orch({"teams", "pause", "1", "--pipeline", "month_end"});
  ASSERT_EQ(pause.exit_code, 0) << pause.err;
  EXPECT_EQ(scheduled(plan_json({"--count", "1"})),
            (Pairs{{"1", "daily"}, {"2", "daily"}, {"2", "month_end"}}));
  auto list = nlohmann::json::parse(orch({"teams", "list", "--format", "json"}).out);
  EXPECT_EQ(list[0]["paused"], false);
  EXPECT_EQ(list[0]["pipelines"], nlohmann::json({"daily", "month_end (paused)"}))
      << list[0].dump();
  // A paused pipeline can still be run by hand.
  EXPECT_EQ(orch({"run", "--team", "1", "--pipeline", "month_end"}).exit_code, 0);

  ASSERT_EQ(orch({"teams", "resume", "1", "--pipeline", "month_end"}).exit_code, 0);
  EXPECT_EQ(scheduled(plan_json({"--count", "1"})), everything);

  // Pausing the team pauses all its pipelines; resuming it brings them all back.
  ASSERT_EQ(orch({"teams", "pause", "1"}).exit_code, 0);
  EXPECT_EQ(scheduled(plan_json({"--count", "1"})), (Pairs{{"2", "daily"}, {"2", "month_end"}}));
  ASSERT_EQ(orch({"teams", "resume", "1"}).exit_code, 0);
  EXPECT_EQ(scheduled(plan_json({"--count", "1"})), everything);
}

TEST_F(PipelinesCliTest, BackfillWithPipelineRunsThatPipelineForEachDay) {
  use_config(config_with_month_end());
  add_team(1, "North");
  auto result = orch({"backfill", "--team", "1", "--pipeline", "month_end", "--from", "2026-01-05",
                      "--to", "2026-01-07"});
  ASSERT_EQ(result.exit_code, 0) << result.err << result.out;
  EXPECT_NE(result.out.find("3 completed, 0 failed, 0 skipped"), std::string::npos) << result.out;
  auto runs = runs_json({"--pipeline", "month_end"});
  ASSERT_EQ(runs.size(), 3u);
  std::set<std::string> days;
  for (const auto& run : runs) {
    EXPECT_EQ(run["pipeline"], "month_end");
    EXPECT_EQ(run["triggered_by"], "backfill");
    EXPECT_EQ(run["status"], "completed");
    days.insert(run["run_date"].get<std::string>());
  }
  EXPECT_EQ(days, (std::set<std::string>{"2026-01-05", "2026-01-06", "2026-01-07"}));
  EXPECT_EQ(read_file(pipeline_outputs(1, "month_end") / "output" / "which.txt"), "month_end");
  EXPECT_FALSE(fs::exists(team_outputs(1) / "output"));

  // Days month_end completed are not done for daily: each pipeline has its own.
  auto daily = orch({"backfill", "--team", "1", "--from", "2026-01-05", "--to", "2026-01-07"});
  ASSERT_EQ(daily.exit_code, 0) << daily.err << daily.out;
  EXPECT_NE(daily.out.find("3 completed, 0 failed, 0 skipped"), std::string::npos) << daily.out;
  EXPECT_EQ(runs_json({"--pipeline", "daily"}).size(), 3u);
  // And a second month_end backfill skips the days it has.
  auto again = orch({"backfill", "--team", "1", "--pipeline", "month_end", "--from", "2026-01-05",
                     "--to", "2026-01-07"});
  ASSERT_EQ(again.exit_code, 0) << again.err << again.out;
  EXPECT_NE(again.out.find("0 completed, 0 failed, 3 skipped"), std::string::npos) << again.out;
}

TEST_F(PipelinesCliTest, CheckConfigShowsThePipelinesAndRefusesABadOneWithExitTwo) {
  use_config(config_with_month_end("\n[pipelines.daily]\nteams = [1, 2]\n"));
  auto check = orch({"check-config"});
  ASSERT_EQ(check.exit_code, 0) << check.err;
  EXPECT_NE(check.out.find("\n[pipelines.month_end]\ncommand = "), std::string::npos) << check.out;
  EXPECT_NE(check.out.find("\ncron = \"0 4 1 * *\"\ntimeout_seconds = 7200\n"), std::string::npos)
      << check.out;
  EXPECT_NE(check.out.find("\n[pipelines.daily]\nteams = [1, 2]\n"), std::string::npos)
      << check.out;

  const std::string file = (dir_ / "orchestrator.toml").string();
  struct Case {
    std::string more;
    std::string expected;
  };
  for (const Case& c : std::vector<Case>{
           {"\n[pipelines.bad_cron]\ncommand = [\"/bin/true\"]\ncron = \"0 4 32 * *\"\n",
            "error: configuration: pipelines.bad_cron.cron = \"0 4 32 * *\" in " + file +
                " is not allowed: cron expression '0 4 32 * *': day-of-month field: '32' is "
                "out of range"},
           {"\n[pipelines.bogus_key]\ncommand = [\"/bin/true\"]\nschedule = \"monthly\"\n",
            "error: configuration: unknown key \"pipelines.bogus_key.schedule\" in " + file +
                " (allowed in [pipelines.bogus_key]: command, "}}) {
    SCOPED_TRACE(c.more);
    use_config(config_with_month_end(c.more));
    auto result = orch({"check-config"});
    EXPECT_EQ(result.exit_code, 2);
    EXPECT_EQ(result.err.rfind(c.expected, 0), 0u) << result.err;
    EXPECT_EQ(std::count(result.err.begin(), result.err.end(), '\n'), 1) << result.err;
    // Every command refuses it, not only check-config.
    EXPECT_EQ(orch({"plan"}).exit_code, 2);
  }
}

}  // namespace
}  // namespace orch::testing
