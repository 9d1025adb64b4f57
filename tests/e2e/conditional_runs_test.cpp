// Conditional execution: pipeline.skip_unchanged and pipeline.condition, through `run`.

#include <fstream>

#include "tests/e2e/e2e_fixture.h"

namespace orch::testing {
namespace {

// A pipeline that leaves a trace of having run.
constexpr const char* kMarkingPipeline =
    R"(["/bin/sh", "-c", "echo ran > \"$OUTPUT_DIR/ran.txt\""])";

class ConditionalRunsTest : public E2eTest {
 protected:
  void SetUp() override {
    add_team(1, "North");
    write_tape(team_inputs(1), 3, 0, today_utc_compact());
  }

  nlohmann::json latest() { return runs_json()[0]; }
};

TEST_F(ConditionalRunsTest, UnchangedInputsAreSkippedUntilTheyChangeOrTheRunIsForced) {
  std::map<std::string, std::string> env{{"PIPELINE_SKIP_UNCHANGED", "true"},
                                         {"PIPELINE_COMMAND", kMarkingPipeline}};
  auto first = orch({"run", "--team", "1"}, env);
  ASSERT_EQ(first.exit_code, 0) << first.out << first.err;
  const std::string first_id = latest()["run_id"];
  const auto published = std::filesystem::read_symlink(team_outputs(1) / "output");

  auto again = orch({"run", "--team", "1"}, env);
  EXPECT_EQ(again.exit_code, 0) << "nothing new is not a failure: " << again.out << again.err;
  EXPECT_EQ(latest()["status"], "skipped");
  EXPECT_EQ(latest()["error"], "inputs unchanged since " + first_id);
  EXPECT_EQ(std::filesystem::read_symlink(team_outputs(1) / "output"), published)
      << "a skipped run leaves the outputs as they are";

  auto forced = orch({"run", "--team", "1", "--force"}, env);
  EXPECT_EQ(forced.exit_code, 0) << forced.err;
  EXPECT_EQ(latest()["status"], "completed");

  // One more loan in the tape: the inputs changed, so it runs.
  write_tape(team_inputs(1), 4, 0, today_utc_compact());
  auto changed = orch({"run", "--team", "1"}, env);
  EXPECT_EQ(changed.exit_code, 0) << changed.err;
  EXPECT_EQ(latest()["status"], "completed");
  EXPECT_NE(std::filesystem::read_symlink(team_outputs(1) / "output"), published);
}

TEST_F(ConditionalRunsTest, AConditionDecidesWhetherThePipelineRuns) {
  auto skip = orch({"run", "--team", "1"},
                   {{"PIPELINE_COMMAND", kMarkingPipeline},
                    {"PIPELINE_CONDITION",
                     R"(["/bin/sh", "-c", "echo \"bank holiday $RUN_DATE\"; exit 100"])"}});
  EXPECT_EQ(skip.exit_code, 0) << skip.out << skip.err;
  auto skipped = latest();
  EXPECT_EQ(skipped["status"], "skipped");
  EXPECT_EQ(skipped["error"], "condition: bank holiday " + skipped["run_date"].get<std::string>());
  EXPECT_FALSE(std::filesystem::exists(team_outputs(1) / "output" / "ran.txt"));

  auto go = orch({"run", "--team", "1"}, {{"PIPELINE_COMMAND", kMarkingPipeline},
                                          {"PIPELINE_CONDITION", R"(["/bin/true"])"}});
  EXPECT_EQ(go.exit_code, 0) << go.err;
  EXPECT_EQ(latest()["status"], "completed");
  EXPECT_TRUE(std::filesystem::exists(team_outputs(1) / "output" / "ran.txt"));

  auto broken =
      orch({"run", "--team", "1"}, {{"PIPELINE_COMMAND", kMarkingPipeline},
                                    {"PIPELINE_CONDITION", R"(["/bin/sh", "-c", "exit 3"])"}});
  EXPECT_EQ(broken.exit_code, 1);
  EXPECT_EQ(latest()["status"], "failed");
  EXPECT_NE(latest()["error"].get<std::string>().find("condition exited with code 3"),
            std::string::npos)
      << latest().dump(2);
}

}  // namespace
}  // namespace orch::testing
