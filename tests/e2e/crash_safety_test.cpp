// One small test per crash-safety defect measured before it was fixed: each kills or stops a real
// `serve` or `run` at a moment its pipeline signals (a time mark it writes), then checks what a
// user would see in the run history and in the pipeline's marks.
#include <signal.h>

#include <algorithm>

#include "tests/e2e/crash_fixture.h"

namespace orch::testing {
namespace {

using std::chrono::milliseconds;
using std::chrono::seconds;

class CrashSafetyTest : public CrashTest {
 protected:
  // Every one of `teams` teams has a completed run and no row is running.
  bool all_completed(int teams) const {
    return count("status = 'running'") == 0 &&
           one("SELECT COUNT(DISTINCT sales_team_id) FROM pipeline_runs WHERE status = "
               "'completed'") == std::to_string(teams);
  }

  std::string overlaps_text(int team) const {
    std::string text;
    for (const auto& [a, b] : overlapping(trails(team))) {
      text += "\n  run " + a.run_id + " (pid " + std::to_string(a.pid) + ") and run " + b.run_id +
              " (pid " + std::to_string(b.pid) + ") ran side by side for " +
              std::to_string((std::min(a.last_ns, b.last_ns) - b.first_ns) / 1'000'000) + " ms";
    }
    return text;
  }

