// Several pipelines per team, end to end: two pipelines of one team fire together and run side
// by side under `serve`, each in folders of its own; a pipeline paused alone stays paused while
// the team's others run; retries, catch-ups, misses, reruns after a stop, backfill and failure
// alerts go by each pipeline's own history and policy; a pipeline added to the configuration has
// no slot from before; three replicas on PostgreSQL run every pipeline of every team exactly once.
#include <signal.h>

#include <filesystem>
#include <set>
#include <sstream>
#include <string>
#include <vector>

#include "config/base/time.h"
#include "tests/e2e/e2e_fixture.h"
#include "tests/support/test_database.h"

namespace orch::testing {
namespace {

using std::chrono::seconds;

// A pipeline that writes its name where each published folder can be read and leaves a mark
// saying which command ran. It ends only once `partner` has started too (or fails after 30 s):
// it completes only if both run at the same time. The meeting folder is outside every run folder,
// so it runs without a sandbox.
std::string meeting_command(const std::string& mark, const std::filesystem::path& meet,
                            const std::string& partner) {
  return R"(["/bin/sh", "-c", 'touch ")" + meet.string() + R"(/$PIPELINE_NAME"; i=0; )" +
         R"(while [ ! -e ")" + meet.string() + "/" + partner +
         R"(" ]; do i=$((i+1)); [ $i -gt 600 ] && exit 9; sleep 0.05; done; )"
         R"(echo "$PIPELINE_NAME" > "$OUTPUT_DIR/pipeline_name.txt"; )"
         R"(echo "$PIPELINE_NAME" > "$OUTPUT_SHARE_DIR/pipeline_name.txt"; )"
         R"(touch "$OUTPUT_DIR/)" +
         mark + R"("'])";
}

// The names in `folder` (following a published folder's link).
std::set<std::string> names_in(const std::filesystem::path& folder) {
  std::set<std::string> out;
  std::error_code ec;
  for (const auto& entry : std::filesystem::directory_iterator(folder, ec)) {
    out.insert(entry.path().filename().string());
  }
  EXPECT_FALSE(ec) << folder << ": " << ec.message();
  return out;
}

std::string trimmed(const std::string& text) {
  return text.substr(0, text.find_last_not_of("\n") + 1);
}

class PipelinesServeTest : public E2eTest {
 protected:
  // `other`'s outputs of team `team`.
  std::filesystem::path other_outputs(int team) const {
    return team_outputs(team) / "pipelines" / "other";
  }

  // As if a service had scheduled `pipeline` since 2020: its slots are those of its teams.
  void known_since_long_ago(const std::string& pipeline) {
    auto result =
        sqlite("INSERT INTO orchestrator_state (name, value) VALUES ('pipeline_first_scheduled:" +
               pipeline + "', 1577836800000)");
    ASSERT_EQ(result.exit_code, 0) << result.err;
  }

  void stop(BackgroundProcess& service) {
    service.send_signal(SIGTERM);
    EXPECT_EQ(service.wait(seconds(15)), 0) << service.output();
  }
};

