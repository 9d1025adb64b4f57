// Runs that wait for their inputs (pipeline.wait_for_inputs_seconds): real files arriving late,
// still growing, a ready marker, a file that never comes, and a restart while a run waits.

#include <signal.h>

#include <fstream>
#include <thread>

#include <date/date.h>

#include "tests/e2e/e2e_fixture.h"

namespace orch::testing {
namespace {

using std::chrono::seconds;

constexpr std::string_view kTape = "loan_id,borrower,amount\n1,a,10\n";

// A slot a few seconds ahead, and its run date's file name (the slot's UTC date).
struct Slot {
  std::string time;        // HH:MM:SS in UTC
  std::string file;        // loans_<YYYYMMDD>.csv of the slot's date
  std::string yesterdays;  // the same, a day before
};

Slot slot_in(int seconds_ahead) {
  auto at = std::chrono::floor<std::chrono::seconds>(std::chrono::system_clock::now()) +
            std::chrono::seconds(seconds_ahead);
  auto day = date::floor<date::days>(at);
  return {date::format("%H:%M:%S", at), "loans_" + date::format("%Y%m%d", day) + ".csv",
          "loans_" + date::format("%Y%m%d", day - date::days(1)) + ".csv"};
}

// An instant as the runs are printed: YYYY-MM-DDTHH:MM:SS.mmmZ, which sorts as text.
std::string iso_ms(std::chrono::system_clock::time_point t) {
  return date::format("%FT%T", std::chrono::floor<std::chrono::milliseconds>(t)) + "Z";
}

void append_to(const std::filesystem::path& path, std::string_view text) {
  std::filesystem::create_directories(path.parent_path());
  std::ofstream(path, std::ios::app) << text;
}

class WaitingInputsTest : public E2eTest {
 protected:
  // `serve` with a run that waits up to `wait` seconds for today's loan tape.
  std::unique_ptr<BackgroundProcess> serve_waiting(const Slot& slot, int wait,
                                                   std::map<std::string, std::string> extra = {}) {
    std::map<std::string, std::string> env{
        {"DAILY_RUN_TIME", slot.time},
        {"GENERAL_RUN_ENABLED", "false"},
        {"PIPELINE_WAIT_FOR_INPUTS_SECONDS", std::to_string(wait)},
        {"PIPELINE_INPUT_SETTLE_SECONDS", "1"},
        {"PIPELINE_COMMAND", R"(["/bin/sh", "-c", "ls \"$INPUT_DIR\" > \"$OUTPUT_DIR/seen\""])"}};
    for (auto& [name, value] : extra) {
      env[name] = value;
    }
    return serve(env);
  }

  std::filesystem::path inputs() const { return team_inputs(1); }

  bool wait_for_status(const std::string& status, seconds timeout) {
    return wait_until(
        [&] {
          auto runs = runs_json();
          return !runs.empty() && runs[0]["status"] == status;
        },
        timeout);
  }

