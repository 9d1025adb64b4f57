// Issue 12, item 5, with a real full disk: the SQLite database lives on a small tmpfs the test
// mounts, and the test fills it completely while a pipeline runs, so the run's end cannot be
// written. The end must be kept in <output_dir>/.pending_run_ends/ (on the normal disk), never
// lost nor misreported, and recorded `completed` once the disk has room again.
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <sys/mount.h>
#include <sys/statvfs.h>
#include <unistd.h>

#include <cstring>
#include <future>
#include <optional>
#include <sstream>

#include "tests/e2e/e2e_fixture.h"

namespace orch::testing {
namespace {

namespace fs = std::filesystem;
using std::chrono::seconds;

// What a loaded machine may take to start a pipeline or to notice a change.
constexpr seconds kPatience{30};

class FullDiskTest : public E2eTest {
 protected:
  void SetUp() override {
    if (::geteuid() != 0) {
      GTEST_SKIP() << "mounting the small tmpfs that this test fills needs root";
    }
    fs::create_directories(disk_);
    if (::mount("tmpfs", disk_.c_str(), "tmpfs", MS_NOSUID | MS_NODEV, "size=2m") != 0) {
      if (errno == EPERM) {
        GTEST_SKIP() << "mounting a tmpfs at " << disk_ << " was refused (EPERM)";
      }
      FAIL() << "mount -t tmpfs -o size=2m tmpfs " << disk_ << ": " << std::strerror(errno);
    }
    mounted_ = true;
    env_["DATABASE_URL"] = "sqlite:" + db_file().string();
    env_["HEARTBEAT_TIMEOUT_SECONDS"] = "2";  // serve beats every 0.4 s
    env_["PIPELINE_RETRY_MAX_ATTEMPTS"] = "";
    env_["PIPELINE_COMMAND"] = waiting_pipeline();
    ASSERT_EQ(orch({"migrate"}).exit_code, 0);
    add_team(1, "North");
  }

  void TearDown() override {
    // A pipeline still waiting (the test failed before releasing it) must not outlive the test.
    release_pipelines();
    service_.reset();
    if (first_run_.valid()) {
      first_run_.wait();
    }
    if (mounted_ && ::umount2(disk_.c_str(), 0) != 0) {
      const int error = errno;
      // Something still holds a file there: detach it, so the folder can go.
      EXPECT_EQ(::umount2(disk_.c_str(), MNT_DETACH), 0)
          << "umount " << disk_ << ": " << std::strerror(error);
    }
  }

  fs::path db_file() const { return disk_ / "orchestrator.db"; }

