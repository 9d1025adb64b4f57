// The ends of runs that end together share one commit (RunEndRecorder's group commit over
// RunStore::finish_all), on a real SQLite file and a real PostgreSQL: each end is recorded once,
// a refused end does not keep the others out, and nothing is told before its row is committed.
#include <atomic>
#include <chrono>
#include <condition_variable>
#include <filesystem>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include <gtest/gtest.h>

#include "orchestrator/core/run_executor.h"
#include "orchestrator/core/run_record.h"
#include "orchestrator/store/database.h"
#include "tests/support/command.h"
#include "tests/support/run_store_wrapper.h"
#include "tests/support/temp_dir.h"
#include "tests/support/test_database.h"

namespace orch {
namespace {

using testing::Backend;
using namespace std::chrono_literals;

constexpr int kTeams = 16;

// The real store, whose first batch of ends is slow to commit (a busy disk) until released, so
// that the ends of the other runs queue up behind it.
class SlowFirstCommitStore final : public testing::RunStoreWrapper {
 public:
  using RunStoreWrapper::RunStoreWrapper;

  std::vector<Status> finish_all(const std::vector<const RunFinish*>& ends) override {
    {
      std::unique_lock lock(mutex_);
      sizes_.push_back(ends.size());
      if (sizes_.size() == 1) {
        released_.wait_for(lock, testing::scaled(30s), [this] { return release_; });
      }
    }
    return real().finish_all(ends);
  }
  void release() {
    {
      std::lock_guard lock(mutex_);
      release_ = true;
    }
    released_.notify_all();
  }
  std::vector<std::size_t> batch_sizes() const {
    std::lock_guard lock(mutex_);
    return sizes_;
  }

 private:
  mutable std::mutex mutex_;
  std::condition_variable released_;
  bool release_ = false;
  std::vector<std::size_t> sizes_;
};

// The log notifier, which also reads each ended run's row through a connection of its own when
// the run's end is told: what any reader (the API, a replica, a dependent's check) would see.
class RowReadingNotifier final : public notify::Notifier {
 public:
  explicit RowReadingNotifier(RunStore& reader)
      : reader_(reader), log_(notify::make_log_notifier()) {}
  void notify(const notify::RunEvent& event) override {
    if (event.kind == notify::EventKind::kRunCompleted ||
        event.kind == notify::EventKind::kRunFailed) {
      auto row = reader_.find(*event.run_id);
      std::lock_guard lock(mutex_);
      told_.push_back(row && *row ? (*row)->status : RunStatus::kRunning);
    }
    log_->notify(event);
  }
  std::vector<RunStatus> seen_when_told() const {
    std::lock_guard lock(mutex_);
    return told_;
  }

 private:
  RunStore& reader_;
  std::unique_ptr<notify::Notifier> log_;
  mutable std::mutex mutex_;
  std::vector<RunStatus> told_;
};

class RunEndBatchTest : public ::testing::TestWithParam<Backend> {
 protected:
  void SetUp() override {
    if (!database_.available()) {
      GTEST_SKIP() << "no PostgreSQL server (run the tests under scripts/with_test_services.sh)";
    }
    auto db = Database::open(database_.url(), 4, Database::OpenMode::kCreateIfMissing);
    ASSERT_TRUE(db.has_value()) << db.error().message;
    db_ = std::move(*db);
    for (std::int64_t id = 1; id <= kTeams; ++id) {
      auto team = db_->teams().add(TeamId{id}, "Team " + std::to_string(id), {}, clock_.now());
      ASSERT_TRUE(team.has_value()) << team.error().message;
    }
  }

  // Claims a manual run of team `id`; returns its row.
  RunRecord start(std::int64_t id) {
    ClaimRequest request;
    request.team = TeamId{id};
    request.run_date = Date{date::year{2026} / 12 / 5};
    request.instance = "test-host:1";
    request.now = clock_.now();
    auto claim = db_->runs().claim(request);
    EXPECT_TRUE(claim.has_value()) << claim.error().message;
    EXPECT_TRUE(claim && claim->outcome == ClaimOutcome::kClaimed);
    return claim ? claim->record : RunRecord{};
  }

  RunFinish ending(const RunId& run_id, RunStatus status) {
    RunFinish end;
    end.run_id = run_id;
    end.status = status;
    end.exit_code = status == RunStatus::kCompleted ? 0 : 3;
    end.completed_at = clock_.now();
    return end;
  }

  std::string query(const std::string& sql) {
    auto result = database_.query(sql);
    EXPECT_EQ(result.exit_code, 0) << sql << ": " << result.err;
    return result.out;
  }

