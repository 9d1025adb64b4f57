#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <chrono>
#include <fstream>
#include <sstream>
#include <string>
#include <vector>

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include "pipeline/input_discovery.h"
#include "pipeline/input_names.h"
#include "pipeline/input_tree.h"
#include "tests/support/temp_dir.h"

namespace orch::pipeline {
namespace {

namespace fs = std::filesystem;
using orch::testing::TempDir;
using orch::testing::write_file;

std::string read(const fs::path& file) {
  std::ifstream in(file, std::ios::binary);
  std::ostringstream out;
  out << in.rdbuf();
  return out.str();
}

struct stat stat_of(const fs::path& file) {
  struct stat st {};
  EXPECT_EQ(::stat(file.c_str(), &st), 0) << file;
  return st;
}

// An input root with teams 3 and 4 and the general run's folder, in a temp folder; each
// discovery snapshots into a fresh run folder.
class InputSnapshotTest : public ::testing::Test {
 protected:
  fs::path inputs() const { return tmp_ / "inputs"; }
  fs::path team_root(int team) const { return inputs() / ("sales_team_" + std::to_string(team)); }
  fs::path team_folder(int team) const { return team_root(team) / "files_required"; }
  fs::path general_folder() const { return inputs() / "files_required"; }

  DiscoveryRequest request(int team, const fs::path& runs = {}) {
    DiscoveryRequest r;
    r.folder = team == 0 ? general_folder() : team_folder(team);
    r.tree_root = team == 0 ? inputs() : team_root(team);
    r.owner = team == 0 ? InputOwner::kGeneral : InputOwner::kTeam;
    r.run_date = Date{date::year(2026), date::month(11), date::day(20)};
    r.snapshot_dir = (runs.empty() ? tmp_ / "runs" : runs) / std::to_string(++runs_) / "inputs";
    fs::create_directories(r.snapshot_dir.parent_path());
    return r;
  }

