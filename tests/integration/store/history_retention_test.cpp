// history.keep_days on both databases: old ended runs and settled notifications go, in batches;
// a running or waiting run and a pending delivery stay however old they are, and so does everything
// recent.
#include <atomic>
#include <memory>
#include <string>

#include <gtest/gtest.h>

#include "config/base/time.h"
#include "orchestrator/core/history_prune.h"
#include "orchestrator/store/database.h"
#include "tests/support/temp_dir.h"
#include "tests/support/test_database.h"

namespace orch {
namespace {

using testing::Backend;

SysTime utc(const char* text) {
  return *parse_utc(text);
}

class HistoryRetentionTest : public ::testing::TestWithParam<Backend> {
 protected:
  void SetUp() override {
    if (!database_.available()) {
      GTEST_SKIP() << "no PostgreSQL server (run the tests under scripts/with_test_services.sh)";
    }
    auto db = Database::open(database_.url(), 1, Database::OpenMode::kCreateIfMissing);
    ASSERT_TRUE(db.has_value()) << db.error().message;
    db_ = std::move(*db);
  }

  // `count` ended runs of the general run (team_key 0) and `count` sent deliveries, created at
  // `created` (SQL text), plus one running run, one waiting run and one pending delivery created
  // then too.
  void insert_history(int count, const std::string& created, const std::string& tag) {
    std::string n = std::to_string(count);
    auto q = [&](const std::string& sql) {
      auto r = database_.query(sql);
      ASSERT_EQ(r.exit_code, 0) << sql << "\n" << r.err;
    };
    q("WITH RECURSIVE k(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM k WHERE i < " + n +
      ") INSERT INTO pipeline_runs (run_id, team_key, status, triggered_by, run_date, "
      "created_at) SELECT '" +
      tag + "_' || i, 0, 'completed', 'manual', '2020-01-01', '" + created + "' FROM k");
    q("WITH RECURSIVE k(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM k WHERE i < " + n +
      ") INSERT INTO notifications (event, channel, target, status, created_at, updated_at) "
      "SELECT 'run_failed', 'email', 'ops@example.com', 'sent', '" +
      created + "', '" + created + "' FROM k");
    q("INSERT INTO pipeline_runs (run_id, team_key, status, triggered_by, run_date, created_at) "
      "VALUES ('" +
      tag + "_running', " + (tag == "old" ? "1" : "2") + ", 'running', 'manual', '2020-01-01', '" +
      created + "'), ('" + tag + "_waiting', 3, 'waiting', 'manual', '2020-01-01', '" + created +
      "')");
    q("INSERT INTO notifications (event, channel, target, status, created_at, updated_at) "
      "VALUES ('run_failed', 'email', 'ops@example.com', 'pending', '" +
      created + "', '" + created + "')");
  }

  std::string count(const std::string& table) {
    auto r = database_.query("SELECT count(*) FROM " + table);
    return r.out.substr(0, r.out.find('\n'));
  }

  testing::TempDir dir_;
  testing::TestDatabase database_{GetParam(), dir_.path()};
  std::unique_ptr<Database> db_;
};

TEST_P(HistoryRetentionTest, DeletesOnlyOldSettledRowsInBatches) {
  insert_history(1200, "2020-01-01T00:00:00.000Z", "old");
  insert_history(3, "2026-12-01T00:00:00.000Z", "new");
  const SysTime cutoff = utc("2026-01-01T00:00:00Z");

  auto counted = db_->retention().count_older(cutoff);
  ASSERT_TRUE(counted.has_value()) << counted.error().message;
  EXPECT_EQ(counted->runs, 1200);
  EXPECT_EQ(counted->notifications, 1200);

  auto batch = db_->retention().prune_batch(cutoff, 500);
  ASSERT_TRUE(batch.has_value()) << batch.error().message;
  EXPECT_EQ(batch->runs, 500);
  EXPECT_EQ(batch->notifications, 500);

  std::atomic<bool> stop{false};
  auto rest = prune_history(db_->retention(), cutoff, stop);
  ASSERT_TRUE(rest.has_value()) << rest.error().message;
  EXPECT_EQ(rest->runs, 700);
  EXPECT_EQ(rest->notifications, 700);

  // Left: the old running and waiting runs and pending delivery, and the recent rows.
  EXPECT_EQ(count("pipeline_runs"), "7");
  EXPECT_EQ(count("notifications"), "5");
  auto running = database_.query(
      "SELECT run_id FROM pipeline_runs WHERE status IN ('running', 'waiting') ORDER BY run_id");
  EXPECT_EQ(running.out, "new_running\nnew_waiting\nold_running\nold_waiting\n");
  auto again = db_->retention().count_older(cutoff);
  ASSERT_TRUE(again.has_value());
  EXPECT_EQ(again->total(), 0);
}

TEST(HistoryCutoff, IsKeepDaysBeforeNow) {
  EXPECT_EQ(history_cutoff(utc("2026-12-05T10:00:00Z"), 400), utc("2025-10-31T10:00:00Z"));
}

INSTANTIATE_TEST_SUITE_P(Backends, HistoryRetentionTest,
                         ::testing::Values(Backend::kSqlite, Backend::kPostgres),
                         testing::backend_test_name);

}  // namespace
}  // namespace orch