TEST_F(PipelinesServeTest, TwoPipelinesOfOneTeamFiringTogetherRunSideBySideInTheirOwnFolders) {
  add_team(1, "North");
  write_tape(team_inputs(1), 3, 1, today_utc_compact());
  const std::string slot = utc_time_in(3);
  const auto meet = dir_ / "meet";
  std::filesystem::create_directory(meet);
  write_file(dir_ / "orchestrator.toml", "[pipeline]\nisolation = \"none\"\ncommand = " +
                                             meeting_command("from_daily_command", meet, "other") +
                                             "\n\n[pipelines.other]\ncommand = " +
                                             meeting_command("from_other_command", meet, "daily") +
                                             "\nrun_time = \"" + slot + "\"\n");
  auto service = serve({{"DAILY_RUN_TIME", slot}});
  ASSERT_TRUE(wait_until(
      [&] {
        auto runs = runs_json();
        return runs.size() == 2 && runs[0]["status"] != "running" && runs[1]["status"] != "running";
      },
      seconds(30)))
      << runs_json().dump(2) << service->output();
  stop(*service);

  auto daily = runs_json({"--pipeline", "daily"});
  auto other = runs_json({"--pipeline", "other"});
  ASSERT_EQ(daily.size(), 1u) << daily.dump(2);
  ASSERT_EQ(other.size(), 1u) << other.dump(2);
  EXPECT_EQ(runs_json().size(), 2u);
  for (const auto* run : {&daily[0], &other[0]}) {
    EXPECT_EQ((*run)["sales_team_id"], 1);
    // Each met the other: they ran at the same time.
    EXPECT_EQ((*run)["status"], "completed") << run->dump(2);
    // "catchup" when a slow start let the slot pass first.
    EXPECT_NE((*run)["triggered_by"], "manual");
    EXPECT_EQ((*run)["attempt"], 1);
    // Both read the team's inputs, each into a snapshot of its own.
    EXPECT_NE((*run)["inputs"].dump().find("loans_" + today_utc_compact()), std::string::npos)
        << run->dump(2);
  }
  EXPECT_EQ(daily[0]["pipeline"], "daily");
  EXPECT_EQ(other[0]["pipeline"], "other");
  EXPECT_EQ(daily[0]["scheduled_for"], other[0]["scheduled_for"]);
  // Side by side: each started before the other ended.
  const std::string daily_start = daily[0]["started_at"], daily_end = daily[0]["completed_at"];
  const std::string other_start = other[0]["started_at"], other_end = other[0]["completed_at"];
  EXPECT_LT(daily_start, other_end) << daily.dump(2) << other.dump(2);
  EXPECT_LT(other_start, daily_end) << daily.dump(2) << other.dump(2);

  // `daily` publishes where it always did; `other` in a folder of its own; neither sees the
  // other's files, and each was told its own name.
  EXPECT_EQ(names_in(team_outputs(1) / "output"),
            (std::set<std::string>{"pipeline_name.txt", "from_daily_command"}));
  EXPECT_EQ(names_in(other_outputs(1) / "output"),
            (std::set<std::string>{"pipeline_name.txt", "from_other_command"}));
  EXPECT_EQ(trimmed(read_file(team_outputs(1) / "output" / "pipeline_name.txt")), "daily");
  EXPECT_EQ(trimmed(read_file(other_outputs(1) / "output" / "pipeline_name.txt")), "other");
  EXPECT_EQ(names_in(team_outputs(1) / "output_share"),
            (std::set<std::string>{"pipeline_name.txt"}));
  EXPECT_EQ(trimmed(read_file(team_outputs(1) / "output_share" / "pipeline_name.txt")), "daily");
  EXPECT_EQ(trimmed(read_file(other_outputs(1) / "output_share" / "pipeline_name.txt")), "other");

  // Each run has its folder among its own pipeline's runs only.
  const std::string daily_id = daily[0]["run_id"], other_id = other[0]["run_id"];
  EXPECT_EQ(names_in(team_outputs(1) / "runs"), (std::set<std::string>{daily_id}));
  EXPECT_EQ(names_in(other_outputs(1) / "runs"), (std::set<std::string>{other_id}));
  EXPECT_EQ(names_in(team_outputs(1) / "pipelines"), (std::set<std::string>{"other"}));
  EXPECT_EQ(std::filesystem::path(daily[0]["log_path"].get<std::string>()).parent_path(),
            team_outputs(1) / "runs" / daily_id);
  EXPECT_EQ(std::filesystem::path(other[0]["log_path"].get<std::string>()).parent_path(),
            other_outputs(1) / "runs" / other_id);
}

