// The run store's reads outlive a database outage: after the server dropped its connections (a
// restart, a failover), a read may fail once as unavailable, with an error saying so, and the next
// one reopens the connection and reads, as every other store operation does.
#include <chrono>
#include <functional>
#include <memory>
#include <set>
#include <string>
#include <utility>
#include <vector>

#include <gtest/gtest.h>

#include "orchestrator/store/database.h"
#include "tests/support/command.h"
#include "tests/support/temp_dir.h"
#include "tests/support/test_database.h"
#include "tests/support/time_values.h"

namespace orch {
namespace {

using testing::utc;

class RunReadsOutageTest : public ::testing::Test {
 protected:
  void SetUp() override {
    if (!database_.available()) {
      GTEST_SKIP() << "no PostgreSQL server (run the tests under scripts/with_test_services.sh)";
    }
    auto db = Database::open(database_.url(), 2, Database::OpenMode::kCreateIfMissing);
    ASSERT_TRUE(db.has_value()) << db.error().message;
    db_ = std::move(*db);
    ASSERT_TRUE(db_->teams().add(TeamId{1}, "One", {}, utc("2026-03-01T00:00:00Z")).has_value());
    insert("done", "completed", 1);
    insert("lost", "failed", 2);
  }

  // A slot run of team 1's daily pipeline on day `day` of March 2026.
  void insert(const std::string& run_id, const std::string& status, int day) {
    const std::string date = "2026-03-0" + std::to_string(day);
    const std::string sql =
        "INSERT INTO pipeline_runs (run_id, sales_team_id, team_key, pipeline, status, "
        "triggered_by, slot_key, run_date, created_at) VALUES ('" +
        run_id + "', 1, 1, 'daily', '" + status + "', 'schedule', '" + date + "', '" + date +
        "', '" + date + "T06:00:00.000Z')";
    auto r = database_.query(sql);
    ASSERT_EQ(r.exit_code, 0) << sql << "\n" << r.err;
  }

  // What a server restart does to the service's connections.
  void drop_connections() {
    auto dropped = database_.query(
        "SELECT COUNT(pg_terminate_backend(pid)) FROM pg_stat_activity "
        "WHERE datname = current_database() AND pid <> pg_backend_pid()");
    ASSERT_EQ(dropped.exit_code, 0) << dropped.err;
    ASSERT_NE(dropped.out, "0\n") << "the store had no connection to drop";
  }

  // Tries `read` until it succeeds; how many tries it took, 0 when it never did. A failed try must
  // say the database is unavailable.
  static int tries_until_read(const std::function<Status()>& read) {
    int tries = 0;
    std::string last_error;
    bool done = testing::wait_until(
        [&] {
          ++tries;
          Status status = read();
          if (!status) {
            last_error = status.error().message;
            EXPECT_EQ(status.error().code, ErrorCode::kUnavailable) << last_error;
          }
          return status.has_value();
        },
        std::chrono::seconds(10));
    EXPECT_TRUE(done) << "still failing after " << tries << " tries: " << last_error;
    return done ? tries : 0;
  }

  testing::TempDir dir_;
  testing::TestDatabase database_{testing::Backend::kPostgres, dir_.path()};
  std::unique_ptr<Database> db_;
};

TEST_F(RunReadsOutageTest, TheCompletedRunDatesAreReadAgainAfterTheServerDroppedItsConnections) {
  const RunOwner owner{TeamId{1}, "daily"};
  ASSERT_TRUE(db_->runs().completed_run_dates(owner, "2026-03-01", "2026-03-31").has_value());
  std::set<std::string> dates;
  for (int outage = 0; outage < 2; ++outage) {
    SCOPED_TRACE("outage " + std::to_string(outage + 1));
    drop_connections();
    int tries = tries_until_read([&]() -> Status {
      auto read = db_->runs().completed_run_dates(owner, "2026-03-01", "2026-03-31");
      if (!read) {
        return read.error();
      }
      dates = *read;
      return {};
    });
    EXPECT_GE(tries, 1);
    EXPECT_LE(tries, 2);
    EXPECT_EQ(dates, (std::set<std::string>{"2026-03-01"}));
  }
}

TEST_F(RunReadsOutageTest, TheUnsettledSlotsAreReadAgainAfterTheServerDroppedItsConnections) {
  ASSERT_TRUE(db_->runs().unsettled_slot_attempts(utc("2026-03-01T00:00:00Z")).has_value());
  std::vector<std::string> run_ids;
  for (int outage = 0; outage < 2; ++outage) {
    SCOPED_TRACE("outage " + std::to_string(outage + 1));
    drop_connections();
    int tries = tries_until_read([&]() -> Status {
      auto read = db_->runs().unsettled_slot_attempts(utc("2026-03-01T00:00:00Z"));
      if (!read) {
        return read.error();
      }
      run_ids.clear();
      for (const RunRecord& run : *read) {
        run_ids.push_back(run.run_id.str());
      }
      return {};
    });
    EXPECT_GE(tries, 1);
    EXPECT_LE(tries, 2);
    EXPECT_EQ(run_ids, std::vector<std::string>{"lost"});
  }
}

}  // namespace
}  // namespace orch
