// The queries behind retries resumed at start-up and backfill's skipping, on SQLite and, when
// scripts/with_test_services.sh provides one, on PostgreSQL.
#include <unistd.h>

#include <cstdlib>
#include <memory>
#include <set>
#include <string>
#include <vector>

#include <gtest/gtest.h>

#include "orchestrator/store/database.h"
#include "tests/support/command.h"
#include "tests/support/temp_dir.h"
#include "tests/support/time_values.h"

namespace orch {
namespace {

using testing::utc;

class RecoveryQueriesTest : public ::testing::TestWithParam<std::string> {
 protected:
  void SetUp() override {
    if (GetParam() == "sqlite") {
      url_ = "sqlite:" + (dir_ / "orchestrator.db").string();
    } else {
      const char* host = std::getenv("PGHOST");
      const char* port = std::getenv("PGPORT");
      if (host == nullptr || port == nullptr) {
        GTEST_SKIP() << "no PostgreSQL: run under scripts/with_test_services.sh";
      }
      pg_database_ = "orch_recovery_" + std::to_string(::getpid());
      auto created =
          testing::run_command({"psql", "-X", "-q", "-c", "CREATE DATABASE " + pg_database_});
      ASSERT_EQ(created.exit_code, 0) << created.err;
      url_ = std::string("postgresql://postgres@") + host + ":" + port + "/" + pg_database_;
    }
    auto db = Database::open(url_, 2, Database::OpenMode::kCreateIfMissing);
    ASSERT_TRUE(db.has_value()) << db.error().message;
    db_ = std::move(*db);
    ASSERT_TRUE(db_->migrate().has_value());
    ASSERT_TRUE(db_->teams().add(TeamId{1}, "One", {}, utc("2026-01-01T00:00:00Z")).has_value());
  }

  void TearDown() override {
    db_.reset();
    if (!pg_database_.empty()) {
      testing::run_command({"psql", "-X", "-q", "-c", "DROP DATABASE " + pg_database_});
    }
  }

  // Records a run of team 1 that ended as `status`.
  void record(const std::optional<std::string>& slot, int attempt, const std::string& run_date,
              RunStatus status, Trigger trigger = Trigger::kSchedule) {
    ClaimRequest request;
    request.team = TeamId{1};
    request.triggered_by = trigger;
    request.attempt = attempt;
    request.slot_key = slot;
    request.run_date = *parse_date(run_date);
    request.purchase_date = run_date;
    request.instance = "test:1";
    request.now = utc(run_date + "T03:00:00Z");
    auto claim = db_->runs().claim(request);
    ASSERT_TRUE(claim.has_value()) << claim.error().message;
    ASSERT_EQ(claim->outcome, ClaimOutcome::kClaimed);
    RunFinish finish;
    finish.run_id = claim->record.run_id;
    finish.status = status;
    finish.completed_at = request.now + std::chrono::minutes(1);
    ASSERT_TRUE(db_->runs().finish(finish).has_value());
  }

  testing::TempDir dir_;
  std::string url_;
  std::string pg_database_;
  std::unique_ptr<Database> db_;
};

TEST_P(RecoveryQueriesTest, FindsTheLastUnsettledAttemptOfEachSlot) {
  record("2026-01-15", 1, "2026-01-15", RunStatus::kFailed);
  record("2026-01-15", 2, "2026-01-15", RunStatus::kFailed);
  record("2026-01-16", 1, "2026-01-16", RunStatus::kFailed);
  record("2026-01-16", 2, "2026-01-16", RunStatus::kCompleted);
  record("2026-01-17T02:00:00Z", 1, "2026-01-17", RunStatus::kTimedOut);
  record("2026-01-17T03:00:00Z", 1, "2026-01-17", RunStatus::kInterrupted);
  record("2026-01-17T04:00:00Z", 1, "2026-01-17", RunStatus::kAbandoned);
  record("2026-01-17T04:00:00Z", 2, "2026-01-17", RunStatus::kAbandoned);
  record("2026-01-17T05:00:00Z", 1, "2026-01-17", RunStatus::kAbandoned);
  record("2026-01-17T05:00:00Z", 2, "2026-01-17", RunStatus::kCompleted);
  record("2026-01-17T06:00:00Z", 1, "2026-01-17", RunStatus::kSkipped);
  record(std::nullopt, 1, "2026-01-17", RunStatus::kFailed, Trigger::kManual);
  record(std::nullopt, 1, "2026-01-17", RunStatus::kAbandoned, Trigger::kManual);
  auto failed = db_->runs().unsettled_slot_attempts(utc("2026-01-10T00:00:00Z"));
  ASSERT_TRUE(failed.has_value()) << failed.error().message;
  std::set<std::string> got;
  for (const RunRecord& r : *failed) {
    got.insert(r.slot_key.value_or("?") + " #" + std::to_string(r.attempt));
  }
  EXPECT_EQ(got, (std::set<std::string>{"2026-01-15 #2", "2026-01-17T02:00:00Z #1",
                                        "2026-01-17T03:00:00Z #1", "2026-01-17T04:00:00Z #2"}));
  auto recent = db_->runs().unsettled_slot_attempts(utc("2026-01-17T00:00:00Z"));
  ASSERT_TRUE(recent.has_value());
  EXPECT_EQ(recent->size(), 3u);
}

TEST_P(RecoveryQueriesTest, ListsTheDaysWithACompletedRunWhateverTriggeredIt) {
  record("2026-01-14", 1, "2026-01-14", RunStatus::kCompleted);
  record("2026-01-15", 1, "2026-01-15", RunStatus::kFailed);
  record(std::nullopt, 1, "2026-01-16", RunStatus::kCompleted, Trigger::kBackfill);
  record(std::nullopt, 1, "2026-01-20", RunStatus::kCompleted, Trigger::kManual);
  auto days = db_->runs().completed_run_dates(RunOwner{TeamId{1}}, "2026-01-14", "2026-01-19");
  ASSERT_TRUE(days.has_value()) << days.error().message;
  EXPECT_EQ(*days, (std::set<std::string>{"2026-01-14", "2026-01-16"}));
  auto general =
      db_->runs().completed_run_dates(RunOwner{std::nullopt}, "2026-01-01", "2026-01-31");
  ASSERT_TRUE(general.has_value());
  EXPECT_TRUE(general->empty());
}

INSTANTIATE_TEST_SUITE_P(Backends, RecoveryQueriesTest, ::testing::Values("sqlite", "postgresql"),
                         [](const auto& backend) { return backend.param; });

}  // namespace
}  // namespace orch