TEST_F(PipelinesServeTest, APipelinePausedAloneStaysPausedWhileTheTeamsOtherPipelinesRun) {
  add_team(1, "North");
  add_team(2, "South");
  for (int team : {1, 2}) {
    write_tape(team_inputs(team), 2, 0, today_utc_compact());
  }
  write_file(dir_ / "orchestrator.toml",
             "[pipelines.other]\ncommand = [\"/bin/sh\", \"-c\", \"exit 0\"]\n");
  // The service starts with every slot hours away...
  auto service = serve({{"DAILY_RUN_TIME", utc_time_in(6 * 3600)}});
  ASSERT_TRUE(wait_for_log(*service, "ready")) << service->output();

  // ...then both teams' pipelines are moved to a few seconds from now, team 1's `other` is
  // paused, and the running service is told.
  const std::string slot = utc_time_in(4);
  for (const std::string team : {"1", "2"}) {
    ASSERT_EQ(orch({"teams", "update", team, "--run-time", slot}).exit_code, 0);
    auto moved = orch({"teams", "update", team, "--pipeline", "other", "--run-time", slot});
    ASSERT_EQ(moved.exit_code, 0) << moved.err;
  }
  auto paused = orch({"teams", "pause", "1", "--pipeline", "other"});
  ASSERT_EQ(paused.exit_code, 0) << paused.err;
  auto applied = orch({"reschedule"});
  ASSERT_EQ(applied.exit_code, 0) << applied.err;
  EXPECT_NE(applied.out.find("applied by 1 live service"), std::string::npos) << applied.out;

  auto plan = orch({"plan", "--team", "1", "--format", "json"});
  ASSERT_EQ(plan.exit_code, 0) << plan.err;
  for (const auto& row : nlohmann::json::parse(plan.out)) {
    EXPECT_EQ(row["pipeline"], "daily") << "team 1's paused pipeline is planned: " << plan.out;
  }

  ASSERT_TRUE(wait_until(
      [&] {
        return runs_json({"--status", "completed"}).size() >= 3;
      },
      seconds(30)))
      << runs_json().dump(2) << service->output();
  // Stopped: whatever it had started by now is recorded.
  stop(*service);
  EXPECT_EQ(runs_json({"--team", "1", "--pipeline", "daily"}).size(), 1u);
  EXPECT_EQ(runs_json({"--team", "1", "--pipeline", "other"}).size(), 0u)
      << runs_json().dump(2) << service->output();
  EXPECT_EQ(runs_json({"--team", "2", "--pipeline", "daily"}).size(), 1u);
  EXPECT_EQ(runs_json({"--team", "2", "--pipeline", "other"}).size(), 1u);
  EXPECT_EQ(runs_json().size(), 3u);

  // Resumed, it is planned again.
  ASSERT_EQ(orch({"teams", "resume", "1", "--pipeline", "other"}).exit_code, 0);
  auto resumed = orch({"plan", "--team", "1", "--pipeline", "other", "--format", "json"});
  ASSERT_EQ(resumed.exit_code, 0) << resumed.err;
  EXPECT_FALSE(nlohmann::json::parse(resumed.out).empty()) << resumed.out;
}

TEST_F(PipelinesServeTest, EachPipelineRetriesByItsOwnPolicy) {
  add_team(1, "North");
  // `other` fails on its first start and succeeds on the second; the count of starts lives
  // outside every run folder, so it runs without a sandbox.
  auto counter = dir_ / "starts";
  std::string script = "n=$(cat '" + counter.string() + "' 2>/dev/null || echo 0); n=$((n+1)); " +
                       "echo $n > '" + counter.string() + "'; test $n -ge 2";
  const std::string slot = utc_time_in(3);
  write_file(dir_ / "orchestrator.toml",
             "[pipelines.other]\ncommand = " + nlohmann::json({"/bin/sh", "-c", script}).dump() +
                 "\nisolation = \"none\"\nrun_time = \"" + slot +
                 "\"\n\n[pipelines.other.retry]\nmax_attempts = 2\ninitial_delay_seconds = 1\n"
                 "max_delay_seconds = 1\n");
  // `daily` fails too, and has no retries (the default policy).
  auto service = serve({{"DAILY_RUN_TIME", slot}, {"PIPELINE_COMMAND", R"(["/bin/false"])"}});
  ASSERT_TRUE(wait_until(
      [&] {
        auto other = runs_json({"--pipeline", "other", "--status", "completed"});
        auto daily = runs_json({"--pipeline", "daily", "--status", "failed"});
        return other.size() == 1 && daily.size() == 1;
      },
      seconds(30)))
      << runs_json().dump(2) << service->output();
  stop(*service);

  auto other = runs_json({"--pipeline", "other"});  // newest first
  ASSERT_EQ(other.size(), 2u) << other.dump(2);
  EXPECT_EQ(other[1]["status"], "failed");
  EXPECT_EQ(other[1]["attempt"], 1);
  EXPECT_EQ(other[0]["status"], "completed");
  EXPECT_EQ(other[0]["attempt"], 2);
  EXPECT_EQ(other[0]["triggered_by"], "retry");
  EXPECT_EQ(other[0]["scheduled_for"], other[1]["scheduled_for"]);
  auto daily = runs_json({"--pipeline", "daily"});
  ASSERT_EQ(daily.size(), 1u) << daily.dump(2);
  EXPECT_EQ(daily[0]["status"], "failed");
  auto retries = lines_containing(service->output(), "run_retry_scheduled");
  ASSERT_EQ(retries.size(), 1u) << service->output();
  EXPECT_NE(retries[0].find("pipeline=other"), std::string::npos) << retries[0];
}

