#include <filesystem>
#include <fstream>
#include <sstream>

#include "tests/e2e/e2e_fixture.h"

namespace orch::testing {
namespace {

namespace fs = std::filesystem;

std::string read(const fs::path& file) {
  std::ifstream in(file);
  std::ostringstream out;
  out << in.rdbuf();
  return out.str();
}

std::size_t count_folders(const fs::path& dir) {
  std::size_t n = 0;
  for (const auto& entry : fs::directory_iterator(dir)) {
    n += entry.is_directory() ? 1 : 0;
  }
  return n;
}

// A pipeline that writes `name` with `content` into OUTPUT_DIR and OUTPUT_SHARE_DIR, then exits
// with `code`.
std::string writing_pipeline(const std::string& name, const std::string& content, int code) {
  nlohmann::json argv = {"/bin/sh", "-c",
                         "echo '" + content + "' > \"$OUTPUT_DIR/" + name + "\"; echo '" + content +
                             "' > \"$OUTPUT_SHARE_DIR/" + name + "\"; exit " +
                             std::to_string(code)};
  return argv.dump();
}

TEST_F(E2eTest, ACompletedRunSwitchesTheOutputsToItsOwnFolder) {
  add_team(3, "East");
  auto first = orch({"run", "--team", "3"},
                    {{"PIPELINE_COMMAND", writing_pipeline("report.csv", "first", 0)}});
  ASSERT_EQ(first.exit_code, 0) << first.err;
  std::string run_id = runs_json()[0]["run_id"];
  fs::path output = team_outputs(3) / "output";
  EXPECT_TRUE(fs::is_symlink(output));
  EXPECT_EQ(fs::read_symlink(output), fs::path("runs") / run_id / "output");
  EXPECT_EQ(read(output / "report.csv"), "first\n");
  EXPECT_EQ(read(team_outputs(3) / "output_share" / "report.csv"), "first\n");

  auto second = orch({"run", "--team", "3"},
                     {{"PIPELINE_COMMAND", writing_pipeline("other.csv", "second", 0)}});
  ASSERT_EQ(second.exit_code, 0) << second.err;
  // The outputs are the second run's alone: nothing of the first is mixed in.
  EXPECT_EQ(read(output / "other.csv"), "second\n");
  EXPECT_FALSE(fs::exists(output / "report.csv"));
}

TEST_F(E2eTest, AFailedRunLeavesThePreviousOutputsInPlace) {
  add_team(3, "East");
  write_tape(team_inputs(3), 5, 1, today_utc_compact());
  auto good = orch({"run", "--team", "3"});
  ASSERT_EQ(good.exit_code, 0) << good.err;
  fs::path output = team_outputs(3) / "output";
  fs::path linked = fs::read_symlink(output);
  std::vector<std::string> before;
  for (const auto& entry : fs::directory_iterator(output)) {
    before.push_back(entry.path().filename().string());
  }
  ASSERT_FALSE(before.empty());

  auto bad = orch({"run", "--team", "3"},
                  {{"PIPELINE_COMMAND", writing_pipeline("report.csv", "half", 1)}});
  EXPECT_EQ(bad.exit_code, 1);
  EXPECT_EQ(fs::read_symlink(output), linked);
  EXPECT_FALSE(fs::exists(output / "report.csv")) << "the failed run's half output shows";
  std::vector<std::string> after;
  for (const auto& entry : fs::directory_iterator(output)) {
    after.push_back(entry.path().filename().string());
  }
  EXPECT_EQ(after, before);

  auto timed_out =
      orch({"run", "--team", "3"},
           {{"PIPELINE_COMMAND", R"(["/bin/sh", "-c", "touch \"$OUTPUT_DIR/x\"; sleep 30"])"},
            {"PIPELINE_TIMEOUT_SECONDS", "1"}});
  EXPECT_EQ(timed_out.exit_code, 1);
  EXPECT_EQ(fs::read_symlink(output), linked);
}

// Before any good run there is nothing to link to: the outputs are empty folders, and the next
// good run switches them to its own.
TEST_F(E2eTest, AFirstRunThatFailsLeavesEmptyOutputFolders) {
  add_team(3, "East");
  add_team(4, "West");
  auto failed = orch({"run", "--team", "3"},
                     {{"PIPELINE_COMMAND", writing_pipeline("report.csv", "half", 1)}});
  EXPECT_EQ(failed.exit_code, 1);
  write_file(dir_ / "orchestrator.toml", "[pipeline]\nrequired_inputs = [\"loans_*.csv\"]\n");
  auto not_started = orch({"run", "--team", "4"});  // no input: fails before the pipeline starts
  EXPECT_EQ(not_started.exit_code, 1);
  fs::remove(dir_ / "orchestrator.toml");
  for (int team : {3, 4}) {
    SCOPED_TRACE(team);
    for (const char* name : {"output", "output_share"}) {
      fs::path folder = team_outputs(team) / name;
      EXPECT_FALSE(fs::is_symlink(folder)) << name;
      ASSERT_TRUE(fs::is_directory(folder)) << name;
      EXPECT_TRUE(fs::is_empty(folder)) << name;
    }
  }

  auto good = orch({"run", "--team", "3"},
                   {{"PIPELINE_COMMAND", writing_pipeline("report.csv", "good", 0)}});
  ASSERT_EQ(good.exit_code, 0) << good.err;
  EXPECT_TRUE(fs::is_symlink(team_outputs(3) / "output"));
  EXPECT_EQ(read(team_outputs(3) / "output" / "report.csv"), "good\n");
}

TEST_F(E2eTest, KeepsOnlyTheLastRunFolders) {
  add_team(3, "East");
  for (int i = 0; i < 4; ++i) {
    auto r = orch({"run", "--team", "3"},
                  {{"PIPELINE_COMMAND", writing_pipeline("n.txt", std::to_string(i), 0)},
                   {"KEEP_RUNS", "2"}});
    ASSERT_EQ(r.exit_code, 0) << r.err;
  }
  auto runs = runs_json();
  ASSERT_EQ(runs.size(), 4u);
  fs::path runs_dir = team_outputs(3) / "runs";
  EXPECT_EQ(count_folders(runs_dir), 2u);
  EXPECT_TRUE(fs::exists(runs_dir / runs[0]["run_id"].get<std::string>()));
  EXPECT_TRUE(fs::exists(runs_dir / runs[1]["run_id"].get<std::string>()));
  EXPECT_EQ(read(team_outputs(3) / "output" / "n.txt"), "3\n");
}

TEST_F(E2eTest, KeepsTheOutputsOfTheLastGoodRunEvenWhenOlderThanTheKeptFolders) {
  add_team(3, "East");
  ASSERT_EQ(
      orch({"run", "--team", "3"},
           {{"PIPELINE_COMMAND", writing_pipeline("good.txt", "good", 0)}, {"KEEP_RUNS", "1"}})
          .exit_code,
      0);
  for (int i = 0; i < 2; ++i) {
    orch({"run", "--team", "3"},
         {{"PIPELINE_COMMAND", writing_pipeline("bad.txt", "bad", 2)}, {"KEEP_RUNS", "1"}});
  }
  EXPECT_EQ(read(team_outputs(3) / "output" / "good.txt"), "good\n");
  EXPECT_EQ(count_folders(team_outputs(3) / "runs"), 2u) << "the newest, and the one in use";
}

TEST_F(E2eTest, OutputsFromBeforeRunFoldersAreKeptAsideAtTheFirstSwitch) {
  add_team(3, "East");
  write_file(team_outputs(3) / "output" / "old_report.csv", "old\n");
  auto r = orch({"run", "--team", "3"},
                {{"PIPELINE_COMMAND", writing_pipeline("report.csv", "new", 0)}});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  std::string run_id = runs_json()[0]["run_id"];
  EXPECT_TRUE(fs::is_symlink(team_outputs(3) / "output"));
  EXPECT_EQ(read(team_outputs(3) / "output" / "report.csv"), "new\n");
  EXPECT_EQ(read(team_outputs(3) / "runs" / ("before_" + run_id) / "output" / "old_report.csv"),
            "old\n");
}

// Issue 13: the folder kept aside was removed by pruning after `paths.keep_runs` runs, and so
// was anything else a person had put in the runs folder.
TEST_F(E2eTest, PruningKeepsOutputsKeptAsideAndWhatOthersPutInTheRunsFolder) {
  add_team(3, "East");
  write_file(team_outputs(3) / "output" / "old_report.csv", "old\n");
  write_file(team_outputs(3) / "runs" / "notes" / "readme.txt", "mine\n");
  auto first =
      orch({"run", "--team", "3"},
           {{"PIPELINE_COMMAND", writing_pipeline("report.csv", "new", 0)}, {"KEEP_RUNS", "1"}});
  ASSERT_EQ(first.exit_code, 0) << first.err;
  const fs::path kept =
      team_outputs(3) / "runs" / ("before_" + runs_json()[0]["run_id"].get<std::string>());
  ASSERT_EQ(read(kept / "output" / "old_report.csv"), "old\n");
  for (int i = 0; i < 3; ++i) {
    auto r = orch({"run", "--team", "3"},
                  {{"PIPELINE_COMMAND", writing_pipeline("report.csv", std::to_string(i), 0)},
                   {"KEEP_RUNS", "1"}});
    ASSERT_EQ(r.exit_code, 0) << r.err;
  }
  EXPECT_EQ(read(kept / "output" / "old_report.csv"), "old\n");
  EXPECT_EQ(read(team_outputs(3) / "runs" / "notes" / "readme.txt"), "mine\n");
  // Pruning still works: one run folder, the kept outputs and the person's folder.
  EXPECT_EQ(count_folders(team_outputs(3) / "runs"), 3u);
  EXPECT_EQ(read(team_outputs(3) / "output" / "report.csv"), "2\n");
}

}  // namespace
}  // namespace orch::testing