  testing::TempDir dir_;
  testing::TestDatabase database_{GetParam(), dir_.path()};
  SystemClock clock_;
  std::unique_ptr<Database> db_;
};

// The ends of runs ending together wait for one batch in progress, then are all written in the
// next one; each worker returns only once its own end is committed, and each is recorded once.
TEST_P(RunEndBatchTest, EndsOfConcurrentRunsShareACommitAndAreEachRecordedOnce) {
  std::vector<RunRecord> runs;
  for (std::int64_t id = 1; id <= kTeams; ++id) {
    runs.push_back(start(id));
  }
  SlowFirstCommitStore store(db_->runs());
  RunEndRecorder recorder(store, dir_ / "pending");
  std::vector<EndFate> fates(kTeams, EndFate::kKept);
  std::vector<RunStatus> committed(kTeams, RunStatus::kRunning);
  std::vector<std::thread> workers;
  for (int i = 0; i < kTeams; ++i) {
    workers.emplace_back([&, i] {
      const RunFinish end =
          ending(runs[i].run_id, i % 2 == 0 ? RunStatus::kCompleted : RunStatus::kFailed);
      fates[i] = recorder.record({.run = runs[i], .end = end}).fate;
      auto row = db_->runs().find(runs[i].run_id);  // committed when record() returns
      committed[i] = row && *row ? (*row)->status : RunStatus::kRunning;
    });
    if (i == 0) {  // the first end is the first batch, held back
      ASSERT_TRUE(testing::wait_until([&] { return !store.batch_sizes().empty(); }, 10s));
    }
  }
  const bool queued =
      testing::wait_until([&] { return recorder.ends_queued() == kTeams - 1; }, 10s);
  store.release();
  for (std::thread& worker : workers) {
    worker.join();
  }
  ASSERT_TRUE(queued) << recorder.ends_queued() << " ends queued";
  EXPECT_EQ(store.batch_sizes(), (std::vector<std::size_t>{1, kTeams - 1}));
  for (int i = 0; i < kTeams; ++i) {
    EXPECT_EQ(fates[i], EndFate::kRecorded) << i;
    EXPECT_EQ(committed[i], i % 2 == 0 ? RunStatus::kCompleted : RunStatus::kFailed) << i;
  }
  EXPECT_EQ(query("SELECT status, COUNT(*) FROM pipeline_runs GROUP BY status ORDER BY status"),
            "completed|8\nfailed|8\n");
  EXPECT_EQ(query("SELECT COUNT(*) FROM pipeline_runs WHERE completed_at IS NULL OR exit_code IS "
                  "NULL"),
            "0\n");
}

// In one batch, an end the database refuses (its run is not running: ended already, or unknown)
// is refused alone; the others commit, and the first end recorded stands.
TEST_P(RunEndBatchTest, AnEndRefusedInABatchDoesNotKeepTheOthersOut) {
  const RunRecord a = start(1);
  const RunRecord b = start(2);
  const RunRecord c = start(3);
  const RunFinish a_end = ending(a.run_id, RunStatus::kCompleted);
  const RunFinish b_end = ending(b.run_id, RunStatus::kFailed);
  const RunFinish a_again = ending(a.run_id, RunStatus::kFailed);
  const RunFinish unknown = ending(RunId("run_0000000000000000"), RunStatus::kCompleted);
  const RunFinish c_end = ending(c.run_id, RunStatus::kTimedOut);
  std::vector<Status> recorded =
      db_->runs().finish_all({&a_end, &b_end, &a_again, &unknown, &c_end});
  ASSERT_EQ(recorded.size(), 5U);
  EXPECT_TRUE(recorded[0].has_value());
  EXPECT_TRUE(recorded[1].has_value());
  ASSERT_FALSE(recorded[2].has_value());
  EXPECT_EQ(recorded[2].error().code, ErrorCode::kFailedPrecondition);
  ASSERT_FALSE(recorded[3].has_value());
  EXPECT_EQ(recorded[3].error().code, ErrorCode::kFailedPrecondition);
  EXPECT_TRUE(recorded[4].has_value());
  EXPECT_EQ(
      query("SELECT sales_team_id, status, exit_code FROM pipeline_runs ORDER BY sales_team_id"),
      "1|completed|0\n2|failed|3\n3|timed_out|3\n");
}

// Runs ending together through the executor: when a run's end is told, every reader already
// sees it in the run's row.
TEST_P(RunEndBatchTest, NoEndIsToldBeforeItsRowIsCommitted) {
  config::LoadOptions options;
  options.working_dir = dir_.path();
  options.default_pipeline = "/bin/true";
  options.env = {
      {"DATABASE_URL", database_.url()},
      {"PIPELINE_COMMAND", R"cmd(["/bin/sh", "-c", "exit $(( SALES_TEAM_ID % 2 ))"])cmd"},
      {"GENERAL_RUN_ENABLED", "false"}};
  auto config = config::load(options);
  ASSERT_TRUE(config.has_value()) << config.error().message;
  auto reader = Database::open(database_.url(), 1, Database::OpenMode::kExisting);
  ASSERT_TRUE(reader.has_value()) << reader.error().message;
  RowReadingNotifier notifier((*reader)->runs());
  auto launcher = pipeline::make_posix_process_launcher();
  RunExecutor executor(*config, db_->runs(), *launcher, notifier, clock_, "test-host:1");
  std::vector<std::thread> workers;
  std::atomic<int> ended{0};
  for (std::int64_t id = 1; id <= kTeams; ++id) {
    workers.emplace_back([&, id] {
      RunRequest request;
      request.target.team = TeamId{id};
      request.target.name = "Team " + std::to_string(id);
      request.target.zone = config->scheduler.zone;
      pipeline::StopSignal stop;
      auto outcome = executor.execute(request, stop);
      EXPECT_TRUE(outcome.has_value()) << outcome.error().message;
      ended += outcome && !outcome->end_kept ? 1 : 0;
    });
  }
  for (std::thread& worker : workers) {
    worker.join();
  }
  EXPECT_EQ(ended.load(), kTeams);
  const std::vector<RunStatus> seen = notifier.seen_when_told();
  EXPECT_EQ(seen.size(), static_cast<std::size_t>(kTeams));
  for (RunStatus status : seen) {
    EXPECT_NE(status, RunStatus::kRunning);
  }
  EXPECT_EQ(query("SELECT status, COUNT(*) FROM pipeline_runs GROUP BY status ORDER BY status"),
            "completed|8\nfailed|8\n");
}

INSTANTIATE_TEST_SUITE_P(Backends, RunEndBatchTest,
                         ::testing::Values(Backend::kSqlite, Backend::kPostgres),
                         testing::backend_test_name);

}  // namespace
}  // namespace orch
