#include "pipeline/isolation.h"

#include <algorithm>
#include <string>
#include <vector>

#include <gtest/gtest.h>

#include "pipeline/landlock.h"
#include "tests/support/temp_dir.h"

namespace orch::pipeline {
namespace {

namespace fs = std::filesystem;
using orch::testing::TempDir;
using orch::testing::write_file;

bool holds(const std::vector<fs::path>& paths, const fs::path& path) {
  return std::find(paths.begin(), paths.end(), path) != paths.end();
}

// Whether `paths` grant anything at or beneath `path`, or a folder holding it.
bool reaches(const std::vector<fs::path>& paths, const fs::path& path) {
  return std::any_of(paths.begin(), paths.end(), [&](const fs::path& p) {
    const auto [a, b] = std::mismatch(p.begin(), p.end(), path.begin(), path.end());
    return a == p.end() || b == path.end();
  });
}

// An installation in `root`: data/ holds the inputs, outputs and SQLite database; tools/ the
// pipeline; etc/ the configuration.
class SandboxPlanTest : public ::testing::Test {
 protected:
  SandboxPlanTest() : root_(fs::weakly_canonical(dir_.path())) {
    config_.paths.input_dir = root_ / "data" / "inputs";
    config_.paths.output_dir = root_ / "data" / "outputs";
    config_.database.url = "sqlite:" + (root_ / "data" / "orchestrator.db").string();
    config_.source_file = root_ / "etc" / "orchestrator.toml";
    config_.pipeline.sandbox_helper = "/nonexistent/orchestrator-sandbox";
    write_file(*config_.source_file, "");
    write_file(root_ / "etc" / "reference.csv", "");
    write_file(root_ / "tools" / "pipeline.sh", "#!/bin/sh\n");
    write_file(root_ / "data" / "pipeline.sh", "#!/bin/sh\n");
    write_file(root_ / "data" / "orchestrator.db", "");
    for (const char* name : {"tools/pipeline.sh", "data/pipeline.sh"}) {
      fs::permissions(root_ / name, fs::perms::owner_all);
    }
    fs::create_directories(config_.paths.input_dir);
    fs::create_directories(config_.paths.output_dir);
  }

  Sandbox plan_for(const fs::path& program, const std::optional<TeamId>& team) {
    ProcessSpec spec;
    spec.argv = {program.string()};
    spec.env = {{"PATH", "/usr/bin:/bin"}};
    spec.working_dir = run_dir_;
    for (const char* name : {"output", "output_share", "tmp"}) {
      fs::create_directories(run_dir_ / name);
    }
    spec.env["OUTPUT_DIR"] = (run_dir_ / "output").string();
    spec.env["OUTPUT_SHARE_DIR"] = (run_dir_ / "output_share").string();
    spec.env["TMPDIR"] = (run_dir_ / "tmp").string();
    spec.env["RESULT_FILE"] = (run_dir_ / "result.json").string();
    TeamTree tree(config_.paths.input_dir, config_.paths.output_dir);
    return SandboxPlan(config_).for_run(spec, tree.folders(team), team);
  }

