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
#include "tests/support/store_outage.h"
#include "tests/support/temp_dir.h"
#include "tests/support/test_database.h"
#include "tests/support/time_values.h"

namespace orch {
namespace {

using testing::utc;

class RunReadsOutageTest : public testing::StoreOutageTest {
 protected:
  void SetUp() override {
    StoreOutageTest::SetUp();
    if (IsSkipped() || HasFatalFailure()) {
      return;
    }
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
};

TEST_F(RunReadsOutageTest, TheCompletedRunDatesAreReadAgainAfterTheServerDroppedItsConnections) {
  const RunOwner owner{TeamId{1}, "daily"};
  ASSERT_TRUE(db_->runs().completed_run_dates(owner, "2026-03-01", "2026-03-31").has_value());
  std::set<std::string> dates;
  for (int outage = 0; outage < 2; ++outage) {
    SCOPED_TRACE("outage " + std::to_string(outage + 1));
    drop_connections();
    int tries = tries_until_success([&]() -> Status {
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
    int tries = tries_until_success([&]() -> Status {
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