TEST_F(PipelinesServeTest, AResumedPipelineDoesNotReplayTheSlotItMissedWhilePaused) {
  add_team(1, "Paused then resumed");
  add_team(2, "Never paused");
  write_file(dir_ / "orchestrator.toml",
             "[pipelines.other]\ncommand = [\"/bin/sh\", \"-c\", \"exit 0\"]\n");
  // Both teams existed long before today's slot, which passed while no service was running.
  ASSERT_EQ(sqlite("UPDATE sales_teams SET active_since = '2020-01-01T00:00:00.000Z'").exit_code,
            0);
  known_since_long_ago("other");
  ASSERT_EQ(orch({"teams", "pause", "1", "--pipeline", "other"}).exit_code, 0);
  ASSERT_EQ(orch({"teams", "resume", "1", "--pipeline", "other"}).exit_code, 0);
  // Scheduled again: its next slots will run.
  auto plan = orch({"plan", "--team", "1", "--pipeline", "other"});
  EXPECT_EQ(plan.exit_code, 0) << plan.err;

  auto service = serve({{"DAILY_RUN_TIME", utc_time_in(-30)}, {"MISFIRE_GRACE_SECONDS", "3600"}});
  ASSERT_TRUE(wait_until(
      [&] {
        return runs_json({"--status", "completed"}).size() >= 3;
      },
      seconds(20)))
      << runs_json().dump(2) << service->output();
  ASSERT_TRUE(wait_for_log(*service, "ready")) << service->output();
  stop(*service);
  // The missed slot is caught up for every pipeline that was not paused...
  for (const auto& [team, pipeline] : std::vector<std::pair<std::string, std::string>>{
           {"1", "daily"}, {"2", "daily"}, {"2", "other"}}) {
    auto runs = runs_json({"--team", team, "--pipeline", pipeline});
    ASSERT_EQ(runs.size(), 1u) << team << " " << pipeline << runs.dump(2);
    EXPECT_EQ(runs[0]["triggered_by"], "catchup");
  }
  // ...but not for the one resumed since.
  EXPECT_TRUE(runs_json({"--team", "1", "--pipeline", "other"}).empty()) << runs_json().dump(2);
}

TEST_F(PipelinesServeTest, BackfillSkipsTheDaysThatPipelineCompletedNotThoseOfAnother) {
  add_team(3, "East");
  write_file(dir_ / "orchestrator.toml",
             "[pipelines.month_end]\ncommand = [\"/bin/sh\", \"-c\", \"exit 0\"]\n");
  ASSERT_EQ(
      orch({"backfill", "--team", "3", "--from", "2026-01-05", "--to", "2026-01-06"}).exit_code, 0);
  auto month_end = orch({"backfill", "--team", "3", "--pipeline", "month_end", "--from",
                         "2026-01-05", "--to", "2026-01-06"});
  ASSERT_EQ(month_end.exit_code, 0) << month_end.err << month_end.out;
  EXPECT_NE(month_end.out.find("2 completed, 0 failed, 0 skipped"), std::string::npos)
      << month_end.out;
  auto again = orch({"backfill", "--team", "3", "--pipeline", "month_end", "--from", "2026-01-05",
                     "--to", "2026-01-06"});
  ASSERT_EQ(again.exit_code, 0) << again.err << again.out;
  EXPECT_NE(again.out.find("0 completed, 0 failed, 2 skipped"), std::string::npos) << again.out;
  EXPECT_EQ(runs_json({"--pipeline", "month_end"}).size(), 2u);
  EXPECT_EQ(runs_json({"--pipeline", "daily"}).size(), 2u);
}

