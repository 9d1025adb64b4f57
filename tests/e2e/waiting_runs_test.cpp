// What can happen to a run while it waits for its inputs: its team paused and resumed, its
// window ending while paused, its team rescheduled, the service stopped or killed (on both
// database backends). Real files, a real `serve`.

#include <signal.h>

#include <fstream>
#include <thread>

#include <date/date.h>

#include "tests/e2e/e2e_fixture.h"

namespace orch::testing {
namespace {

using std::chrono::seconds;

constexpr std::string_view kTape = "loan_id,borrower,amount\n1,a,10\n";

// Today's (UTC) loan tape name, as the pattern below expands it for a slot today.
std::string todays_tape() {
  return "loans_" +
         date::format("%Y%m%d", date::floor<date::days>(std::chrono::system_clock::now())) + ".csv";
}

void write_file(const std::filesystem::path& path, std::string_view text) {
  std::filesystem::create_directories(path.parent_path());
  std::ofstream(path) << text;
}

// `serve` with runs that wait up to `wait` seconds for today's loan tape, settled after 1 s.
std::map<std::string, std::string> waiting_env(const std::string& slot, int wait) {
  return {{"DAILY_RUN_TIME", slot},
          {"GENERAL_RUN_ENABLED", "false"},
          {"PIPELINE_WAIT_FOR_INPUTS_SECONDS", std::to_string(wait)},
          {"PIPELINE_INPUT_SETTLE_SECONDS", "1"},
          {"PIPELINE_COMMAND", R"(["/bin/sh", "-c", "ls \"$INPUT_DIR\" > \"$OUTPUT_DIR/seen\""])"}};
}

void write_required_inputs(const std::filesystem::path& dir) {
  std::ofstream(dir / "orchestrator.toml")
      << "[pipeline]\nrequired_inputs = [\"loans_{run_date:%Y%m%d}.csv\"]\n";
}

class WaitingRunsTest : public E2eTest {
 protected:
  void SetUp() override { write_required_inputs(dir_.path()); }

  nlohmann::json team_runs(int team) { return runs_json({"--team", std::to_string(team)}); }

  bool wait_for_status(int team, const std::string& status, seconds timeout) {
    return wait_until(
        [&] {
          auto runs = team_runs(team);
          return !runs.empty() && runs[0]["status"] == status;
        },
        timeout);
  }