  // Writes a filler file on the database's disk until it is full (ENOSPC).
  void fill_disk() {
    const int fd = ::open(filler_.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
    ASSERT_GE(fd, 0) << filler_ << ": " << std::strerror(errno);
    const std::string block(64 * 1024, 'x');
    int error = 0;
    while (error == 0) {
      if (::write(fd, block.data(), block.size()) < 0 && errno != EINTR) {
        error = errno;
      }
    }
    ::close(fd);
    ASSERT_EQ(error, ENOSPC) << filler_ << ": " << std::strerror(error);
    struct statvfs space {};
    ASSERT_EQ(::statvfs(disk_.c_str(), &space), 0);
    ASSERT_EQ(space.f_bavail, 0u) << "the disk still has free blocks";
  }

  void free_disk() { fs::remove(filler_); }

  // A pipeline that says it started (a file `started` in its OUTPUT_DIR), then waits for a file
  // `go` there. It writes only in its OUTPUT_DIR, as a sandbox may allow.
  static std::string waiting_pipeline() {
    return nlohmann::json::array({"/bin/sh", "-c",
                                  R"(: > "$OUTPUT_DIR/started" && )"
                                  R"(while [ ! -e "$OUTPUT_DIR/go" ]; do sleep 0.05; done)"})
        .dump();
  }

  // The OUTPUT_DIR of a run of team 1 whose pipeline has started, once there is one.
  std::optional<fs::path> started_pipeline() const {
    std::error_code ec;
    for (const auto& run : fs::directory_iterator(team_outputs(1) / "runs", ec)) {
      if (fs::exists(run.path() / "output" / "started")) {
        return run.path() / "output";
      }
    }
    return std::nullopt;
  }

  std::optional<fs::path> wait_for_started_pipeline() {
    std::optional<fs::path> output;
    wait_until([&] { return (output = started_pipeline()).has_value(); }, kPatience);
    return output;
  }

  void release_pipelines() {
    std::error_code ec;
    for (const auto& run : fs::directory_iterator(team_outputs(1) / "runs", ec)) {
      if (fs::exists(run.path() / "output" / "started")) {
        write_file(run.path() / "output" / "go", "");
      }
    }
  }

  // Rows of `query` read with the sqlite3 shell (read-only: the disk may be full), one line
  // each, '|' between values.
  std::vector<std::string> rows(const std::string& query) const {
    auto result = run_command({"sqlite3", "-readonly", db_file().string(), query});
    EXPECT_EQ(result.exit_code, 0) << query << ": " << result.err;
    std::vector<std::string> out;
    std::istringstream in(result.out);
    for (std::string line; std::getline(in, line);) {
      out.push_back(line);
    }
    return out;
  }

  std::string status_of(const std::string& run_id) const {
    auto found = rows("SELECT status FROM pipeline_runs WHERE run_id = '" + run_id + "'");
    return found.empty() ? "(no row)" : found.front();
  }

  std::string history() const {
    std::string text;
    for (const auto& row : rows("SELECT run_id, status, triggered_by, attempt, error FROM "
                                "pipeline_runs ORDER BY created_at, attempt")) {
      text += "\n  " + row;
    }
    return text;
  }

  fs::path pending_ends() const { return dir_ / "outputs" / ".pending_run_ends"; }

  fs::path disk_ = dir_ / "db-disk";
  fs::path filler_ = disk_ / "filler";
  bool mounted_ = false;
  std::future<CommandResult> first_run_;
  std::unique_ptr<BackgroundProcess> service_;
};

TEST_F(FullDiskTest, RunKeepsAnEndTheFullDiskRefusesAndTheNextRunRecordsIt) {
  first_run_ = std::async(std::launch::async, [this] { return orch({"run", "--team", "1"}); });
  auto output = wait_for_started_pipeline();
  ASSERT_TRUE(output) << "the pipeline did not start:\n" << history();
  const std::string run_id = output->parent_path().filename().string();

  fill_disk();
  write_file(*output / "go", "");
  ASSERT_EQ(first_run_.wait_for(kPatience), std::future_status::ready) << "run did not end";
  const CommandResult first = first_run_.get();

  // The outcome is printed, then one line says the end is kept, and the exit code is 4.
  EXPECT_EQ(first.exit_code, 4) << first.out << first.err;
  EXPECT_NE(first.out.find("run_id: " + run_id), std::string::npos) << first.out;
  EXPECT_NE(first.out.find("status: completed"), std::string::npos) << first.out;
  auto kept_lines = lines_containing(first.err, "error: ");
  ASSERT_EQ(kept_lines.size(), 1u) << first.err;
  EXPECT_NE(kept_lines[0].find("it is kept in " + pending_ends().string()), std::string::npos)
      << kept_lines[0];
  EXPECT_NE(first.err.find("database or disk is full"), std::string::npos) << first.err;
  // Not recorded, and not misrecorded: the row still says `running`; the end is on the normal
  // disk.
  EXPECT_EQ(status_of(run_id), "running") << history();
  EXPECT_TRUE(fs::exists(pending_ends() / (run_id + ".json")));

  free_disk();
  auto next = orch({"run", "--team", "1"}, {{"PIPELINE_COMMAND", R"(["/bin/true"])"}});
  EXPECT_EQ(next.exit_code, 0) << next.out << next.err << history();
  // The kept end was recorded first: the first run is `completed`, not `abandoned`.
  EXPECT_EQ(status_of(run_id), "completed") << history();
  EXPECT_EQ(rows("SELECT status, COUNT(*) FROM pipeline_runs GROUP BY status"),
            std::vector<std::string>{"completed|2"})
      << history();
  EXPECT_FALSE(fs::exists(pending_ends() / (run_id + ".json")));
}

TEST_F(FullDiskTest, ServeKeepsAnEndTheFullDiskRefusesAndRecordsItOnceThereIsRoom) {
  service_ = serve({{"DAILY_RUN_TIME", utc_time_in(2)}, {"MISFIRE_GRACE_SECONDS", "3600"}});
  auto output = wait_for_started_pipeline();
  ASSERT_TRUE(output) << "the scheduled pipeline did not start:\n" << service_->output();
  const std::string run_id = output->parent_path().filename().string();

  fill_disk();
  write_file(*output / "go", "");
  ASSERT_TRUE(wait_for_log(*service_, "run_end_deferred", kPatience)) << service_->output();
  auto deferred = lines_containing(service_->output(), "run_end_deferred");
  ASSERT_EQ(deferred.size(), 1u) << service_->output();
  EXPECT_NE(deferred[0].find(run_id), std::string::npos) << deferred[0];
  EXPECT_NE(deferred[0].find("completed"), std::string::npos) << deferred[0];
  EXPECT_NE(deferred[0].find("database or disk is full"), std::string::npos) << deferred[0];
  // The service keeps going on the full disk: its heartbeats fail (said once, not at every
  // beat), and the end stays kept, the row `running`.
  ASSERT_TRUE(wait_for_log(*service_, "heartbeat_failed", kPatience)) << service_->output();
  EXPECT_TRUE(service_->running()) << service_->output();
  EXPECT_TRUE(fs::exists(pending_ends() / (run_id + ".json")));
  EXPECT_EQ(status_of(run_id), "running") << history();

  free_disk();
  // A heartbeat that gets through records the kept end.
  EXPECT_TRUE(wait_until([&] { return status_of(run_id) == "completed"; }, kPatience))
      << history() << "\n"
      << service_->output();
  EXPECT_TRUE(
      wait_until([&] { return !fs::exists(pending_ends() / (run_id + ".json")); }, kPatience));
  EXPECT_EQ(lines_containing(service_->output(), "run_end_recorded").size(), 1u)
      << service_->output();
  EXPECT_EQ(rows("SELECT COUNT(*) FROM pipeline_runs"), std::vector<std::string>{"1"}) << history();
  EXPECT_EQ(lines_containing(service_->output(), "heartbeat_failed").size(), 1u)
      << service_->output();
  EXPECT_FALSE(lines_containing(service_->output(), "heartbeat_recovered").empty())
      << service_->output();
  service_->send_signal(SIGTERM);
  EXPECT_EQ(service_->wait(kPatience), 0) << service_->output();
}

}  // namespace
}  // namespace orch::testing