TEST_F(PipelinesServeTest, EachPipelinesSlotIsCaughtUpOrRecordedMissedByItsOwnTime) {
  add_team(1, "North");
  ASSERT_EQ(sqlite("UPDATE sales_teams SET active_since = '2020-01-01T00:00:00.000Z'").exit_code,
            0);
  known_since_long_ago("other");
  // Daily's slot passed two minutes ago, beyond the grace; `other`'s thirty seconds ago.
  write_file(dir_ / "orchestrator.toml",
             "[pipelines.other]\ncommand = [\"/bin/sh\", \"-c\", \"exit 0\"]\nrun_time = \"" +
                 utc_time_in(-30) + "\"\n");
  const std::map<std::string, std::string> env{{"DAILY_RUN_TIME", utc_time_in(-120)},
                                               {"MISFIRE_GRACE_SECONDS", "60"}};
  auto service = serve(env);
  ASSERT_TRUE(wait_until(
      [&] {
        return runs_json({"--pipeline", "other", "--status", "completed"}).size() == 1 &&
               runs_json({"--pipeline", "daily", "--status", "missed"}).size() == 1;
      },
      seconds(20)))
      << runs_json().dump(2) << service->output();
  ASSERT_TRUE(wait_for_log(*service, "ready")) << service->output();
  stop(*service);
  EXPECT_EQ(runs_json({"--pipeline", "other"})[0]["triggered_by"], "catchup");
  auto missed = lines_containing(service->output(), "run_missed");
  ASSERT_EQ(missed.size(), 1u) << service->output();
  EXPECT_NE(missed[0].find("pipeline=daily"), std::string::npos) << missed[0];

  // The next start runs neither again.
  auto again = serve(env);
  ASSERT_TRUE(wait_for_log(*again, "ready")) << again->output();
  stop(*again);
  EXPECT_EQ(runs_json().size(), 2u) << runs_json().dump(2);
}

// A pipeline added to the configuration of a running site has no slot before the first service
// that scheduled it: its teams do not each catch up, or get a "missed" record and notification
// for, a slot from before the pipeline existed.
TEST_F(PipelinesServeTest, AnAddedPipelineHasNoSlotBeforeAServiceFirstScheduledIt) {
  add_team(1, "North");
  ASSERT_EQ(sqlite("UPDATE sales_teams SET active_since = '2020-01-01T00:00:00.000Z'").exit_code,
            0);
  ASSERT_EQ(
      sqlite("UPDATE schema_migrations SET applied_at = '2020-01-01T00:00:00.000Z'").exit_code, 0);
  // `recent`'s slot passed within the grace, `older`'s beyond it; daily's within it.
  write_file(dir_ / "orchestrator.toml",
             "[pipelines.recent]\ncommand = [\"/bin/sh\", \"-c\", \"exit 0\"]\nrun_time = \"" +
                 utc_time_in(-30) +
                 "\"\n\n[pipelines.older]\ncommand = [\"/bin/sh\", \"-c\", \"exit 0\"]\n"
                 "run_time = \"" +
                 utc_time_in(-5400) + "\"\n");
  const std::map<std::string, std::string> env{{"DAILY_RUN_TIME", utc_time_in(-30)},
                                               {"MISFIRE_GRACE_SECONDS", "3600"}};
  auto service = serve(env);
  ASSERT_TRUE(wait_until(
      [&] {
        return runs_json({"--status", "completed"}).size() == 1;
      },
      seconds(20)))
      << runs_json().dump(2) << service->output();
  ASSERT_TRUE(wait_for_log(*service, "ready")) << service->output();
  stop(*service);
  auto runs = runs_json();
  ASSERT_EQ(runs.size(), 1u) << runs.dump(2);
  EXPECT_EQ(runs[0]["pipeline"], "daily");
  EXPECT_EQ(runs[0]["triggered_by"], "catchup");
  EXPECT_TRUE(lines_containing(service->output(), "run_missed").empty()) << service->output();

  // Still so at the next start; the added pipelines are scheduled for their next slots.
  auto again = serve(env);
  ASSERT_TRUE(wait_for_log(*again, "ready")) << again->output();
  stop(*again);
  EXPECT_EQ(runs_json().size(), 1u) << runs_json().dump(2);
  for (const char* pipeline : {"recent", "older"}) {
    auto plan = orch({"plan", "--team", "1", "--pipeline", pipeline, "--count", "1"});
    EXPECT_EQ(plan.exit_code, 0) << pipeline << ": " << plan.err;
  }
}