  void expect_ok(const std::vector<std::string>& args) {
    auto result = orch(args);
    ASSERT_EQ(result.exit_code, 0) << result.out << result.err;
  }
};

// Paused while it waits, the run stays a waiting row and does not start when its inputs come;
// resumed within its window, it starts at once.
TEST_F(WaitingRunsTest, APausedWaitingRunStartsOnlyOnceResumedWithinItsWindow) {
  add_team(1, "North");
  auto service = serve(waiting_env(utc_time_in(3), 120));
  ASSERT_TRUE(wait_for_log(*service, "ready")) << service->output();
  ASSERT_TRUE(wait_for_status(1, "waiting", seconds(20))) << runs_json().dump(2);
  expect_ok({"teams", "pause", "1"});
  expect_ok({"reschedule"});

  write_file(team_inputs(1) / todays_tape(), kTape);
  // Settled after 1 s, ready after it; paused, it does not start.
  std::this_thread::sleep_for(seconds(4));
  auto paused = team_runs(1);
  ASSERT_EQ(paused.size(), 1u) << paused.dump(2);
  EXPECT_EQ(paused[0]["status"], "waiting") << "started while its team was paused";
  EXPECT_TRUE(paused[0]["started_at"].is_null());

  auto resumed = std::chrono::steady_clock::now();
  expect_ok({"teams", "resume", "1"});
  expect_ok({"reschedule"});
  ASSERT_TRUE(wait_for_status(1, "completed", seconds(20)))
      << runs_json().dump(2) << service->output();
  // The resume checks it at once, not at the next poll.
  EXPECT_LT(std::chrono::steady_clock::now() - resumed, seconds(10));
  service->send_signal(SIGTERM);
  ASSERT_EQ(service->wait(seconds(15)), 0);
  auto runs = team_runs(1);
  ASSERT_EQ(runs.size(), 1u) << runs.dump(2);
  EXPECT_EQ(runs[0]["run_id"], paused[0]["run_id"]);
}

// A window that ends while the team is paused records the run missed_inputs, saying it was
// paused: team 1's tape came (it would have run), team 2's did not, team 3 paused only `daily`.
TEST_F(WaitingRunsTest, AWindowEndingWhilePausedIsMissedInputsSayingSo) {
  add_team(1, "North");
  add_team(2, "South");
  add_team(3, "East");
  auto service = serve(waiting_env(utc_time_in(3), 10));
  ASSERT_TRUE(wait_for_log(*service, "ready")) << service->output();
  for (int team : {1, 2, 3}) {
    ASSERT_TRUE(wait_for_status(team, "waiting", seconds(20))) << runs_json().dump(2);
  }
  expect_ok({"teams", "pause", "1"});
  expect_ok({"teams", "pause", "2"});
  expect_ok({"teams", "pause", "3", "--pipeline", "daily"});
  expect_ok({"reschedule"});
  write_file(team_inputs(1) / todays_tape(), kTape);

  for (int team : {1, 2, 3}) {
    ASSERT_TRUE(wait_for_status(team, "missed_inputs", seconds(30)))
        << runs_json().dump(2) << service->output();
  }
  service->send_signal(SIGTERM);
  ASSERT_EQ(service->wait(seconds(15)), 0);

  auto one = team_runs(1)[0];
  EXPECT_NE(one["error"].get<std::string>().find("not started by"), std::string::npos) << one;
  EXPECT_NE(one["error"].get<std::string>().find("team 1 was paused"), std::string::npos) << one;
  auto two = team_runs(2)[0];
  EXPECT_NE(two["error"].get<std::string>().find("not ready by"), std::string::npos) << two;
  EXPECT_NE(two["error"].get<std::string>().find(todays_tape()), std::string::npos) << two;
  EXPECT_NE(two["error"].get<std::string>().find("team 2 was paused"), std::string::npos) << two;
  auto three = team_runs(3)[0];
  EXPECT_NE(three["error"].get<std::string>().find("team 3's pipeline daily was paused"),
            std::string::npos)
      << three;
  for (int team : {1, 2, 3}) {
    auto runs = team_runs(team);
    ASSERT_EQ(runs.size(), 1u) << runs.dump(2);
    EXPECT_TRUE(runs[0]["started_at"].is_null()) << runs.dump(2);
  }
  EXPECT_FALSE(std::filesystem::exists(team_outputs(1) / "output" / "seen"));
}

// A service started while a paused team's run waits takes the run over all the same: it does not
// start it, and records it missed_inputs, saying why, when its window ends.
TEST_F(WaitingRunsTest, APausedTeamsWaitingRunIsTakenOverAfterARestartAndMissedAtItsEnd) {
  add_team(1, "North");
  const std::string slot = utc_time_in(3);
  auto first = serve(waiting_env(slot, 15));
  ASSERT_TRUE(wait_for_log(*first, "ready")) << first->output();
  ASSERT_TRUE(wait_for_status(1, "waiting", seconds(20))) << runs_json().dump(2);
  expect_ok({"teams", "pause", "1"});
  first->send_signal(SIGKILL);
  first->wait(seconds(15));

  write_file(team_inputs(1) / todays_tape(), kTape);
  auto second = serve(waiting_env(slot, 15));
  ASSERT_TRUE(wait_for_log(*second, "waiting_run_taken_over")) << second->output();
  ASSERT_TRUE(wait_for_status(1, "missed_inputs", seconds(30)))
      << runs_json().dump(2) << second->output();
  second->send_signal(SIGTERM);
  ASSERT_EQ(second->wait(seconds(15)), 0);
  auto runs = team_runs(1);
  ASSERT_EQ(runs.size(), 1u) << runs.dump(2);
  EXPECT_TRUE(runs[0]["started_at"].is_null()) << "started while paused: " << runs.dump(2);
  EXPECT_NE(runs[0]["error"].get<std::string>().find("team 1 was paused"), std::string::npos)
      << runs.dump(2);
}

// A team's run time moved while its run waits: the waiting row keeps its slot, the new time
// adds no second run of the same date, and the run starts once when its tape comes.
TEST_F(WaitingRunsTest, ARescheduledTeamsWaitingRunKeepsItsSlotAndStartsOnce) {
  add_team(1, "North");
  auto service = serve(waiting_env(utc_time_in(3), 120));
  ASSERT_TRUE(wait_for_log(*service, "ready")) << service->output();
  ASSERT_TRUE(wait_for_status(1, "waiting", seconds(20))) << runs_json().dump(2);
  auto waiting = team_runs(1)[0];

  // A time still ahead today, a few seconds away: the schedule moves, the run date stays.
  expect_ok({"teams", "update", "1", "--run-time", utc_time_in(3)});
  expect_ok({"reschedule"});
  std::this_thread::sleep_for(seconds(5));  // past the new time
  auto runs = team_runs(1);
  ASSERT_EQ(runs.size(), 1u) << "a second run of the same date: " << runs.dump(2);
  EXPECT_EQ(runs[0]["status"], "waiting");

  write_file(team_inputs(1) / todays_tape(), kTape);
  ASSERT_TRUE(wait_for_status(1, "completed", seconds(20)))
      << runs_json().dump(2) << service->output();
  service->send_signal(SIGTERM);
  ASSERT_EQ(service->wait(seconds(15)), 0);
  runs = team_runs(1);
  ASSERT_EQ(runs.size(), 1u) << runs.dump(2);
  EXPECT_EQ(runs[0]["run_id"], waiting["run_id"]);
  EXPECT_EQ(runs[0]["scheduled_for"], waiting["scheduled_for"]) << "it kept its slot";
}

// On both backends: a run waits; the service is stopped (SIGTERM), the next one is killed
// (kill -9), and a third starts it once its tape lands. One row, one run.
class WaitingRestartTest : public BackendE2eTest {
 protected:
  void SetUp() override {
    BackendE2eTest::SetUp();
    if (IsSkipped()) {
      return;
    }
    write_required_inputs(dir_.path());
  }
};

TEST_P(WaitingRestartTest, AWaitingRunSurvivesAStopAndAKillAndStartsOnce) {
  add_team(1, "North");
  const std::string slot = utc_time_in(3);
  auto first = serve(waiting_env(slot, 300));
  ASSERT_TRUE(wait_for_log(*first, "ready")) << first->output();
  ASSERT_TRUE(wait_until(
      [&] {
        auto runs = runs_json();
        return !runs.empty() && runs[0]["status"] == "waiting";
      },
      seconds(20)))
      << runs_json().dump(2) << first->output();
  auto waiting = runs_json()[0];
  first->send_signal(SIGTERM);
  ASSERT_EQ(first->wait(seconds(15)), 0) << first->output();

  auto second = serve(waiting_env(slot, 300));
  ASSERT_TRUE(wait_for_log(*second, "waiting_run_taken_over")) << second->output();
  second->send_signal(SIGKILL);
  second->wait(seconds(15));
  EXPECT_EQ(runs_json()[0]["status"], "waiting") << "a killed service leaves it waiting";

  auto third = serve(waiting_env(slot, 300));
  ASSERT_TRUE(wait_for_log(*third, "waiting_run_taken_over")) << third->output();
  write_file(team_inputs(1) / todays_tape(), kTape);
  ASSERT_TRUE(wait_until(
      [&] {
        auto runs = runs_json();
        return !runs.empty() && runs[0]["status"] == "completed";
      },
      seconds(20)))
      << runs_json().dump(2) << third->output();
  third->send_signal(SIGTERM);
  ASSERT_EQ(third->wait(seconds(15)), 0);
  auto runs = runs_json();
  ASSERT_EQ(runs.size(), 1u) << runs.dump(2);
  EXPECT_EQ(runs[0]["run_id"], waiting["run_id"]);
  EXPECT_EQ(runs[0]["scheduled_for"], waiting["scheduled_for"]);
}

INSTANTIATE_TEST_SUITE_P(Backends, WaitingRestartTest,
                         ::testing::Values(Backend::kSqlite, Backend::kPostgres),
                         backend_param_name);

}  // namespace
}  // namespace orch::testing
