#include "pipeline/run_outputs.h"

#include <filesystem>
#include <string>

#include <gtest/gtest.h>

#include "tests/support/temp_dir.h"

namespace orch::pipeline {
namespace {

namespace fs = std::filesystem;
using orch::testing::read_file;
using orch::testing::TempDir;
using orch::testing::write_file;

// A prepared tree for team 3 and a run folder in it with one file in each output.
struct Tree {
  TempDir tmp;
  RunFolders folders;
  fs::path run_dir;

  explicit Tree(const std::string& run_id) {
    auto prepared = TeamTree(tmp / "in", tmp / "out").prepare(TeamId{3});
    EXPECT_TRUE(prepared) << prepared.error().message;
    folders = *prepared;
    run_dir = add_run(run_id);
  }
  fs::path add_run(const std::string& run_id) const {
    fs::path dir = folders.runs_dir / run_id;
    const RunOutputDirs outputs = run_output_dirs(dir);
    write_file(outputs.output_dir / "report.csv", run_id);
    write_file(outputs.output_share_dir / "summary.json", run_id);
    return dir;
  }
};

TEST(PublishOutputs, TheFirstPublishMakesTheLinks) {
  Tree tree("run_a");
  ASSERT_TRUE(publish_outputs(tree.folders, tree.run_dir));
  EXPECT_EQ(fs::read_symlink(tree.folders.output_dir), fs::path("runs/run_a/output"));
  EXPECT_EQ(fs::read_symlink(tree.folders.output_share_dir), fs::path("runs/run_a/output_share"));
  EXPECT_EQ(read_file(tree.folders.output_dir / "report.csv"), "run_a");
}

// Left by a switch that stopped half way (the service killed between its steps): the staged
// link, or the folder an exchange had swapped out.
TEST(PublishOutputs, ASwitchCutShortIsCompletedByTheNextPublish) {
  Tree tree("run_a");
  fs::create_directory_symlink("runs/elsewhere", tree.folders.output_root / ".output.run_a");
  fs::create_directory(tree.folders.output_root / ".output_share.run_a");
  ASSERT_TRUE(publish_outputs(tree.folders, tree.run_dir));
  EXPECT_EQ(fs::read_symlink(tree.folders.output_dir), fs::path("runs/run_a/output"));
  EXPECT_EQ(fs::read_symlink(tree.folders.output_share_dir), fs::path("runs/run_a/output_share"));
  EXPECT_FALSE(fs::exists(fs::symlink_status(tree.folders.output_root / ".output.run_a")));
  EXPECT_FALSE(fs::exists(tree.folders.output_root / ".output_share.run_a"));
}

TEST(PublishOutputs, EmptyFoldersFromAFailedFirstRunAreReplacedByTheLinks) {
  Tree tree("run_b");
  ASSERT_TRUE(ensure_output_folders(tree.folders));
  ASSERT_TRUE(fs::is_directory(tree.folders.output_dir));
  EXPECT_FALSE(fs::is_symlink(tree.folders.output_dir));
  ASSERT_TRUE(publish_outputs(tree.folders, tree.run_dir));
  EXPECT_EQ(fs::read_symlink(tree.folders.output_dir), fs::path("runs/run_b/output"));
  EXPECT_FALSE(fs::exists(tree.folders.runs_dir / "before_run_b"));  // empty: nothing kept
}

TEST(PublishOutputs, EnsuringTheFoldersKeepsPublishedLinks) {
  Tree tree("run_a");
  ASSERT_TRUE(publish_outputs(tree.folders, tree.run_dir));
  ASSERT_TRUE(ensure_output_folders(tree.folders));
  EXPECT_EQ(fs::read_symlink(tree.folders.output_dir), fs::path("runs/run_a/output"));
}

}  // namespace
}  // namespace orch::pipeline