TEST_F(PipelinesServeTest, RunsOfBothPipelinesStoppedByAShutdownAreRerunAtTheNextStart) {
  add_team(1, "North");
  const std::string slot = utc_time_in(2);
  auto config = [&](const std::string& command) {
    write_file(dir_ / "orchestrator.toml", "[pipeline]\ncommand = " + command +
                                               "\n\n[pipelines.other]\ncommand = " + command +
                                               "\nrun_time = \"" + slot + "\"\n");
  };
  config(R"(["/bin/sh", "-c", "sleep 60"])");
  auto service = serve({{"DAILY_RUN_TIME", slot}});
  ASSERT_TRUE(wait_until(
      [&] {
        return runs_json({"--status", "running"}).size() == 2;
      },
      seconds(20)))
      << runs_json().dump(2) << service->output();
  stop(*service);
  EXPECT_EQ(runs_json({"--status", "interrupted"}).size(), 2u) << runs_json().dump(2);

  config(R"(["/bin/sh", "-c", "exit 0"])");
  auto next = serve({{"DAILY_RUN_TIME", slot}});
  ASSERT_TRUE(wait_until(
      [&] {
        return runs_json({"--status", "completed"}).size() == 2;
      },
      seconds(20)))
      << runs_json().dump(2) << next->output();
  stop(*next);
  for (const std::string pipeline : {"daily", "other"}) {
    auto runs = runs_json({"--pipeline", pipeline});  // newest first
    ASSERT_EQ(runs.size(), 2u) << pipeline << runs.dump(2);
    EXPECT_EQ(runs[1]["status"], "interrupted") << pipeline;
    EXPECT_EQ(runs[0]["status"], "completed") << pipeline;
    EXPECT_EQ(runs[0]["attempt"], 2) << pipeline;
    EXPECT_EQ(runs[0]["scheduled_for"], runs[1]["scheduled_for"]) << pipeline;
  }
}

// Failures are counted per team and pipeline: a failing month_end alerts under its own name,
// and does not make the team's daily pipeline look failing.
TEST_F(PipelinesServeTest, AFailureStreakAlertsForItsOwnPipelineOnly) {
  add_team(1, "North");
  write_file(dir_ / "orchestrator.toml",
             "[notify]\nalert_after_failures = 2\n\n"
             "[pipelines.month_end]\ncommand = [\"/bin/false\"]\ncron = \"0 4 1 * *\"\n");
  auto run = [&](const std::string& pipeline,
                 const std::map<std::string, std::string>& extra_env = {}) {
    auto result = orch({"run", "--team", "1", "--pipeline", pipeline}, extra_env);
    return lines_containing(result.out + result.err, "team_failing");
  };
  const std::map<std::string, std::string> failing_daily{{"PIPELINE_COMMAND", R"(["/bin/false"])"}};
  EXPECT_TRUE(run("daily", failing_daily).empty());
  EXPECT_TRUE(run("month_end").empty());
  // Month_end's second failure in a row is its streak; daily's failure before it is not counted.
  auto alert = run("month_end");
  ASSERT_EQ(alert.size(), 1u);
  EXPECT_NE(alert[0].find("pipeline=month_end"), std::string::npos) << alert[0];
  EXPECT_NE(alert[0].find("consecutive_failures=2"), std::string::npos) << alert[0];
  // Daily's second failure in a row alerts for daily, counting only its own runs.
  alert = run("daily", failing_daily);
  ASSERT_EQ(alert.size(), 1u);
  EXPECT_NE(alert[0].find("pipeline=daily"), std::string::npos) << alert[0];
  EXPECT_NE(alert[0].find("consecutive_failures=2"), std::string::npos) << alert[0];
  EXPECT_EQ(runs_json({"--status", "failed"}).size(), 4u);
}

