#include "pipeline/kept_trees.h"

#include <fcntl.h>

#include <string>

#include <gtest/gtest.h>

#include "config/base/owned_fd.h"
#include "pipeline/team_tree.h"
#include "tests/support/temp_dir.h"

namespace orch::pipeline {
namespace {

namespace fs = std::filesystem;
using orch::testing::TempDir;
using orch::testing::write_file;

std::size_t open_descriptors() {
  std::size_t count = 0;
  for ([[maybe_unused]] const auto& entry : fs::directory_iterator("/proc/self/fd")) {
    ++count;
  }
  return count;
}

// The roots exist, as they do once the service has run once: a tree found below them is kept.
TeamTree tree_on_roots(const TempDir& tmp) {
  fs::create_directories(tmp / "in");
  fs::create_directories(tmp / "out");
  return TeamTree(tmp / "in", tmp / "out");
}

// A team's tree is remembered after its first run; the next run finds the same folders.
TEST(KeptTrees, TheNextRunOfATeamFindsTheSameFolders) {
  TempDir tmp;
  TeamTree tree = tree_on_roots(tmp);
  auto first = tree.prepare(TeamId{3});
  ASSERT_TRUE(first) << first.error().message;
  write_file(first->runs_dir / "earlier/pipeline.log", "x");
  auto second = tree.prepare(TeamId{3});
  ASSERT_TRUE(second) << second.error().message;
  EXPECT_EQ(second->runs_dir, first->runs_dir);
  EXPECT_EQ(second->input_dir, first->input_dir);
  EXPECT_TRUE(fs::exists(second->runs_dir / "earlier/pipeline.log"));
}

// A kept tree whose folder was moved out of the tree and replaced by a symlink to where it went
// is the same folder at the end of the name, but no longer inside: refused, as on a first run.
TEST(KeptTrees, AKeptFolderMovedOutAndLinkedBackIsRefused) {
  TempDir tmp;
  TeamTree tree = tree_on_roots(tmp);
  ASSERT_TRUE(tree.prepare(TeamId{3}));
  ASSERT_EQ(tree.kept_trees(), 1U);
  fs::create_directories(tmp / "elsewhere");
  const fs::path elsewhere = fs::canonical(tmp / "elsewhere") / "runs";
  fs::rename(tmp / "out/sales_team_3/runs", elsewhere);
  fs::create_directory_symlink(elsewhere, tmp / "out/sales_team_3/runs");
  auto prepared = tree.prepare(TeamId{3});
  ASSERT_FALSE(prepared);
  EXPECT_EQ(prepared.error().code, ErrorCode::kInvalidArgument);
  EXPECT_NE(prepared.error().message.find("leads outside team 3's tree (to " + elsewhere.string()),
            std::string::npos)
      << prepared.error().message;
}

// The team's whole folder replaced by a new one (a restore, a move by hand): the next run uses
// and completes the new folder, not the kept one.
TEST(KeptTrees, ATeamFolderReplacedIsFoundAnew) {
  TempDir tmp;
  TeamTree tree = tree_on_roots(tmp);
  auto first = tree.prepare(TeamId{3});
  ASSERT_TRUE(first);
  ASSERT_EQ(tree.kept_trees(), 1U);
  write_file(first->runs_dir / "old-run/pipeline.log", "x");
  fs::rename(tmp / "out/sales_team_3", tmp / "out/moved_away");
  fs::create_directory(tmp / "out/sales_team_3");
  auto second = tree.prepare(TeamId{3});
  ASSERT_TRUE(second) << second.error().message;
  EXPECT_TRUE(fs::is_directory(tmp / "out/sales_team_3/runs"));
  EXPECT_FALSE(fs::exists(second->runs_dir / "old-run"));
  EXPECT_TRUE(fs::exists(tmp / "out/moved_away/runs/old-run/pipeline.log"));
}

// The team's folder swapped for a symlink to another team's, after it was kept: refused.
TEST(KeptTrees, ATeamFolderSwappedForALinkAfterItWasKeptIsRefused) {
  TempDir tmp;
  TeamTree tree = tree_on_roots(tmp);
  ASSERT_TRUE(tree.prepare(TeamId{3}));
  ASSERT_TRUE(tree.prepare(TeamId{4}));
  ASSERT_EQ(tree.kept_trees(), 2U);
  fs::rename(tmp / "out/sales_team_3", tmp / "out/moved_away");
  fs::create_directory_symlink("sales_team_4", tmp / "out/sales_team_3");
  auto prepared = tree.prepare(TeamId{3});
  ASSERT_FALSE(prepared);
  EXPECT_NE(prepared.error().message.find("leads outside team 3's tree"), std::string::npos)
      << prepared.error().message;
}

// Keeping trees costs no descriptor: many teams, each prepared twice, leave none open.
TEST(KeptTrees, ManyTeamsKeepNoDescriptorOpen) {
  TempDir tmp;
  TeamTree tree = tree_on_roots(tmp);
  const std::size_t before = open_descriptors();
  for (int round = 0; round < 2; ++round) {
    for (std::int64_t id = 1; id <= 300; ++id) {
      ASSERT_TRUE(tree.prepare(TeamId{id}));
    }
  }
  EXPECT_EQ(tree.kept_trees(), 300U);
  EXPECT_EQ(open_descriptors(), before);
}

// Beyond its limit, the memory of trees starts afresh instead of growing.
TEST(KeptTrees, KeepsNoMoreTreesThanItsLimit) {
  TempDir tmp;
  KeptTrees kept(4);
  fs::create_directories(tmp / "folder");
  OwnedFd fd(::open((tmp / "folder").c_str(), O_PATH | O_DIRECTORY | O_CLOEXEC));
  auto identity = folder_identity(fd.get());
  ASSERT_TRUE(identity);
  const KeptTree same{*identity, *identity, *identity, *identity};
  for (std::int64_t id = 1; id <= 10; ++id) {
    kept.keep(TeamId{id}, same, tmp.path(), tmp.path());
    EXPECT_LE(kept.size(), 4U);
  }
  EXPECT_GE(kept.size(), 1U);
}

}  // namespace
}  // namespace orch::pipeline
