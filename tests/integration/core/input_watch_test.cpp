// InputWatch on real folders: a file written, renamed in, or touched wakes its holders; folders
// nobody holds, or that cannot be watched, do not.
#include "orchestrator/core/input_watch.h"

#include <fcntl.h>
#include <sys/stat.h>

#include <filesystem>
#include <fstream>
#include <map>
#include <mutex>

#include <gtest/gtest.h>

#include "tests/support/command.h"
#include "tests/support/temp_dir.h"

namespace orch {
namespace {

using testing::TempDir;
using testing::wait_until;

class InputWatchTest : public ::testing::Test {
 protected:
  int landed_in(const std::filesystem::path& folder) {
    std::lock_guard lock(mutex_);
    return landed_[folder];
  }

  // Waits until `folder` has seen more than `before` batches of events.
  bool lands(const std::filesystem::path& folder, int before) {
    return wait_until([&] { return landed_in(folder) > before; }, std::chrono::seconds(5),
                      std::chrono::milliseconds(5));
  }

  TempDir dir_;
  std::mutex mutex_;
  std::map<std::filesystem::path, int> landed_;
  InputWatch watch_{[this](const std::filesystem::path& folder) {
    std::lock_guard lock(mutex_);
    ++landed_[folder];
  }};
};

TEST_F(InputWatchTest, AFileWrittenRenamedInOrTouchedWakesTheFolder) {
  auto inputs = dir_ / "inputs";
  std::filesystem::create_directories(inputs);
  ASSERT_TRUE(watch_.watch(inputs, "run_a"));

  std::ofstream(inputs / "loans.csv") << "id\n1\n";
  ASSERT_TRUE(lands(inputs, 0)) << "a file written and closed";

  int seen = landed_in(inputs);
  std::ofstream(dir_ / "elsewhere.tmp") << "rate\n";
  std::filesystem::rename(dir_ / "elsewhere.tmp", inputs / "rates.csv");
  ASSERT_TRUE(lands(inputs, seen)) << "a file renamed into the folder";

  seen = landed_in(inputs);
  // As touch(1) does: both times to now.
  ASSERT_EQ(::utimensat(AT_FDCWD, (inputs / "loans.csv").c_str(), nullptr, 0), 0);
  ASSERT_TRUE(lands(inputs, seen)) << "a file touched (a ready marker written again)";
}

TEST_F(InputWatchTest, AFolderIsWatchedWhileSomeoneHoldsIt) {
  auto inputs = dir_ / "inputs";
  std::filesystem::create_directories(inputs);
  ASSERT_TRUE(watch_.watch(inputs, "run_a"));
  ASSERT_TRUE(watch_.watch(inputs, "run_b"));
  watch_.unwatch("run_a");
  std::ofstream(inputs / "one.csv") << "1\n";
  ASSERT_TRUE(lands(inputs, 0)) << "run_b still holds it";

  watch_.unwatch("run_b");
  // A marker folder, watched after, shows that the events of the first write have been seen.
  auto marker = dir_ / "marker";
  std::filesystem::create_directories(marker);
  ASSERT_TRUE(watch_.watch(marker, "run_c"));
  int seen = landed_in(inputs);
  std::ofstream(inputs / "two.csv") << "2\n";
  std::ofstream(marker / "_SUCCESS") << "";
  ASSERT_TRUE(lands(marker, 0));
  EXPECT_EQ(landed_in(inputs), seen) << "nobody holds it: not watched";
}

TEST_F(InputWatchTest, AFolderThatComesLaterIsWatchedWhenAskedAgain) {
  auto inputs = dir_ / "later";
  EXPECT_FALSE(watch_.watch(inputs, "run_a")) << "no such folder: the caller polls";
  std::filesystem::create_directories(inputs);
  ASSERT_TRUE(watch_.watch(inputs, "run_a"));
  std::ofstream(inputs / "loans.csv") << "1\n";
  ASSERT_TRUE(lands(inputs, 0));
}

TEST_F(InputWatchTest, AFolderRemovedAndMadeAgainIsWatchedAgain) {
  auto inputs = dir_ / "inputs";
  std::filesystem::create_directories(inputs);
  ASSERT_TRUE(watch_.watch(inputs, "run_a"));
  std::filesystem::remove_all(inputs);
  ASSERT_TRUE(lands(inputs, 0)) << "its removal is told too";
  std::filesystem::create_directories(inputs);
  // The kernel dropped the old watch; asking again watches the new folder.
  ASSERT_TRUE(watch_.watch(inputs, "run_a"));
  int seen = landed_in(inputs);
  std::ofstream(inputs / "loans.csv") << "1\n";
  ASSERT_TRUE(lands(inputs, seen));
}

TEST_F(InputWatchTest, AStoppedWatchWatchesNothing) {
  watch_.stop();
  EXPECT_FALSE(watch_.watch(dir_.path(), "run_a"));
}

}  // namespace
}  // namespace orch