// Rows of a psql query, one line each.
std::vector<std::string> rows(const CommandResult& result) {
  EXPECT_EQ(result.exit_code, 0) << result.err;
  std::vector<std::string> out;
  std::istringstream in(result.out);
  for (std::string line; std::getline(in, line);) {
    out.push_back(line);
  }
  return out;
}

TEST_F(PipelinesServeTest, ThreeReplicasRunEachOfTwoPipelinesOfThirtyTeamsExactlyOnce) {
  TestDatabase database(Backend::kPostgres, dir_.path());
  if (!database.available()) {
    GTEST_SKIP() << "no PostgreSQL server (run the tests under scripts/with_test_services.sh)";
  }
  env_["DATABASE_URL"] = database.url();
  auto one = [&](const std::string& query) {
    auto r = rows(database.query(query));
    return r.empty() ? std::string() : r.front();
  };
  constexpr int kTeams = 30;
  for (int team = 1; team <= kTeams; ++team) {
    add_team(team, "Team " + std::to_string(team));
    write_tape(team_inputs(team), team % 5 + 1, team % 3, today_utc_compact());
  }
  // `daily` is the bundled pipeline; `reconciliation` runs it too, on a schedule of its own that
  // fires at the same instant.
  const std::string slot = utc_time_in(6);
  write_file(dir_ / "orchestrator.toml", std::string("[pipelines.reconciliation]\ncommand = [\"") +
                                             ORCH_EXAMPLE_PIPELINE + "\"]\nrun_time = \"" + slot +
                                             "\"\n");
  std::vector<std::unique_ptr<BackgroundProcess>> replicas;
  for (int i = 0; i < 3; ++i) {
    replicas.push_back(serve({{"DAILY_RUN_TIME", slot}}));
  }
  for (auto& replica : replicas) {
    ASSERT_TRUE(wait_for_log(*replica, "ready")) << replica->output();
  }
  ASSERT_TRUE(wait_until(
      [&] {
        return one("SELECT COUNT(*) FROM pipeline_runs WHERE status <> 'running'") ==
               std::to_string(2 * kTeams);
      },
      seconds(90)))
      << one("SELECT COUNT(*) FROM pipeline_runs") << replicas[0]->output();
  // Stopped: a late claim by any replica would be recorded by now.
  for (auto& replica : replicas) {
    replica->send_signal(SIGTERM);
  }
  for (auto& replica : replicas) {
    EXPECT_EQ(replica->wait(seconds(15)), 0) << replica->output();
  }

  EXPECT_EQ(
      rows(database.query("SELECT pipeline, status, attempt, COUNT(*), COUNT(DISTINCT "
                          "team_key) FROM pipeline_runs GROUP BY pipeline, status, attempt "
                          "ORDER BY pipeline")),
      (std::vector<std::string>{"daily|completed|1|30|30", "reconciliation|completed|1|30|30"}));
  EXPECT_EQ(one("SELECT COUNT(*) FROM pipeline_runs WHERE triggered_by NOT IN ('schedule', "
                "'catchup')"),
            "0");
  EXPECT_EQ(one("SELECT COUNT(*) FROM (SELECT team_key, pipeline, slot_key FROM pipeline_runs "
                "GROUP BY team_key, pipeline, slot_key HAVING COUNT(*) > 1) d"),
            "0");
  // Each pipeline of team 7 read the team's tape into its own run.
  for (const std::string pipeline : {"daily", "reconciliation"}) {
    auto team_7 = runs_json({"--team", "7", "--pipeline", pipeline});
    ASSERT_EQ(team_7.size(), 1u) << pipeline;
    EXPECT_EQ(team_7[0]["total_loans"], 7 % 5 + 1 + 7 % 3) << pipeline;
    EXPECT_EQ(team_7[0]["exceptions_count"], 7 % 3) << pipeline;
  }
  EXPECT_FALSE(names_in(team_outputs(7) / "output").empty());
  EXPECT_EQ(names_in(team_outputs(7) / "output"),
            names_in(team_outputs(7) / "pipelines" / "reconciliation" / "output"));
}

}  // namespace
}  // namespace orch::testing
