#include "pipeline/run_outputs.h"

#include <chrono>
#include <filesystem>
#include <string>
#include <vector>

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

// Gives `path` a modification time `age` in the past, so that pruning's order is known.
void age_by(const fs::path& path, std::chrono::hours age) {
  fs::last_write_time(path, fs::file_time_type::clock::now() - age);
}

TEST(PruneRunFolders, RemovesTheOldestRunFoldersBeyondTheKeptOnes) {
  Tree tree("run_00000000000000a1");
  fs::path middle = tree.add_run("run_00000000000000a2");
  fs::path newest = tree.add_run("run_00000000000000a3");
  age_by(tree.run_dir, std::chrono::hours(3));
  age_by(middle, std::chrono::hours(2));
  ASSERT_TRUE(prune_run_folders(tree.folders, 1));
  EXPECT_FALSE(fs::exists(tree.run_dir));
  EXPECT_FALSE(fs::exists(middle));
  EXPECT_TRUE(fs::exists(newest));
}

// Issue 13: outputs kept aside at the first switch ("before_<run_id>") were removed once they
// were older than the kept runs. Pruning now touches nothing that is not a run folder it made.
TEST(PruneRunFolders, NeverTouchesWhatIsNotARunFolder) {
  Tree tree("run_00000000000000b1");
  write_file(tree.folders.output_dir / "old_report.csv", "old");
  ASSERT_TRUE(publish_outputs(tree.folders, tree.run_dir));
  const fs::path kept = tree.folders.runs_dir / "before_run_00000000000000b1";
  ASSERT_EQ(read_file(kept / "output" / "old_report.csv"), "old");
  const fs::path outsider = tree.tmp / "outsider";
  write_file(outsider / "data.csv", "theirs");
  const std::vector<fs::path> not_runs = {
      kept,
      tree.folders.runs_dir / "notes",                  // a person's folder
      tree.folders.runs_dir / "run_00000000000000B2",   // upper-case hex: not an id we make
      tree.folders.runs_dir / "run_00000000000000b",    // too short
      tree.folders.runs_dir / "run_00000000000000b2x",  // too long
  };
  for (const fs::path& dir : not_runs) {
    fs::create_directories(dir);
    write_file(dir / "keep.txt", "mine");
  }
  const fs::path link = tree.folders.runs_dir / "run_00000000000000b3";  // a link named like a run
  fs::create_directory_symlink(outsider, link);
  write_file(tree.folders.runs_dir / "run_00000000000000b4", "a file named like a run");
  const fs::path newer = tree.add_run("run_00000000000000b5");
  for (const fs::path& dir : not_runs) {
    age_by(dir, std::chrono::hours(100));
  }
  age_by(tree.run_dir, std::chrono::hours(50));

  ASSERT_TRUE(prune_run_folders(tree.folders, 1));
  for (const fs::path& dir : not_runs) {
    SCOPED_TRACE(dir.filename().string());
    EXPECT_TRUE(fs::exists(dir / "keep.txt"));
  }
  EXPECT_EQ(read_file(kept / "output" / "old_report.csv"), "old");
  EXPECT_TRUE(fs::is_symlink(link));
  EXPECT_EQ(read_file(outsider / "data.csv"), "theirs");
  EXPECT_TRUE(fs::is_regular_file(tree.folders.runs_dir / "run_00000000000000b4"));
  EXPECT_TRUE(fs::exists(newer));
  EXPECT_TRUE(fs::exists(tree.run_dir)) << "the published run is kept";

  // The published run, once no longer linked, is pruned like any run folder; the rest stays.
  ASSERT_TRUE(publish_outputs(tree.folders, newer));
  ASSERT_TRUE(prune_run_folders(tree.folders, 1));
  EXPECT_FALSE(fs::exists(tree.run_dir));
  EXPECT_TRUE(fs::exists(kept / "output" / "old_report.csv"));
  EXPECT_TRUE(fs::exists(tree.folders.runs_dir / "notes" / "keep.txt"));
}

// An operator removes run folders by hand, or adds one back: pruning counts what is there at each
// run, never recreates what was removed, and removes only the oldest beyond the kept ones.
TEST(PruneRunFolders, CountsWhatAnOperatorLeftAtEachRun) {
  Tree tree("run_00000000000000c1");
  const fs::path second = tree.add_run("run_00000000000000c2");
  const fs::path third = tree.add_run("run_00000000000000c3");
  age_by(tree.run_dir, std::chrono::hours(3));
  age_by(second, std::chrono::hours(2));
  age_by(third, std::chrono::hours(1));
  ASSERT_TRUE(prune_run_folders(tree.folders, 3));
  ASSERT_TRUE(fs::exists(tree.run_dir));

  fs::remove_all(second);  // by hand
  const fs::path fourth = tree.add_run("run_00000000000000c4");
  ASSERT_TRUE(prune_run_folders(tree.folders, 3));
  EXPECT_TRUE(fs::exists(tree.run_dir)) << "three run folders are left: none is beyond the kept";
  EXPECT_FALSE(fs::exists(second)) << "never recreated";
  EXPECT_TRUE(fs::exists(third));
  EXPECT_TRUE(fs::exists(fourth));

  // One copied back by hand, newer than the rest, counts like any run folder.
  const fs::path back = tree.add_run("run_00000000000000c5");
  ASSERT_TRUE(prune_run_folders(tree.folders, 3));
  EXPECT_FALSE(fs::exists(tree.run_dir)) << "the oldest of four is removed";
  EXPECT_TRUE(fs::exists(third));
  EXPECT_TRUE(fs::exists(fourth));
  EXPECT_TRUE(fs::exists(back));
}

}  // namespace
}  // namespace orch::pipeline