  TempDir dir_;
  fs::path root_;
  config::Config config_;
  fs::path run_dir_ = root_ / "data" / "outputs" / "sales_team_1" / "runs" / "run_1";
};

TEST_F(SandboxPlanTest, ATeamReadsItsInputTreeAndTheSystemAndWritesItsOutputsOnly) {
  Sandbox s = plan_for(root_ / "tools" / "pipeline.sh", TeamId{1});
  EXPECT_EQ(s.helper, config_.pipeline.sandbox_helper);
  EXPECT_EQ(s.read_write, (std::vector<fs::path>{run_dir_ / "output", run_dir_ / "output_share",
                                                 run_dir_ / "tmp", run_dir_ / "result.json"}));
  EXPECT_TRUE(holds(s.read_only, run_dir_));
  EXPECT_TRUE(holds(s.read_only, config_.paths.input_dir / "sales_team_1"));
  EXPECT_TRUE(holds(s.read_only, config_.paths.input_dir / "sales_team_1" / "files_required"));
  EXPECT_TRUE(holds(s.read_only, "/usr"));
  EXPECT_TRUE(holds(s.read_only, "/etc"));
  EXPECT_TRUE(holds(s.read_only, root_ / "tools"));
  EXPECT_FALSE(reaches(s.read_only, "/proc")) << "another process's environ is readable there";
  EXPECT_FALSE(reaches(s.read_only, config_.paths.input_dir / "sales_team_2"));
  EXPECT_FALSE(reaches(s.read_only, config_.paths.output_dir / "sales_team_2"));
  EXPECT_FALSE(reaches(s.read_only, config_.paths.output_dir / "sales_team_1" / "output"));
  EXPECT_FALSE(holds(s.read_only, config_.paths.output_dir));
  EXPECT_FALSE(reaches(s.read_only, *config_.source_file));
}

// The system's folders and the devices are opened once for every run; a folder of the user's
// (read_paths, the pipeline's own) is opened per run, so a deployment that swaps it is followed.
TEST_F(SandboxPlanTest, TheSystemsFoldersAreHeldOpenTheUsersFoldersAreNot) {
  fs::create_directories(root_ / "models");
  config_.pipeline.read_paths = {root_ / "models"};
  Sandbox s = plan_for(root_ / "tools" / "pipeline.sh", TeamId{1});
  ASSERT_NE(s.held, nullptr);
  EXPECT_NE(s.held->find("/usr"), std::nullopt);
  EXPECT_NE(s.held->find("/etc"), std::nullopt);
  EXPECT_NE(s.held->find("/dev/null"), std::nullopt);
  EXPECT_TRUE(holds(s.read_only, root_ / "models"));
  EXPECT_EQ(s.held->find(root_ / "models"), std::nullopt);
  EXPECT_EQ(s.held->find(root_ / "tools"), std::nullopt);
  EXPECT_EQ(s.held->find(run_dir_), std::nullopt);
}

TEST_F(SandboxPlanTest, TheGeneralRunReadsOnlyItsOwnInputsNotTheTeamsBeneathThem) {
  Sandbox s = plan_for(root_ / "tools" / "pipeline.sh", std::nullopt);
  EXPECT_TRUE(holds(s.read_only, config_.paths.input_dir / "files_required"));
  EXPECT_FALSE(holds(s.read_only, config_.paths.input_dir));
}

TEST_F(SandboxPlanTest, AProgramBesideTheDataIsGrantedAloneNotItsFolder) {
  Sandbox s = plan_for(root_ / "data" / "pipeline.sh", TeamId{1});
  EXPECT_TRUE(holds(s.read_only, root_ / "data" / "pipeline.sh"));
  EXPECT_FALSE(holds(s.read_only, root_ / "data"));
  EXPECT_FALSE(reaches(s.read_only, root_ / "data" / "orchestrator.db"));
}

TEST_F(SandboxPlanTest, AFolderHoldingTheServicesFilesIsGrantedAroundThem) {
  // settle_isolation() refuses such a read path; the plan still never opens the files.
  config_.pipeline.read_paths = {root_};
  Sandbox s = plan_for(root_ / "tools" / "pipeline.sh", TeamId{1});
  EXPECT_TRUE(holds(s.read_only, root_ / "tools"));
  EXPECT_TRUE(holds(s.read_only, root_ / "etc" / "reference.csv"));
  EXPECT_FALSE(holds(s.read_only, root_));
  EXPECT_FALSE(holds(s.read_only, root_ / "etc"));
  EXPECT_FALSE(reaches(s.read_only, *config_.source_file));
  EXPECT_FALSE(reaches(s.read_only, root_ / "data" / "orchestrator.db"));
}

TEST_F(SandboxPlanTest, SettleRefusesReadPathsThatHoldOrLieInTheServicesFiles) {
  config_.pipeline.isolation = config::Isolation::kNone;
  for (const fs::path& path : {root_, root_ / "data", root_ / "data" / "inputs" / "shared",
                               root_ / "etc" / "orchestrator.toml"}) {
    SCOPED_TRACE(path.string());
    config_.pipeline.read_paths = {path};
    auto settled = settle_isolation(config_);
    ASSERT_FALSE(settled);
    EXPECT_EQ(settled.error().code, ErrorCode::kInvalidArgument);
    EXPECT_NE(settled.error().message.find("pipeline.read_paths"), std::string::npos);
    EXPECT_NE(settled.error().message.find(path.string()), std::string::npos);
  }
  config_.pipeline.read_paths = {root_ / "tools"};
  EXPECT_TRUE(settle_isolation(config_));
}

TEST_F(SandboxPlanTest, SettleSaysWhyThereIsNoSandboxAndRefusesWhenItIsRequired) {
  config_.pipeline.isolation = config::Isolation::kNone;
  auto off = settle_isolation(config_);
  ASSERT_TRUE(off);
  EXPECT_EQ(describe(*off), "none (pipeline.isolation = \"none\")");

  config_.pipeline.isolation = config::Isolation::kLandlock;  // but the helper is missing
  auto missing = settle_isolation(config_);
  ASSERT_TRUE(missing);
  EXPECT_EQ(missing->kind, config::Isolation::kNone);
  EXPECT_NE(missing->reason.find("/nonexistent/orchestrator-sandbox"), std::string::npos);

  config_.pipeline.isolation_required = true;
  auto refused = settle_isolation(config_);
  ASSERT_FALSE(refused);
  EXPECT_EQ(refused.error().code, ErrorCode::kInvalidArgument);
  EXPECT_NE(refused.error().message.find("pipeline.isolation_required"), std::string::npos);
  EXPECT_EQ(refused.error().message.find('\n'), std::string::npos);
}

TEST(IsolationInForce, SaysWhatAnOlderKernelCannotRefuse) {
  using config::Isolation;
  EXPECT_EQ(describe({Isolation::kLandlock, 7, ""}), "landlock (ABI 7)");
  EXPECT_EQ(describe({Isolation::kLandlock, 6, ""}), "landlock (ABI 6)");
  EXPECT_NE(describe({Isolation::kLandlock, 5, ""}).find("signals"), std::string::npos);
  EXPECT_NE(describe({Isolation::kLandlock, 2, ""}).find("truncating"), std::string::npos);
  EXPECT_EQ(describe({Isolation::kNone, 0, "why"}), "none (why)");
}

}  // namespace
}  // namespace orch::pipeline