  void SetUp() override {
    add_team(1, "North");
    // orchestrator.toml in the working folder names the pattern: a run waits for its own day's
    // tape, not yesterday's.
    std::ofstream(dir_ / "orchestrator.toml")
        << "[pipeline]\nrequired_inputs = [\"loans_{run_date:%Y%m%d}.csv\"]\n";
  }
};

TEST_F(WaitingInputsTest, ARunWaitsForItsDaysFileAndStartsWhenItArrives) {
  Slot slot = slot_in(3);
  append_to(inputs() / slot.yesterdays, kTape);
  auto service = serve_waiting(slot, 60);
  ASSERT_TRUE(wait_for_log(*service, "ready")) << service->output();
  ASSERT_TRUE(wait_for_status("waiting", seconds(20))) << runs_json().dump(2) << service->output();
  auto waiting = runs_json()[0];
  EXPECT_NE(waiting["error"].get<std::string>().find(slot.file.substr(0, 6)), std::string::npos)
      << waiting.dump(2);
  EXPECT_TRUE(waiting["started_at"].is_null()) << "a waiting run has no process";

  std::this_thread::sleep_for(seconds(2));  // the run keeps waiting: yesterday's file is not it
  EXPECT_EQ(runs_json()[0]["status"], "waiting");
  auto written = std::chrono::system_clock::now();
  append_to(inputs() / slot.file, kTape);
  ASSERT_TRUE(wait_for_status("completed", seconds(20)))
      << runs_json().dump(2) << service->output();
  service->send_signal(SIGTERM);
  ASSERT_EQ(service->wait(seconds(15)), 0);

  auto runs = runs_json();
  ASSERT_EQ(runs.size(), 1u) << "one row, from waiting to completed: " << runs.dump(2);
  EXPECT_EQ(runs[0]["run_id"], waiting["run_id"]);
  EXPECT_TRUE(runs[0]["error"].is_null()) << runs.dump(2);
  // It started once the file had settled, not before it was written.
  EXPECT_GT(runs[0]["started_at"].get<std::string>(), iso_ms(written));
}

// The input folder is watched (inotify): a run starts soon after its file lands even when the
// poll would not look again for an hour.
TEST_F(WaitingInputsTest, AFileLandingStartsTheRunWithoutWaitingForThePoll) {
  Slot slot = slot_in(3);
  auto service = serve_waiting(slot, 7200, {{"SCHEDULER_INPUT_POLL_SECONDS", "3600"}});
  ASSERT_TRUE(wait_for_log(*service, "ready")) << service->output();
  ASSERT_TRUE(wait_for_status("waiting", seconds(20))) << runs_json().dump(2) << service->output();
  ASSERT_TRUE(wait_for_log(*service, "input_folder_watched")) << service->output();
  // The one check right after the watch is in place (for a file that landed meanwhile) is over
  // long before this; from then on only an event (or the hourly poll) makes it look.
  std::this_thread::sleep_for(seconds(2));
  ASSERT_EQ(runs_json()[0]["status"], "waiting");
  auto written = std::chrono::steady_clock::now();
  append_to(inputs() / slot.file, kTape);
  ASSERT_TRUE(wait_for_status("completed", seconds(30)))
      << "not started within 30 s of the file landing (the poll is every hour)\n"
      << runs_json().dump(2) << service->output();
  auto took = std::chrono::steady_clock::now() - written;
  service->send_signal(SIGTERM);
  ASSERT_EQ(service->wait(seconds(15)), 0);
  EXPECT_LT(took, seconds(30));
  EXPECT_EQ(runs_json().size(), 1u);
}

// The end of the window is kept to, however seldom the poll looks.
TEST_F(WaitingInputsTest, TheWindowEndsOnTimeWhateverThePoll) {
  Slot slot = slot_in(3);
  auto service = serve_waiting(slot, 4, {{"SCHEDULER_INPUT_POLL_SECONDS", "3600"}});
  ASSERT_TRUE(wait_for_log(*service, "ready")) << service->output();
  // Recorded at slot + 4 s, give or take a check, not at the hourly poll.
  ASSERT_TRUE(wait_for_status("missed_inputs", seconds(25)))
      << runs_json().dump(2) << service->output();
  service->send_signal(SIGTERM);
  ASSERT_EQ(service->wait(seconds(15)), 0);
  auto runs = runs_json();
  ASSERT_EQ(runs.size(), 1u) << runs.dump(2);
  EXPECT_TRUE(runs[0]["started_at"].is_null()) << runs.dump(2);
}

// The file is there, but still being written: the run starts once it has stopped changing.
TEST_F(WaitingInputsTest, AFileStillGrowingIsWaitedForUntilItSettles) {
  Slot slot = slot_in(3);
  auto service = serve_waiting(slot, 60, {{"PIPELINE_INPUT_SETTLE_SECONDS", "2"}});
  ASSERT_TRUE(wait_for_log(*service, "ready")) << service->output();
  append_to(inputs() / slot.file, "loan_id,borrower,amount\n");
  // Rows keep coming, more often than the settle time, from before the slot to 4 s after it.
  bool seen_waiting = false;
  auto last_write = std::chrono::system_clock::now();
  for (int i = 0; i < 14; ++i) {
    append_to(inputs() / slot.file, std::to_string(i) + ",b,20\n");
    last_write = std::chrono::system_clock::now();
    std::this_thread::sleep_for(std::chrono::milliseconds(500));
    auto runs = runs_json();
    if (!runs.empty()) {
      ASSERT_EQ(runs[0]["status"], "waiting") << "started while the file was still growing";
      seen_waiting = true;
    }
  }
  ASSERT_TRUE(seen_waiting) << service->output();
  ASSERT_TRUE(wait_for_status("completed", seconds(20)))
      << runs_json().dump(2) << service->output();
  service->send_signal(SIGTERM);
  ASSERT_EQ(service->wait(seconds(15)), 0);
  auto runs = runs_json();
  ASSERT_EQ(runs.size(), 1u) << runs.dump(2);
  EXPECT_GE(runs[0]["started_at"].get<std::string>(),
            iso_ms(last_write + std::chrono::seconds(2) - std::chrono::milliseconds(50)))
      << "started before the file had been still for the settle time";
}

// With a ready marker, the inputs are complete when the marker is there, however fresh.
TEST_F(WaitingInputsTest, AReadyMarkerStartsTheRun) {
  Slot slot = slot_in(3);
  auto service = serve_waiting(
      slot, 60, {{"PIPELINE_READY_MARKER", "_SUCCESS"}, {"PIPELINE_INPUT_SETTLE_SECONDS", "3600"}});
  ASSERT_TRUE(wait_for_log(*service, "ready")) << service->output();
  append_to(inputs() / slot.file, kTape);
  ASSERT_TRUE(wait_for_status("waiting", seconds(20))) << runs_json().dump(2) << service->output();
  EXPECT_NE(runs_json()[0]["error"].get<std::string>().find("_SUCCESS"), std::string::npos)
      << runs_json().dump(2);
  append_to(inputs() / "_SUCCESS", "");
  ASSERT_TRUE(wait_for_status("completed", seconds(20)))
      << runs_json().dump(2) << service->output();
  service->send_signal(SIGTERM);
  ASSERT_EQ(service->wait(seconds(15)), 0);
  EXPECT_EQ(runs_json().size(), 1u);
}

// A file that never comes: at the end of the window the run is `missed_inputs`, naming what is
// missing, and people are told.
TEST_F(WaitingInputsTest, AFileThatNeverComesEndsMissedInputsAtTheDeadline) {
  Slot slot = slot_in(3);
  auto service = serve_waiting(slot, 3);
  ASSERT_TRUE(wait_for_log(*service, "ready")) << service->output();
  ASSERT_TRUE(wait_for_status("missed_inputs", seconds(25)))
      << runs_json().dump(2) << service->output();
  ASSERT_TRUE(wait_for_log(*service, "run_missed_inputs")) << service->output();
  service->send_signal(SIGTERM);
  ASSERT_EQ(service->wait(seconds(15)), 0);
  auto runs = runs_json();
  ASSERT_EQ(runs.size(), 1u) << runs.dump(2);
  const std::string error = runs[0]["error"];
  EXPECT_NE(error.find("not ready by"), std::string::npos) << error;
  EXPECT_NE(error.find("loans_" + slot.file.substr(6, 8) + ".csv"), std::string::npos) << error;
  EXPECT_TRUE(runs[0]["started_at"].is_null()) << "never started";
  EXPECT_FALSE(std::filesystem::exists(team_outputs(1) / "output" / "seen"));
}

// A waiting run is a row: a service stopped while it waits leaves it waiting, and the next start
// takes it up and starts it when the file comes. One row, one run.
TEST_F(WaitingInputsTest, ARestartWhileARunWaitsKeepsItWaitingAndRunsItOnce) {
  Slot slot = slot_in(3);
  auto first = serve_waiting(slot, 120);
  ASSERT_TRUE(wait_for_log(*first, "ready")) << first->output();
  ASSERT_TRUE(wait_for_status("waiting", seconds(20))) << runs_json().dump(2) << first->output();
  first->send_signal(SIGTERM);
  ASSERT_EQ(first->wait(seconds(15)), 0) << first->output();
  EXPECT_EQ(runs_json()[0]["status"], "waiting") << "a stop leaves a waiting run waiting";

  auto second = serve_waiting(slot, 120);
  ASSERT_TRUE(wait_for_log(*second, "waiting_run_taken_over")) << second->output();
  append_to(inputs() / slot.file, kTape);
  ASSERT_TRUE(wait_for_status("completed", seconds(20))) << runs_json().dump(2) << second->output();
  second->send_signal(SIGTERM);
  ASSERT_EQ(second->wait(seconds(15)), 0);
  auto runs = runs_json();
  ASSERT_EQ(runs.size(), 1u) << runs.dump(2);
  EXPECT_EQ(runs[0]["status"], "completed");
}

}  // namespace
}  // namespace orch::testing
