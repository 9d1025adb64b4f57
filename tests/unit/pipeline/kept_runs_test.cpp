#include "pipeline/kept_runs.h"

#include <chrono>
#include <filesystem>
#include <string>

#include <gtest/gtest.h>

#include "pipeline/team_tree.h"
#include "tests/support/temp_dir.h"

namespace orch::pipeline {
namespace {

namespace fs = std::filesystem;
using orch::testing::TempDir;
using orch::testing::write_file;

// Team 3's tree, with a folder of a person's own in its runs folder, so that the runs folder holds
// more folders than the runs kept from the start.
struct Owner {
  TempDir tmp;
  RunFolders folders;
  KeptRuns kept;

  Owner() {
    auto prepared = TeamTree(tmp / "in", tmp / "out").prepare(TeamId{3});
    EXPECT_TRUE(prepared) << prepared.error().message;
    folders = *prepared;
    fs::create_directories(folders.runs_dir / "notes");
  }
  // A run folder written `age` ago.
  fs::path run(const std::string& digit, std::chrono::hours age) const {
    const fs::path dir = folders.runs_dir / ("run_000000000000000" + digit);
    write_file(dir / "pipeline.log", digit);
    fs::last_write_time(dir, fs::file_time_type::clock::now() - age);
    return dir;
  }
  // The run `dir` ends: its folders are pruned to the newest two.
  void ends(const fs::path& dir) { ASSERT_TRUE(kept.prune(folders, dir, 2)); }
};

TEST(KeptRuns, RemovesTheOldestRunAtEachRunOnceRemembered) {
  Owner owner;
  const fs::path r1 = owner.run("1", std::chrono::hours(40));
  const fs::path r2 = owner.run("2", std::chrono::hours(30));
  const fs::path r3 = owner.run("3", std::chrono::hours(20));
  owner.ends(r3);
  EXPECT_FALSE(fs::exists(r1));
  EXPECT_EQ(owner.kept.size(), 1U);

  const fs::path r4 = owner.run("4", std::chrono::hours(10));
  owner.ends(r4);
  EXPECT_FALSE(fs::exists(r2));
  EXPECT_TRUE(fs::exists(r3));
  EXPECT_TRUE(fs::exists(r4));
  EXPECT_TRUE(fs::exists(owner.folders.runs_dir / "notes"));
  EXPECT_EQ(owner.kept.size(), 1U);
}

// What an operator removed or added by hand between two runs is seen at the next one: nothing
// is recreated, and the oldest run folders that are there are the ones removed.
TEST(KeptRuns, SeesRunFoldersRemovedOrAddedByHand) {
  Owner owner;
  const fs::path r2 = owner.run("2", std::chrono::hours(30));
  const fs::path r3 = owner.run("3", std::chrono::hours(20));
  owner.ends(r3);
  const fs::path r4 = owner.run("4", std::chrono::hours(10));
  owner.ends(r4);
  ASSERT_FALSE(fs::exists(r2));
  ASSERT_TRUE(fs::exists(r3));

  fs::remove_all(r4);  // by hand, the newest
  const fs::path r5 = owner.run("5", std::chrono::hours(5));
  owner.ends(r5);
  EXPECT_FALSE(fs::exists(r4)) << "never recreated";
  EXPECT_TRUE(fs::exists(r3)) << "two run folders are left: none is beyond the kept";
  EXPECT_TRUE(fs::exists(r5));

  // An old run folder put back by hand counts like any other: it is the oldest, and goes.
  const fs::path back = owner.run("9", std::chrono::hours(50));
  const fs::path r6 = owner.run("6", std::chrono::hours(1));
  owner.ends(r6);
  EXPECT_FALSE(fs::exists(back));
  EXPECT_FALSE(fs::exists(r3));
  EXPECT_TRUE(fs::exists(r5));
  EXPECT_TRUE(fs::exists(r6));
  EXPECT_TRUE(fs::exists(owner.folders.runs_dir / "notes"));
}

// A remembered run folder an operator touched since (written into: now newer than the others) is
// no longer the oldest, and is kept; one swapped for a link is never followed nor removed.
TEST(KeptRuns, ChecksTheFolderItRemovesIsTheOneRemembered) {
  Owner owner;
  const fs::path r2 = owner.run("2", std::chrono::hours(30));
  const fs::path r3 = owner.run("3", std::chrono::hours(20));
  owner.ends(r3);
  const fs::path r4 = owner.run("4", std::chrono::hours(10));
  owner.ends(r4);
  ASSERT_TRUE(fs::exists(r3));

  fs::last_write_time(r3, fs::file_time_type::clock::now());  // touched: now the newest
  const fs::path r5 = owner.run("5", std::chrono::hours(5));
  owner.ends(r5);
  EXPECT_TRUE(fs::exists(r3));
  EXPECT_FALSE(fs::exists(r4));
  EXPECT_TRUE(fs::exists(r5));

  const fs::path outsider = owner.tmp / "outsider";
  write_file(outsider / "data.csv", "theirs");
  fs::rename(r5, owner.tmp / "r5");
  fs::create_directory(owner.folders.runs_dir / "other");  // the count stays as remembered
  fs::create_directory_symlink(outsider, r5);
  const fs::path r6 = owner.run("6", std::chrono::hours(1));
  owner.ends(r6);
  EXPECT_TRUE(fs::is_symlink(r5));
  EXPECT_TRUE(fs::exists(outsider / "data.csv"));
  EXPECT_TRUE(fs::exists(r3));
  EXPECT_TRUE(fs::exists(r6));
}

}  // namespace
}  // namespace orch::pipeline