  std::string contradictions() const {
    std::string text;
    for (const auto& line : rows_contradicting_marks()) {
      text += "\n  " + line;
    }
    return text;
  }
};

// Issue 12, item 1 (minimal case): the rerun of an abandoned run lived only in memory, so a
// second kill before it started lost the team's day.
TEST_F(CrashSafetyTest, ASlotAbandonedByTwoKillsInARowStillCompletes) {
  add_teams(2);
  std::map<std::string, std::string> env{{"DAILY_RUN_TIME", utc_time_in(3)},
                                         {"MAX_PARALLEL_RUNS", "1"},
                                         {"MISFIRE_GRACE_SECONDS", "3600"},
                                         {"PIPELINE_COMMAND", chaos_command(4000, 4000)}};
  auto first = serve(env);
  int team_a = 0;
  ASSERT_TRUE(poll_until(
      [&] {
        for (int team : {1, 2}) {
          if (longest_elapsed_ms(team) >= 3500) {
            team_a = team;
            return true;
          }
        }
        return false;
      },
      seconds(20), milliseconds(50)))
      << first->output();
  first->send_signal(SIGKILL);  // 3.5 s into the first run (team A's)
  first->wait(seconds(5));
  const std::string first_run = trails(team_a).front().run_id;

  auto second = serve(env);
  ASSERT_TRUE(poll_until(
      [&] {
        return std::max(longest_elapsed_ms(1, {first_run}), longest_elapsed_ms(2, {first_run})) >=
               2000;
      },
      seconds(20), milliseconds(50)))
      << second->output();
  second->send_signal(SIGKILL);  // 2 s into the run the restarted service started
  second->wait(seconds(5));

  auto third = serve(env);
  bool settled = poll_until([&] { return all_completed(2); }, seconds(30));
  third->send_signal(SIGTERM);
  EXPECT_EQ(third->wait(seconds(20)), 0) << third->output();
  EXPECT_TRUE(settled) << "team A = " << team_a << "\nteam 1:" << history(1)
                       << "\nteam 2:" << history(2);
  for (int team : {1, 2}) {
    EXPECT_EQ(count("status = 'completed' AND sales_team_id = " + std::to_string(team)), 1)
        << "team " << team << ":" << history(team);
  }
  EXPECT_EQ(count("status = 'running'"), 0);
}

// Issue 12, item 2: after kill -9 of `serve`, its pipeline kept running beside the rerun.
TEST_F(CrashSafetyTest, APipelineDoesNotOutliveItsKilledServiceNorRunBesideTheRerun) {
  add_teams(1);
  std::map<std::string, std::string> env{{"DAILY_RUN_TIME", utc_time_in(2)},
                                         {"MISFIRE_GRACE_SECONDS", "3600"},
                                         {"PIPELINE_COMMAND", chaos_command(8000, 8000)}};
  auto first = serve(env);
  ASSERT_TRUE(
      poll_until([&] { return longest_elapsed_ms(1) >= 3000; }, seconds(20), milliseconds(50)))
      << first->output();
  first->send_signal(SIGKILL);  // 3 s into an 8 s run
  first->wait(seconds(5));
  const PipelineTrail old = trails(1).front();

  auto second = serve(env);
  ASSERT_TRUE(wait_for_log(*second, "ready")) << second->output();
  // Gone by the time the restarted service is ready (a little later only because this machine's
  // PID 1 reaps orphans every ~2 s; a zombie counts as gone).
  EXPECT_TRUE(poll_until(
      [&] {
        auto live = live_pipelines(dir_.path());
        return std::find(live.begin(), live.end(), old.pid) == live.end();
      },
      seconds(3)))
      << "the pipeline of the killed service (pid " << old.pid << ", run " << old.run_id
      << ") still runs after the restart";

  bool settled = poll_until([&] { return all_completed(1); }, seconds(30));
  second->send_signal(SIGTERM);
  EXPECT_EQ(second->wait(seconds(20)), 0) << second->output();
  ASSERT_TRUE(settled) << history(1) << second->output();
  EXPECT_EQ(overlaps_text(1), "") << "attempts of one slot ran at the same time";
  EXPECT_EQ(contradictions(), "") << history(1);
  EXPECT_EQ(count("status = 'completed'"), 1) << history(1);
  EXPECT_EQ(pipelines_left(), std::vector<int>{});
}

// Issue 12, item 3: a stop sent SIGTERM to running pipelines at once; the grace only delayed
// the SIGKILL.
TEST_F(CrashSafetyTest, SigtermLetsARunInProgressFinishWithinTheShutdownGrace) {
  add_teams(1);
  auto service = serve({{"DAILY_RUN_TIME", utc_time_in(2)},
                        {"SHUTDOWN_GRACE_SECONDS", "10"},
                        {"PIPELINE_COMMAND", chaos_command(3000, 3000)}});
  ASSERT_TRUE(
      poll_until([&] { return longest_elapsed_ms(1) >= 1000; }, seconds(20), milliseconds(50)))
      << service->output();
  service->send_signal(SIGTERM);  // 2 s of the run left, 10 s of grace
  EXPECT_EQ(service->wait(seconds(30)), 0) << service->output();
  EXPECT_EQ(sql("SELECT status, attempt FROM pipeline_runs"),
            std::vector<std::string>{"completed|1"})
      << history(1);
  auto all = trails(1);
  ASSERT_EQ(all.size(), 1u);
  EXPECT_TRUE(all.front().ended) << "the pipeline was stopped after " << all.front().elapsed_ms
                                 << " ms of its 3000";
}

// Issue 12, item 3: an `interrupted` scheduled run was never run again.
TEST_F(CrashSafetyTest, AScheduledRunInterruptedByAStopRunsAgainAtTheNextStart) {
  add_teams(1);
  std::map<std::string, std::string> env{{"DAILY_RUN_TIME", utc_time_in(2)},
                                         {"MISFIRE_GRACE_SECONDS", "3600"},
                                         {"SHUTDOWN_GRACE_SECONDS", "1"},
                                         {"PIPELINE_COMMAND", chaos_command(4000, 4000)}};
  auto service = serve(env);
  ASSERT_TRUE(
      poll_until([&] { return longest_elapsed_ms(1) >= 500; }, seconds(20), milliseconds(50)))
      << service->output();
  service->send_signal(SIGTERM);  // 3.5 s of the run left, 1 s of grace
  ASSERT_EQ(service->wait(seconds(30)), 0) << service->output();
  ASSERT_EQ(one("SELECT status FROM pipeline_runs WHERE attempt = 1"), "interrupted") << history(1);

  auto next = serve(env);
  bool settled = poll_until([&] { return all_completed(1); }, seconds(20));
  next->send_signal(SIGTERM);
  EXPECT_EQ(next->wait(seconds(20)), 0) << next->output();
  EXPECT_TRUE(settled) << "the interrupted slot was not run again:" << history(1);
  EXPECT_EQ(count("status = 'completed'"), 1) << history(1);
  EXPECT_EQ(overlaps_text(1), "");
}

// Issue 12, item 4: slots waiting for a free worker, with the service up all along, were
// recorded `missed` once the misfire grace had passed.
TEST_F(CrashSafetyTest, SlotsWaitingForAFreeWorkerAreNotMissed) {
  constexpr int kTeams = 40;
  add_teams(kTeams);
  auto service = serve({{"DAILY_RUN_TIME", utc_time_in(3)},
                        {"MAX_PARALLEL_RUNS", "4"},
                        {"MISFIRE_GRACE_SECONDS", "3"},
                        {"PIPELINE_COMMAND", chaos_command(1000, 1000)}});
  bool settled =
      poll_until([&] { return count("status <> 'running'") == kTeams && count("TRUE") == kTeams; },
                 seconds(45));
  service->send_signal(SIGTERM);
  EXPECT_EQ(service->wait(seconds(20)), 0) << service->output();
  ASSERT_TRUE(settled) << count("TRUE") << " rows\n" << service->output();
  auto by_status =
      sql("SELECT status, COUNT(*) FROM pipeline_runs GROUP BY status ORDER BY status");
  std::string text;
  for (const auto& row : by_status) {
    text += " " + row;
  }
  EXPECT_EQ(by_status, std::vector<std::string>{"completed|40"}) << "rows by status:" << text;
  EXPECT_EQ(count("status = 'missed'"), 0);
}

// Issue 12, item 6: a `run` killed with kill -9 blocked its team (exit 3) until a `serve` started.
TEST_F(CrashSafetyTest, AKilledForegroundRunDoesNotBlockTheNextRunOfItsTeam) {
  add_teams(1);
  CommandOptions options{dir_.path(), env_, seconds(60)};
  options.env["PIPELINE_COMMAND"] = chaos_command(6000, 6000);
  BackgroundProcess killed({ORCH_BINARY, "run", "--team", "1"}, options, dir_ / "killed-run.log");
  ASSERT_TRUE(
      poll_until([&] { return longest_elapsed_ms(1) >= 500; }, seconds(20), milliseconds(50)))
      << killed.output();
  const PipelineTrail old = trails(1).front();
  killed.send_signal(SIGKILL);
  killed.wait(seconds(5));

  auto next = orch({"run", "--team", "1"}, {{"PIPELINE_COMMAND", chaos_command(500, 500)}});
  EXPECT_EQ(next.exit_code, 0) << "the next run of the team was refused:\n"
                               << next.out << next.err << history(1);
  EXPECT_EQ(one("SELECT status FROM pipeline_runs WHERE run_id = '" + old.run_id + "'"),
            "abandoned")
      << history(1);
  EXPECT_EQ(count("status = 'completed'"), 1) << history(1);
  EXPECT_EQ(count("status = 'running'"), 0) << history(1);
  EXPECT_EQ(overlaps_text(1), "") << "the killed run's pipeline ran beside the next run";
  EXPECT_EQ(pipelines_left(), std::vector<int>{});
}

}  // namespace
}  // namespace orch::testing