  // A sparse file of `bytes` zeros: hashing it takes a while, storing it nothing.
  static void write_sparse(const fs::path& file, off_t bytes) {
    fs::create_directories(file.parent_path());
    int fd = ::open(file.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
    ASSERT_GE(fd, 0);
    ASSERT_EQ(::ftruncate(fd, bytes), 0);
    ::close(fd);
  }

  TempDir tmp_;
  int runs_ = 0;
};

TEST_F(InputSnapshotTest, APipelineReadsAHardLinkedSnapshotOfTheCheckedFile) {
  write_file(team_folder(3) / "loans.csv", "team 3's loans");
  auto r = request(3);
  auto found = discover_inputs(r);
  ASSERT_TRUE(found) << found.error().message;
  ASSERT_EQ(found->size(), 1U);
  const fs::path snapshot = r.snapshot_dir / "loans.csv";
  EXPECT_EQ(found->front().path, snapshot);
  // The same inode: nothing was copied.
  EXPECT_EQ(stat_of(snapshot).st_ino, stat_of(team_folder(3) / "loans.csv").st_ino);

  // Swapped afterwards for a link to team 4's file: the snapshot stays team 3's.
  write_file(team_folder(4) / "loans.csv", "team 4's loans");
  fs::remove(team_folder(3) / "loans.csv");
  fs::create_symlink("../../sales_team_4/files_required/loans.csv", team_folder(3) / "loans.csv");
  EXPECT_EQ(read(snapshot), "team 3's loans");
}

TEST_F(InputSnapshotTest, CopiesTheInputWhenTheRunFolderIsOnAnotherFilesystem) {
  // /dev/shm is a tmpfs, the temp folder is not: no hard link can cross.
  const fs::path shm = "/dev/shm";
  ASSERT_NE(stat_of(shm).st_dev, stat_of(tmp_.path()).st_dev);
  std::string pattern = (shm / "orch-test-XXXXXX").string();
  ASSERT_NE(::mkdtemp(pattern.data()), nullptr);
  const fs::path runs = pattern;
  write_file(team_folder(3) / "loans.csv", "team 3's loans");
  const std::array<timespec, 2> times = {{{1795163400, 250000000}, {1795163400, 250000000}}};
  ASSERT_EQ(::utimensat(AT_FDCWD, (team_folder(3) / "loans.csv").c_str(), times.data(), 0), 0);
  auto r = request(3, runs);
  auto found = discover_inputs(r);
  const fs::path snapshot = r.snapshot_dir / "loans.csv";
  std::string copied = read(snapshot);
  bool other_inode = stat_of(snapshot).st_ino != stat_of(team_folder(3) / "loans.csv").st_ino ||
                     stat_of(snapshot).st_dev != stat_of(team_folder(3) / "loans.csv").st_dev;
  fs::remove_all(runs);
  ASSERT_TRUE(found) << found.error().message;
  EXPECT_EQ(copied, "team 3's loans");
  EXPECT_TRUE(other_inode);
  EXPECT_EQ(format_utc(found->front().modified), "2026-11-20T08:30:00.250Z");
}

TEST_F(InputSnapshotTest, AnInputSwappedForALinkOutAfterListingIsRefusedWhenOpened) {
  write_file(team_folder(3) / "loans.csv", "team 3's loans");
  write_file(team_folder(4) / "loans.csv", "team 4's loans");
  auto tree = InputTree::open(team_folder(3), team_root(3), InputOwner::kTeam);
  ASSERT_TRUE(tree) << tree.error().message;
  auto names = tree->list([](std::string_view) { return false; }, 10);
  ASSERT_TRUE(names) << names.error().message;
  ASSERT_EQ(*names, std::vector<std::string>{"loans.csv"});

  // Listed as team 3's file, then swapped, as `ln -sfn ... x && mv -T x loans.csv` does.
  fs::create_symlink("../../sales_team_4/files_required/loans.csv", team_folder(3) / "x");
  fs::rename(team_folder(3) / "x", team_folder(3) / "loans.csv");
  struct stat st {};
  auto opened = tree->open_input("loans.csv", st);
  ASSERT_FALSE(opened);
  EXPECT_EQ(opened.error().code, ErrorCode::kInvalidArgument);
  EXPECT_EQ(opened.error().message,
            (team_folder(3) / "loans.csv").string() + " leads outside " + team_root(3).string() +
                " (a symlink to ../../sales_team_4/files_required/loans.csv); refused");

  // And a FIFO swapped in is refused without hanging on it.
  fs::remove(team_folder(3) / "loans.csv");
  ASSERT_EQ(::mkfifo((team_folder(3) / "loans.csv").c_str(), 0600), 0);
  auto fifo = tree->open_input("loans.csv", st);
  ASSERT_FALSE(fifo);
  EXPECT_NE(fifo.error().message.find("stopped being a regular file"), std::string::npos)
      << fifo.error().message;
}

TEST_F(InputSnapshotTest, AcceptsAnAbsoluteSymlinkThatStaysInsideTheTree) {
  write_file(team_root(3) / "archive/loans.csv", "abc");
  fs::create_directories(team_folder(3));
  fs::create_symlink(team_root(3) / "archive/loans.csv", team_folder(3) / "loans.csv");
  auto found = discover_inputs(request(3));
  ASSERT_TRUE(found) << found.error().message;
  EXPECT_EQ(found->front().sha256,
            "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
}

TEST_F(InputSnapshotTest, RefusesAnInputFolderSwappedForALinkIntoAnotherTeam) {
  write_file(team_folder(4) / "loans.csv", "team 4's loans");
  fs::create_directories(team_root(3));
  fs::create_directory_symlink("../sales_team_4/files_required", team_folder(3));
  auto r = request(3);
  auto found = discover_inputs(r);
  ASSERT_FALSE(found);
  EXPECT_EQ(found.error().code, ErrorCode::kInvalidArgument);
  EXPECT_NE(found.error().message.find("refused"), std::string::npos) << found.error().message;
  EXPECT_FALSE(fs::exists(r.snapshot_dir / "loans.csv"));
}

TEST_F(InputSnapshotTest, TheGeneralRunReadsNothingOfATeam) {
  write_file(team_folder(2) / "loans.csv", "team 2's loans");
  write_file(general_folder() / "fees.csv", "general fees");
  fs::create_symlink("../sales_team_2/files_required/loans.csv", general_folder() / "general.csv");
  auto r = request(0);
  auto found = discover_inputs(r);
  ASSERT_FALSE(found);
  EXPECT_EQ(found.error().code, ErrorCode::kInvalidArgument);
  EXPECT_EQ(found.error().message, (general_folder() / "general.csv").string() +
                                       " leads into a team's tree (to " +
                                       (team_folder(2) / "loans.csv").string() +
                                       "), and the general run reads only its own inputs; refused");
  EXPECT_FALSE(fs::exists(r.snapshot_dir));

  // A link to the general run's own files elsewhere in the root is fine.
  fs::remove(general_folder() / "general.csv");
  write_file(inputs() / "shared/rates.csv", "rates");
  fs::create_symlink("../shared/rates.csv", general_folder() / "rates.csv");
  auto own = discover_inputs(request(0));
  ASSERT_TRUE(own) << own.error().message;
  EXPECT_EQ(own->size(), 2U);
}

TEST_F(InputSnapshotTest, TheGeneralRunRefusesAFolderLinkedIntoATeam) {
  write_file(team_folder(2) / "loans.csv", "team 2's loans");
  fs::create_directories(inputs());
  fs::create_directory_symlink("sales_team_2/files_required", general_folder());
  auto found = discover_inputs(request(0));
  ASSERT_FALSE(found);
  EXPECT_NE(found.error().message.find("leads into a team's tree"), std::string::npos)
      << found.error().message;
}

TEST_F(InputSnapshotTest, RefusesMoreInputsThanMaxInputs) {
  for (int i = 0; i < 5; ++i) {
    write_file(team_folder(3) / ("f" + std::to_string(i) + ".csv"), "x");
  }
  write_file(team_folder(3) / ".hidden", "not counted");
  auto r = request(3);
  r.max_inputs = 4;
  auto refused = discover_inputs(r);
  ASSERT_FALSE(refused);
  EXPECT_EQ(refused.error().code, ErrorCode::kInvalidArgument);
  EXPECT_EQ(refused.error().message,
            "input folder " + team_folder(3).string() +
                " holds more than 4 input files (pipeline.max_inputs allows that many); refused");
  auto five = request(3);
  five.max_inputs = 5;
  auto found = discover_inputs(five);
  ASSERT_TRUE(found) << found.error().message;
  EXPECT_EQ(found->size(), 5U);
}

TEST_F(InputSnapshotTest, WithoutHashingRecordsSizeAndTimeOnly) {
  write_file(team_folder(3) / "loans.csv", "abc");
  auto r = request(3);
  r.hash = HashInputs::kNo;
  auto found = discover_inputs(r);
  ASSERT_TRUE(found) << found.error().message;
  EXPECT_EQ(found->front().sha256, std::nullopt);
  EXPECT_EQ(found->front().size, 3U);
  auto json = nlohmann::json::parse(manifest_json(*found));
  EXPECT_FALSE(json[0].contains("sha256"));
}

TEST_F(InputSnapshotTest, AStopEndsHashingWithinAChunk) {
  write_sparse(team_folder(3) / "big.bin", off_t{20} << 30);
  auto r = request(3);
  int looks = 0;
  r.limits.stop_requested = [&looks] { return ++looks > 3; };
  auto started = std::chrono::steady_clock::now();
  auto found = discover_inputs(r);
  ASSERT_FALSE(found);
  EXPECT_EQ(found.error().code, ErrorCode::kAborted);
  EXPECT_NE(found.error().message.find("hashing input"), std::string::npos);
  EXPECT_LT(std::chrono::steady_clock::now() - started, std::chrono::seconds(2));
}

TEST_F(InputSnapshotTest, TheDeadlineEndsHashing) {
  write_sparse(team_folder(3) / "big.bin", off_t{20} << 30);
  auto r = request(3);
  auto started = std::chrono::steady_clock::now();
  r.limits.deadline = started + std::chrono::milliseconds(300);
  auto found = discover_inputs(r);
  ASSERT_FALSE(found);
  EXPECT_EQ(found.error().code, ErrorCode::kDeadlineExceeded);
  EXPECT_LT(std::chrono::steady_clock::now() - started, std::chrono::seconds(2));
}

TEST_F(InputSnapshotTest, ANameThatIsNotUtf8IsRecordedSoThatItNamesTheFile) {
  const std::string raw = "loans_\xff\xfe.csv";
  write_file(team_folder(3) / raw, "abc");
  auto r = request(3);
  auto found = discover_inputs(r);
  ASSERT_TRUE(found) << found.error().message;
  auto json = nlohmann::json::parse(manifest_json(*found));
  EXPECT_EQ(json[0]["name"], "loans_\\xff\\xfe.csv");
  auto name = unescape_file_name(json[0]["name"].get<std::string>());
  auto path = unescape_file_name(json[0]["path"].get<std::string>());
  ASSERT_TRUE(name && path);
  EXPECT_EQ(*name, raw);
  EXPECT_EQ(read(*path), "abc");
  EXPECT_EQ(fs::path(*path), r.snapshot_dir / raw);
}

}  // namespace
}  // namespace orch::pipeline
