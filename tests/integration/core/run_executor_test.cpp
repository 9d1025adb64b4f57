// RunExecutor with its real parts (a SQLite file, real child processes, the log notifier) and a
// RunStore wrapper that makes the database refuse a run's end, the way a full disk or a file
// turned read-only does.
#include "orchestrator/core/run_executor.h"

#include <atomic>
#include <filesystem>
#include <memory>
#include <string>
#include <vector>

#include <gtest/gtest.h>

#include "orchestrator/store/database.h"
#include "tests/support/run_store_wrapper.h"
#include "tests/support/temp_dir.h"

namespace orch {
namespace {

// The real store, whose finish() fails while `refuse_ends` is set, as SQLite does when its disk
// is full ("database or disk is full": not an outage, an error of its own).
class EndRefusingRunStore final : public testing::RunStoreWrapper {
 public:
  using RunStoreWrapper::RunStoreWrapper;

  std::atomic<bool> refuse_ends{true};
  // Set: another service abandons the run just before its end is written.
  std::atomic<bool> abandon_first{false};

  Status finish(const RunFinish& f) override {
    if (refuse_ends) {
      return Error{ErrorCode::kInternal,
                   "cannot record the end of run " + f.run_id.str() + ": database or disk is full"};
    }
    if (abandon_first) {
      RunFinish abandoned;
      abandoned.run_id = f.run_id;
      abandoned.status = RunStatus::kAbandoned;
      abandoned.error = "its service (other:1) stopped without recording an end";
      abandoned.completed_at = f.completed_at;
      if (Status done = real().finish(abandoned); !done) {
        return done;
      }
    }
    return real().finish(f);
  }
  // One end at a time through finish() above, not the real store's batch.
  std::vector<Status> finish_all(const std::vector<const RunFinish*>& ends) override {
    return RunStore::finish_all(ends);
  }
};

class RunExecutorTest : public ::testing::Test {
 protected:
  void SetUp() override {
    config::LoadOptions options;
    options.working_dir = dir_.path();
    options.default_pipeline = "/bin/true";
    options.env = {{"DATABASE_URL", "sqlite:" + (dir_ / "orch.db").string()},
                   {"PIPELINE_COMMAND", R"(["/bin/sh", "-c", "echo ran > \"$OUTPUT_DIR/done\""])"},
                   {"GENERAL_RUN_ENABLED", "false"}};
    auto loaded = config::load(options);
    ASSERT_TRUE(loaded.has_value()) << loaded.error().message;
    config_ = *loaded;
    auto db = Database::open(config_.database.url, 2, Database::OpenMode::kCreateIfMissing);
    ASSERT_TRUE(db.has_value()) << db.error().message;
    db_ = std::move(*db);
    ASSERT_TRUE(db_->migrate().has_value());
    ASSERT_TRUE(db_->teams().add(TeamId{1}, "One", {}, clock_.now()).has_value());
    store_ = std::make_unique<EndRefusingRunStore>(db_->runs());
    launcher_ = pipeline::make_posix_process_launcher();
    notifier_ = notify::make_log_notifier();
  }

  RunExecutor executor() {
    return RunExecutor(config_, *store_, *launcher_, *notifier_, clock_, "test-host:1");
  }

  RunRequest manual_run() {
    RunRequest request;
    request.target.team = TeamId{1};
    request.target.name = "One";
    request.target.zone = config_.scheduler.zone;
    return request;
  }

  orch::testing::TempDir dir_;
  config::Config config_;
  SystemClock clock_;
  std::unique_ptr<Database> db_;
  std::unique_ptr<EndRefusingRunStore> store_;
  std::unique_ptr<pipeline::ProcessLauncher> launcher_;
  std::unique_ptr<notify::Notifier> notifier_;
};

// A completed run whose end the database refuses is neither lost nor misreported: the caller
// learns the end is kept, it is kept on disk, and it is recorded `completed` once the database
// takes it, by this process or by the next one that adopts the kept ends.
TEST_F(RunExecutorTest, AnEndTheDatabaseRefusesIsKeptAndRecordedLater) {
  RunExecutor first = executor();
  pipeline::StopSignal stop;
  auto outcome = first.execute(manual_run(), stop);
  ASSERT_TRUE(outcome.has_value()) << outcome.error().message;
  EXPECT_EQ(outcome->record.status, RunStatus::kCompleted);
  EXPECT_TRUE(outcome->end_kept);
  const RunId run_id = outcome->record.run_id;
  EXPECT_TRUE(std::filesystem::exists(first.pending_ends().dir() / (run_id.str() + ".json")));
  auto row = db_->runs().find(run_id);
  ASSERT_TRUE(row.has_value() && row->has_value());
  EXPECT_EQ((*row)->status, RunStatus::kRunning);  // not recorded yet, and not misrecorded
  EXPECT_EQ(first.record_deferred_ends(), 1u);     // still refused: still kept

  // The next process (a later `run` or `serve`) adopts the kept end and records it.
  store_->refuse_ends = false;
  RunExecutor next = executor();
  EXPECT_EQ(next.adopt_pending_ends(), 1u);
  EXPECT_EQ(next.record_deferred_ends(), 0u);
  row = db_->runs().find(run_id);
  ASSERT_TRUE(row.has_value() && row->has_value());
  EXPECT_EQ((*row)->status, RunStatus::kCompleted);
  EXPECT_FALSE(std::filesystem::exists(next.pending_ends().dir() / (run_id.str() + ".json")));
}

// A run whose end waits to be recorded stays among the live runs, once, so the heartbeat keeps
// its row from being abandoned by another service; once recorded, it is no longer live.
TEST_F(RunExecutorTest, ARunWhoseEndIsKeptStaysLiveUntilItIsRecorded) {
  RunExecutor ex = executor();
  pipeline::StopSignal stop;
  auto outcome = ex.execute(manual_run(), stop);
  ASSERT_TRUE(outcome.has_value()) << outcome.error().message;
  ASSERT_TRUE(outcome->end_kept);
  EXPECT_EQ(ex.live_run_ids(), std::vector<RunId>{outcome->record.run_id});

  store_->refuse_ends = false;
  EXPECT_EQ(ex.record_deferred_ends(), 0u);
  EXPECT_TRUE(ex.live_run_ids().empty());
}

// A run the database already ended otherwise (another service abandoned it) is not kept: that
// decision stands, and the real end is only logged.
TEST_F(RunExecutorTest, AnEndForARunAnotherServiceAbandonedIsNotKept) {
  store_->refuse_ends = false;
  store_->abandon_first = true;
  RunExecutor ex = executor();
  pipeline::StopSignal stop;
  auto outcome = ex.execute(manual_run(), stop);
  ASSERT_TRUE(outcome.has_value()) << outcome.error().message;
  EXPECT_FALSE(outcome->end_kept);
  EXPECT_EQ(ex.record_deferred_ends(), 0u);
  auto row = db_->runs().find(outcome->record.run_id);
  ASSERT_TRUE(row.has_value() && row->has_value());
  EXPECT_EQ((*row)->status, RunStatus::kAbandoned);
  EXPECT_FALSE(
      std::filesystem::exists(ex.pending_ends().dir() / (outcome->record.run_id.str() + ".json")));
}

}  // namespace
}  // namespace orch
