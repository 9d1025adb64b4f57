#include "pipeline/team_tree.h"

#include <string>
#include <vector>

#include <gtest/gtest.h>

#include "tests/support/temp_dir.h"

namespace orch::pipeline {
namespace {

namespace fs = std::filesystem;
using orch::testing::TempDir;
using orch::testing::write_file;

// The temp folder as prepare() reports it: resolved, in case /tmp itself is a symlink.
fs::path real(const TempDir& dir) {
  return fs::weakly_canonical(dir.path());
}

std::vector<fs::path> all_folders(const RunFolders& f) {
  return {f.input_root, f.input_dir, f.output_root, f.output_dir, f.output_share_dir, f.runs_dir};
}

TEST(TeamTree, FoldersOfATeamAreInItsOwnSubtree) {
  TeamTree tree("/data/in", "/data/out");
  RunFolders f = tree.folders(TeamId{3});
  EXPECT_EQ(f.input_root, fs::path("/data/in/sales_team_3"));
  EXPECT_EQ(f.input_dir, fs::path("/data/in/sales_team_3/files_required"));
  EXPECT_EQ(f.output_root, fs::path("/data/out/sales_team_3"));
  EXPECT_EQ(f.output_dir, fs::path("/data/out/sales_team_3/output"));
  EXPECT_EQ(f.output_share_dir, fs::path("/data/out/sales_team_3/output_share"));
  EXPECT_EQ(f.runs_dir, fs::path("/data/out/sales_team_3/runs"));
}

TEST(TeamTree, FoldersOfTheGeneralRunAreAtTheRoots) {
  TeamTree tree("/data/in", "/data/out");
  RunFolders f = tree.folders(std::nullopt);
  EXPECT_EQ(f.input_root, fs::path("/data/in"));
  EXPECT_EQ(f.input_dir, fs::path("/data/in/files_required"));
  EXPECT_EQ(f.output_root, fs::path("/data/out"));
  EXPECT_EQ(f.output_dir, fs::path("/data/out/output"));
  EXPECT_EQ(f.output_share_dir, fs::path("/data/out/output_share"));
  EXPECT_EQ(f.runs_dir, fs::path("/data/out/runs"));
}

TEST(TeamTree, FoldersDoNotTouchTheDisk) {
  TempDir tmp;
  TeamTree tree(tmp / "in", tmp / "out");
  (void)tree.folders(TeamId{1});
  EXPECT_FALSE(fs::exists(tmp / "in"));
  EXPECT_FALSE(fs::exists(tmp / "out"));
}

// The published outputs are not among them: the first run makes them (publish_outputs).
TEST(TeamTree, PrepareCreatesEveryMissingFolderButThePublishedOutputs) {
  for (const std::optional<TeamId>& team :
       {std::optional<TeamId>(TeamId{3}), std::optional<TeamId>(std::nullopt)}) {
    SCOPED_TRACE(describe_team(team));
    TempDir tmp;
    TeamTree tree(tmp / "in", tmp / "out");
    auto prepared = tree.prepare(team);
    ASSERT_TRUE(prepared) << prepared.error().message;
    EXPECT_EQ(prepared->input_dir,
              TeamTree(real(tmp) / "in", real(tmp) / "out").folders(team).input_dir);
    for (const fs::path& folder : all_folders(*prepared)) {
      SCOPED_TRACE(folder.string());
      const bool published = folder == prepared->output_dir || folder == prepared->output_share_dir;
      EXPECT_EQ(fs::is_directory(folder), !published);
      EXPECT_EQ(fs::exists(fs::symlink_status(folder)), !published);
    }
  }
}

// A link to the outputs of a run whose folder is gone is replaced at the next publish.
TEST(TeamTree, PrepareAcceptsADanglingOutputLinkInsideTheTree) {
  for (const std::optional<TeamId>& team :
       {std::optional<TeamId>(TeamId{3}), std::optional<TeamId>(std::nullopt)}) {
    SCOPED_TRACE(describe_team(team));
    TempDir tmp;
    const RunFolders f = TeamTree(tmp / "in", tmp / "out").folders(team);
    fs::create_directories(f.runs_dir);
    fs::create_directory_symlink("runs/run_gone/output", f.output_dir);
    auto prepared = TeamTree(tmp / "in", tmp / "out").prepare(team);
    ASSERT_TRUE(prepared) << prepared.error().message;
    EXPECT_TRUE(fs::is_symlink(prepared->output_dir));
  }
}

TEST(TeamTree, PrepareKeepsWhatIsAlreadyThere) {
  TempDir tmp;
  TeamTree tree(tmp / "in", tmp / "out");
  ASSERT_TRUE(tree.prepare(TeamId{3}));
  write_file(tmp / "out/sales_team_3/output/report.csv", "last good run");
  auto again = tree.prepare(TeamId{3});
  ASSERT_TRUE(again) << again.error().message;
  EXPECT_EQ(orch::testing::read_file(tmp / "out/sales_team_3/output/report.csv"), "last good run");
}

TEST(TeamTree, PrepareRefusesAFolderLinkedIntoAnotherTeamsTree) {
  TempDir tmp;
  fs::create_directories(tmp / "out/sales_team_4/output");
  fs::create_directories(tmp / "out/sales_team_3");
  fs::create_directory_symlink("../sales_team_4/output", tmp / "out/sales_team_3/output");
  TeamTree tree(tmp / "in", tmp / "out");
  auto prepared = tree.prepare(TeamId{3});
  ASSERT_FALSE(prepared);
  EXPECT_EQ(prepared.error().code, ErrorCode::kInvalidArgument);
  fs::path root = real(tmp) / "out";
  EXPECT_EQ(prepared.error().message, "folder " + (root / "sales_team_3/output").string() +
                                          " leads outside team 3's tree (to " +
                                          (root / "sales_team_4/output").string() + "); refused");
}

// A tree that was fine at the last run is checked again at the next: a folder swapped for a
// symlink meanwhile is refused, whichever way it escapes.
TEST(TeamTree, PrepareRefusesAnEscapePlantedAfterTheTreeWasPrepared) {
  TempDir tmp;
  TeamTree tree(tmp / "in", tmp / "out");
  ASSERT_TRUE(tree.prepare(TeamId{3}));
  ASSERT_TRUE(tree.prepare(TeamId{4}));
  fs::path root = real(tmp) / "out";
  struct Swap {
    std::string folder;  // below out/sales_team_3
    std::string target;
    std::string leads_to;
  };
  for (const Swap& swap :
       {Swap{"runs", "../sales_team_4/runs", (root / "sales_team_4/runs").string()},
        Swap{"output_share", "/etc", "/etc"}}) {
    SCOPED_TRACE(swap.folder);
    fs::path folder = tmp / "out/sales_team_3" / swap.folder;
    fs::remove(folder);
    fs::create_directory_symlink(swap.target, folder);
    auto prepared = tree.prepare(TeamId{3});
    ASSERT_FALSE(prepared);
    EXPECT_EQ(prepared.error().code, ErrorCode::kInvalidArgument);
    EXPECT_EQ(prepared.error().message, "folder " + (root / "sales_team_3" / swap.folder).string() +
                                            " leads outside team 3's tree (to " + swap.leads_to +
                                            "); refused");
    fs::remove(folder);
    ASSERT_TRUE(tree.prepare(TeamId{3}));  // the folder comes back, and all is well again
  }
  fs::path team_folder = tmp / "in/sales_team_3";
  fs::remove_all(team_folder);
  fs::create_directory_symlink("sales_team_4", team_folder);
  auto prepared = tree.prepare(TeamId{3});
  ASSERT_FALSE(prepared);
  EXPECT_NE(prepared.error().message.find("leads outside team 3's tree"), std::string::npos)
      << prepared.error().message;
}

struct EscapeCase {
  std::string name;
  std::string link;    // relative to the temp folder
  std::string target;  // absolute, or relative to the link's folder
  std::string leads_to;
};

// Plants the case's symlink in a fresh tree and expects prepare(team 3) to refuse it, creating
// nothing in `elsewhere` through the link.
void expect_escape_refused(const EscapeCase& c, const TempDir& elsewhere) {
  SCOPED_TRACE(c.name);
  TempDir tmp;
  fs::create_directories(tmp / "in/sales_team_4/files_required");
  fs::create_directories((tmp / c.link).parent_path());
  fs::create_directory_symlink(c.target, tmp / c.link);
  auto prepared = TeamTree(tmp / "in", tmp / "out").prepare(TeamId{3});
  ASSERT_FALSE(prepared);
  EXPECT_EQ(prepared.error().code, ErrorCode::kInvalidArgument);
  const std::string& message = prepared.error().message;
  EXPECT_NE(message.find("folder " + (real(tmp) / c.link).string() + " leads outside team 3's"),
            std::string::npos)
      << message;
  EXPECT_NE(message.find(c.leads_to + ")"), std::string::npos) << message;
  for (const char* created : {"new_runs", "files_required", "output", "output_share", "runs"}) {
    EXPECT_FALSE(fs::exists(elsewhere / created)) << created;
  }
}

TEST(TeamTree, PrepareRefusesEveryKindOfEscape) {
  TempDir elsewhere;  // another folder under /tmp, outside the tree
  fs::create_directories(elsewhere / "shared");
  const std::string outside = real(elsewhere).string();
  const std::vector<EscapeCase> cases = {
      {"inputs to /etc", "in/sales_team_3/files_required", "/etc", "/etc"},
      {"share to a folder elsewhere in /tmp", "out/sales_team_3/output_share", outside + "/shared",
       outside + "/shared"},
      {"runs to a folder elsewhere that does not exist yet", "out/sales_team_3/runs",
       outside + "/new_runs", outside + "/new_runs"},
      {"the team folder to another team's", "in/sales_team_3", "sales_team_4", "/in/sales_team_4"},
      {"the team folder to a folder elsewhere", "out/sales_team_3", outside, outside},
      {"up and out with ..", "out/sales_team_3/output", "../../../x", "/x"},
  };
  for (const EscapeCase& c : cases) {
    expect_escape_refused(c, elsewhere);
  }
}

TEST(TeamTree, PrepareAcceptsASymlinkThatStaysInsideTheTree) {
  TempDir tmp;
  fs::create_directories(tmp / "out/sales_team_3/archive/2026");
  fs::create_directory_symlink("archive/2026", tmp / "out/sales_team_3/output");
  // Also one that leaves the team's folder by name and comes back into it.
  fs::create_directories(tmp / "out/sales_team_3/history");
  fs::create_directory_symlink("../sales_team_3/history", tmp / "out/sales_team_3/runs");
  for (int run = 1; run <= 2; ++run) {
    SCOPED_TRACE(run);
    auto prepared = TeamTree(tmp / "in", tmp / "out").prepare(TeamId{3});
    ASSERT_TRUE(prepared) << prepared.error().message;
    EXPECT_EQ(prepared->output_dir, real(tmp) / "out/sales_team_3/output");
    EXPECT_EQ(prepared->runs_dir, real(tmp) / "out/sales_team_3/runs");
  }
}

TEST(TeamTree, PrepareAcceptsRootsThatAreThemselvesSymlinks) {
  TempDir tmp;
  fs::create_directories(tmp / "disk/in");
  fs::create_directories(tmp / "disk/out");
  fs::create_directory_symlink(tmp / "disk/in", tmp / "in");
  fs::create_directory_symlink(tmp / "disk/out", tmp / "out");
  for (const std::optional<TeamId>& team :
       {std::optional<TeamId>(TeamId{7}), std::optional<TeamId>(std::nullopt)}) {
    SCOPED_TRACE(describe_team(team));
    for (int run = 1; run <= 2; ++run) {  // creating the tree, then finding it in place
      SCOPED_TRACE(run);
      auto prepared = TeamTree(tmp / "in", tmp / "out").prepare(team);
      ASSERT_TRUE(prepared) << prepared.error().message;
      EXPECT_EQ(prepared->input_dir.parent_path(),
                team ? real(tmp) / "disk/in/sales_team_7" : real(tmp) / "disk/in");
      EXPECT_EQ(prepared->runs_dir.parent_path(),
                team ? real(tmp) / "disk/out/sales_team_7" : real(tmp) / "disk/out");
      EXPECT_TRUE(fs::is_directory(prepared->runs_dir));
    }
  }
}

TEST(TeamTree, GeneralRunMayNotLeadIntoATeamsTree) {
  TempDir tmp;
  fs::create_directories(tmp / "out/sales_team_3/output");
  fs::create_directory_symlink("sales_team_3/output", tmp / "out/output");
  auto prepared = TeamTree(tmp / "in", tmp / "out").prepare(std::nullopt);
  ASSERT_FALSE(prepared);
  EXPECT_EQ(prepared.error().code, ErrorCode::kInvalidArgument);
  EXPECT_NE(prepared.error().message.find("leads outside the general run's tree"),
            std::string::npos)
      << prepared.error().message;
}

TEST(TeamTree, PrepareRefusesATeamIdThatIsNotPositive) {
  TempDir tmp;
  auto prepared = TeamTree(tmp / "in", tmp / "out").prepare(TeamId{0});
  ASSERT_FALSE(prepared);
  EXPECT_EQ(prepared.error().code, ErrorCode::kInvalidArgument);
  EXPECT_FALSE(fs::exists(tmp / "in"));
}

TEST(TeamTree, PrepareReportsAFolderThatCannotBeCreated) {
  TempDir tmp;
  write_file(tmp / "out/sales_team_3", "a file where a folder should be");
  auto prepared = TeamTree(tmp / "in", tmp / "out").prepare(TeamId{3});
  ASSERT_FALSE(prepared);
  EXPECT_EQ(prepared.error().code, ErrorCode::kUnavailable);
  EXPECT_NE(prepared.error().message.find("cannot create folder"), std::string::npos)
      << prepared.error().message;
}

TEST(TeamTree, CheckInsideComparesPathComponentsNotStrings) {
  TempDir tmp;
  for (const char* folder : {"a/b/c", "a/b2", "a/bb/c"}) {
    fs::create_directories(tmp / folder);
  }
  struct Case {
    std::string path;
    std::string root;
    bool inside;
  };
  const std::vector<Case> cases = {
      {"a/b", "a/b", true},      {"a/b/c", "a/b", true},   {"a/b/c/", "a/b", true},
      {"a/b2", "a/b", false},    {"a/bb/c", "a/b", false}, {"a", "a/b", false},
      {"a/b/c/..", "a/b", true}, {"a/b/..", "a/b", false},
  };
  for (const Case& c : cases) {
    SCOPED_TRACE(c.path + " in " + c.root);
    Status s = TeamTree::check_inside(tmp / c.path, tmp / c.root);
    EXPECT_EQ(static_cast<bool>(s), c.inside) << (s ? "" : s.error().message);
    if (!s) {
      EXPECT_EQ(s.error().code, ErrorCode::kInvalidArgument);
    }
  }
}

TEST(TeamTree, CheckInsideFollowsSymlinks) {
  TempDir tmp;
  fs::create_directories(tmp / "tree/real");
  fs::create_directories(tmp / "other");
  write_file(tmp / "other/secret.csv", "x");
  fs::create_directory_symlink("real", tmp / "tree/inside");
  fs::create_symlink(tmp / "other/secret.csv", tmp / "tree/outside.csv");
  EXPECT_TRUE(TeamTree::check_inside(tmp / "tree/inside", tmp / "tree"));
  Status s = TeamTree::check_inside(tmp / "tree/outside.csv", tmp / "tree");
  ASSERT_FALSE(s);
  EXPECT_NE(s.error().message.find((tmp / "tree/outside.csv").string()), std::string::npos);
  EXPECT_NE(s.error().message.find("(to " + (real(tmp) / "other/secret.csv").string() + ")"),
            std::string::npos)
      << s.error().message;
}

TEST(TeamTree, CheckInsideFailsForAPathThatDoesNotExist) {
  TempDir tmp;
  Status s = TeamTree::check_inside(tmp / "missing", tmp.path());
  ASSERT_FALSE(s);
  EXPECT_EQ(s.error().code, ErrorCode::kInvalidArgument);
  EXPECT_NE(s.error().message.find((tmp / "missing").string()), std::string::npos);
}

}  // namespace
}  // namespace orch::pipeline
