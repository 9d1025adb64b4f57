#include <signal.h>

#include <algorithm>
#include <set>

#include <date/date.h>

#include "tests/e2e/e2e_fixture.h"

namespace orch::testing {
namespace {

using std::chrono::seconds;

// Backfill ranges in the past, away from today's date.
constexpr const char* kDay1 = "2026-01-05";  // a Monday
constexpr const char* kDay2 = "2026-01-06";  // a Tuesday: its purchase date is a week later
constexpr const char* kDay3 = "2026-01-07";

nlohmann::json oldest_first(nlohmann::json runs) {
  std::reverse(runs.begin(), runs.end());
  return runs;
}

TEST_F(E2eTest, BackfillRunsEachDayOldestFirstWithThatDaysDates) {
  add_team(3, "East");
  // Tapes dated the 5th and the 7th: the 6th sees the 5th's, the newest on or before it.
  write_tape(team_inputs(3), 4, 0, "20260105");
  write_tape(team_inputs(3), 9, 1, "20260107");
  auto result = orch({"backfill", "--team", "3", "--from", kDay1, "--to", kDay3});
  ASSERT_EQ(result.exit_code, 0) << result.err << result.out;
  EXPECT_NE(result.out.find("[1/3] 2026-01-05: completed"), std::string::npos) << result.out;
  EXPECT_NE(result.out.find("[3/3] 2026-01-07: completed"), std::string::npos) << result.out;
  EXPECT_NE(result.out.find("3 completed, 0 failed, 0 skipped"), std::string::npos) << result.out;

  auto runs = oldest_first(runs_json());
  ASSERT_EQ(runs.size(), 3u);
  const std::vector<std::string> run_dates{kDay1, kDay2, kDay3};
  const std::vector<std::string> purchase_dates{"2026-01-06", "2026-01-13", "2026-01-13"};
  const std::vector<int> loans{4, 4, 10};
  for (std::size_t i = 0; i < 3; ++i) {
    SCOPED_TRACE(run_dates[i]);
    EXPECT_EQ(runs[i]["triggered_by"], "backfill");
    EXPECT_EQ(runs[i]["status"], "completed");
    EXPECT_EQ(runs[i]["run_date"], run_dates[i]);
    EXPECT_EQ(runs[i]["purchase_date"], purchase_dates[i]);
    EXPECT_EQ(runs[i]["total_loans"], loans[i]);
    EXPECT_TRUE(runs[i]["scheduled_for"].is_null());
  }
  EXPECT_LT(runs[0]["started_at"].get<std::string>(), runs[1]["started_at"].get<std::string>());
  EXPECT_LT(runs[1]["started_at"].get<std::string>(), runs[2]["started_at"].get<std::string>());
}

TEST_F(E2eTest, BackfillSkipsCompletedDaysUnlessForced) {
  add_team(3, "East");
  ASSERT_EQ(orch({"backfill", "--team", "3", "--from", kDay2, "--to", kDay2}).exit_code, 0);
  // The 1st day fails: it is not completed, so the next backfill runs it again.
  auto first = orch({"backfill", "--team", "3", "--from", kDay1, "--to", kDay1},
                    {{"PIPELINE_COMMAND", R"(["/bin/sh", "-c", "exit 3"])"}});
  EXPECT_EQ(first.exit_code, 1);
  EXPECT_NE(first.out.find("0 completed, 1 failed"), std::string::npos) << first.out;

  auto again = orch({"backfill", "--team", "3", "--from", kDay1, "--to", kDay3});
  ASSERT_EQ(again.exit_code, 0) << again.err << again.out;
  EXPECT_NE(again.out.find("[2/3] 2026-01-06: skipped"), std::string::npos) << again.out;
  EXPECT_NE(again.out.find("2 completed, 0 failed, 1 skipped"), std::string::npos) << again.out;
  EXPECT_EQ(runs_json({"--status", "completed"}).size(), 3u);

  auto forced = orch({"backfill", "--team", "3", "--from", kDay1, "--to", kDay3, "--force"});
  ASSERT_EQ(forced.exit_code, 0) << forced.err;
  EXPECT_EQ(runs_json({"--status", "completed"}).size(), 6u);
}

TEST_F(E2eTest, BackfillCanBeInterruptedAndResumed) {
  add_team(3, "East");
  // The second day's pipeline hangs until it is stopped.
  nlohmann::json hanging = {"/bin/sh", "-c",
                            std::string("if [ \"$RUN_DATE\" = ") + kDay2 + " ]; then sleep 60; fi"};
  CommandOptions options;
  options.working_dir = dir_.path();
  options.env = env_;
  options.env["PIPELINE_COMMAND"] = hanging.dump();
  BackgroundProcess backfill(
      {ORCH_BINARY, "backfill", "--team", "3", "--from", kDay1, "--to", kDay3}, options,
      dir_ / "backfill.log");
  // The first day's quick run may be seen running too: wait for the second's.
  ASSERT_TRUE(wait_until(
      [&] {
        auto running = runs_json({"--status", "running"});
        return !running.empty() && running[0]["run_date"] == kDay2;
      },
      seconds(20)))
      << runs_json().dump(2) << backfill.output();
  backfill.send_signal(SIGINT);
  EXPECT_EQ(backfill.wait(seconds(20)), 1) << backfill.output();
  EXPECT_NE(backfill.output().find("interrupted at 2026-01-06"), std::string::npos)
      << backfill.output();
  auto runs = oldest_first(runs_json());
  ASSERT_EQ(runs.size(), 2u) << runs.dump(2);
  EXPECT_EQ(runs[0]["status"], "completed");
  EXPECT_EQ(runs[1]["status"], "interrupted");

  auto resumed = orch({"backfill", "--team", "3", "--from", kDay1, "--to", kDay3});
  ASSERT_EQ(resumed.exit_code, 0) << resumed.err << resumed.out;
  EXPECT_NE(resumed.out.find("2 completed, 0 failed, 1 skipped"), std::string::npos) << resumed.out;
  std::set<std::string> completed;
  for (const auto& r : runs_json({"--status", "completed"})) {
    completed.insert(r["run_date"].get<std::string>());
  }
  EXPECT_EQ(completed, (std::set<std::string>{kDay1, kDay2, kDay3}));
}

TEST_F(E2eTest, BackfillRefusesBadRanges) {
  add_team(3, "East");
  auto reversed = orch({"backfill", "--team", "3", "--from", kDay3, "--to", kDay1});
  EXPECT_EQ(reversed.exit_code, 2);
  EXPECT_NE(reversed.err.find("is before --from"), std::string::npos) << reversed.err;
  std::string after_tomorrow =
      date::format("%F", date::floor<date::days>(std::chrono::system_clock::now()) + date::days(2));
  auto future = orch({"backfill", "--team", "3", "--from", kDay1, "--to", after_tomorrow});
  EXPECT_EQ(future.exit_code, 2);
  EXPECT_NE(future.err.find("is in the future"), std::string::npos) << future.err;
  auto neither = orch({"backfill", "--from", kDay1, "--to", kDay1});
  EXPECT_EQ(neither.exit_code, 2);
  auto unknown = orch({"backfill", "--team", "9", "--from", kDay1, "--to", kDay1});
  EXPECT_EQ(unknown.exit_code, 2);
  EXPECT_TRUE(runs_json().empty());
}

TEST_F(E2eTest, BackfillOfTheGeneralRun) {
  auto result = orch({"backfill", "--general", "--from", kDay1, "--to", kDay2});
  ASSERT_EQ(result.exit_code, 0) << result.err << result.out;
  auto runs = runs_json({"--team", "general"});
  ASSERT_EQ(runs.size(), 2u);
  EXPECT_TRUE(runs[0]["sales_team_id"].is_null());
}

}  // namespace
}  // namespace orch::testing
