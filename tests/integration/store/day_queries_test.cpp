// The reads behind the teams list, the calendar and "why" (RunQueries), on both databases: runs by
// run date, the latest outcomes of a page of owners in one query, the runs going now.
#include <map>
#include <memory>
#include <set>
#include <string>

#include <gtest/gtest.h>

#include "config/base/time.h"
#include "orchestrator/store/database.h"
#include "tests/support/temp_dir.h"
#include "tests/support/test_database.h"

namespace orch {
namespace {

using testing::Backend;

class DayQueriesTest : public ::testing::TestWithParam<Backend> {
 protected:
  void SetUp() override {
    if (!database_.available()) {
      GTEST_SKIP() << "no PostgreSQL server (run the tests under scripts/with_test_services.sh)";
    }
    auto db = Database::open(database_.url(), 1, Database::OpenMode::kCreateIfMissing);
    ASSERT_TRUE(db.has_value()) << db.error().message;
    db_ = std::move(*db);
    for (int id : {1, 2, 5}) {
      auto added = db_->teams().add(TeamId{id}, "team " + std::to_string(id), {},
                                    *parse_utc("2026-10-01T00:00:00Z"));
      ASSERT_TRUE(added.has_value()) << added.error().message;
    }
  }

  // A run of team `id`'s pipeline for `run_date`, created at noon UTC of `created_day`.
  void insert(const std::string& run_id, int id, const std::string& pipeline,
              const std::string& status, const std::string& run_date,
              const std::string& created_day) {
    std::string sql =
        "INSERT INTO pipeline_runs (run_id, sales_team_id, team_key, pipeline, status, "
        "triggered_by, run_date, created_at) VALUES ('" +
        run_id + "', " + std::to_string(id) + ", " + std::to_string(id) + ", '" + pipeline +
        "', '" + status + "', 'schedule', '" + run_date + "', '" + created_day + "T12:00:00.000Z')";
    auto r = database_.query(sql);
    ASSERT_EQ(r.exit_code, 0) << sql << "\n" << r.err;
  }

  testing::TempDir dir_;
  testing::TestDatabase database_{GetParam(), dir_.path()};
  std::unique_ptr<Database> db_;
};

std::string day(int n) {  // 2026-11-01 + n days
  return format_date(Date(date::sys_days(*parse_date("2026-11-01")) + date::days(n)));
}

TEST_P(DayQueriesTest, TheLatestOutcomesOfAPageOfOwnersComeInOneQueryOldestFirst) {
  for (int i = 0; i < 16; ++i) {
    insert("a" + std::to_string(i), 1, "daily", i % 3 == 0 ? "failed" : "completed", day(i),
           day(i));
  }
  insert("b0", 2, "month_end", "completed", day(3), day(3));
  insert("b1", 2, "month_end", "missed", day(4), day(4));
  insert("c0", 5, "daily", "completed", day(3), day(3));               // outside the page's range
  insert("old", 2, "daily", "completed", "2026-01-01", "2026-01-01");  // before `since`

  auto recent =
      db_->queries().recent_outcomes(TeamId{1}, TeamId{2}, 14, *parse_utc("2026-10-01T00:00:00Z"));
  ASSERT_TRUE(recent.has_value()) << recent.error().message;
  ASSERT_EQ(recent->size(), 16u);
  // Team 1: its 14 latest, oldest first.
  for (int i = 0; i < 14; ++i) {
    SCOPED_TRACE(i);
    const RecentOutcome& o = (*recent)[static_cast<std::size_t>(i)];
    EXPECT_EQ(o.team, TeamId{1});
    EXPECT_EQ(o.pipeline, "daily");
    EXPECT_EQ(o.run_id.str(), "a" + std::to_string(i + 2));
    EXPECT_EQ(o.run_date, day(i + 2));
    EXPECT_EQ(o.status, (i + 2) % 3 == 0 ? "failed" : "completed");
  }
  EXPECT_EQ((*recent)[14].run_id.str(), "b0");
  EXPECT_EQ((*recent)[15].run_id.str(), "b1");
  EXPECT_EQ((*recent)[15].pipeline, "month_end");
  EXPECT_EQ((*recent)[15].status, "missed");
}

TEST_P(DayQueriesTest, RunsOfARangeOfRunDatesOldestFirstWithTheirOwnersAndPipeline) {
  insert("a0", 1, "daily", "completed", day(0), day(0));
  insert("a1", 1, "daily", "failed", day(1), day(1));
  insert("b1", 2, "month_end", "completed", day(1), day(1));
  insert("back", 2, "daily", "completed", day(1), day(9));  // a backfill, made later
  insert("c1", 5, "daily", "completed", day(1), day(1));

  RunDatesQuery query{TeamId{1}, TeamId{2}, std::string("daily"),
                      day(1),    day(2),    *parse_utc("2026-10-30T00:00:00Z")};
  auto runs = db_->queries().runs_of_dates(query);
  ASSERT_TRUE(runs.has_value()) << runs.error().message;
  std::vector<std::string> ids;
  for (const RunRecord& r : *runs) {
    ids.push_back(r.run_id.str());
  }
  EXPECT_EQ(ids, (std::vector<std::string>{"a1", "back"}));
  ASSERT_EQ(runs->size(), 2u);
  EXPECT_EQ(format_date((*runs)[0].run_date), day(1));
  ASSERT_TRUE((*runs)[1].team);
  EXPECT_EQ((*runs)[1].team->value, 2);

  query.pipeline.reset();
  query.first_team = std::nullopt;
  query.last_team = TeamId{5};
  runs = db_->queries().runs_of_dates(query);
  ASSERT_TRUE(runs.has_value()) << runs.error().message;
  EXPECT_EQ(runs->size(), 4u);  // a1, b1, c1, back
}

TEST_P(DayQueriesTest, ActiveRunsAreTheRunningAndWaitingOnes) {
  insert("r", 1, "daily", "running", day(0), day(0));
  insert("w", 2, "daily", "waiting", day(0), day(0));
  insert("d", 5, "daily", "completed", day(0), day(0));
  auto active = db_->queries().active_runs();
  ASSERT_TRUE(active.has_value()) << active.error().message;
  ASSERT_EQ(active->size(), 2u);
  std::set<std::string> ids{(*active)[0].run_id.str(), (*active)[1].run_id.str()};
  EXPECT_EQ(ids, (std::set<std::string>{"r", "w"}));
}

TEST_P(DayQueriesTest, SummariesOfAPageOfOwnersOnly) {
  insert("a0", 1, "daily", "completed", day(0), day(0));
  insert("a1", 1, "daily", "failed", day(1), day(1));
  insert("b0", 2, "month_end", "completed", day(2), day(2));
  insert("c0", 5, "daily", "completed", day(3), day(3));
  auto summaries = db_->queries().team_summaries_between(TeamId{1}, TeamId{2});
  ASSERT_TRUE(summaries.has_value()) << summaries.error().message;
  ASSERT_EQ(summaries->size(), 2u);
  std::map<std::int64_t, TeamRunSummary> by_key;
  for (const auto& s : *summaries) {
    by_key[s.team->value] = s;
  }
  EXPECT_EQ(by_key[1].last_completed_run_date, day(0));  // the failed day(1) does not count
  EXPECT_EQ(by_key[2].pipeline, "month_end");
  EXPECT_EQ(by_key.count(5), 0u);
}

// A run date is parsed once, where the row is read: a stored one that is not a date fails the read
// with an error naming the run, never a made-up date. PostgreSQL's date column refuses it outright.
TEST_P(DayQueriesTest, AStoredRunDateThatIsNotADateFailsTheReadNamingTheRun) {
  insert("good", 1, "daily", "completed", day(0), day(0));
  const std::string sql =
      "INSERT INTO pipeline_runs (run_id, sales_team_id, team_key, pipeline, status, "
      "triggered_by, run_date, created_at) VALUES ('bad', 1, 1, 'daily', 'failed', 'schedule', "
      "'2026-11-31', '" +
      day(1) + "T12:00:00.000Z')";
  auto inserted = database_.query(sql);
  if (GetParam() == Backend::kPostgres) {
    EXPECT_NE(inserted.exit_code, 0) << "PostgreSQL stored the run date 2026-11-31";
    return;
  }
  ASSERT_EQ(inserted.exit_code, 0) << inserted.err;
  const std::string expected = "run bad has the run date '2026-11-31', which is not a date";
  auto found = db_->runs().find(RunId("bad"));
  ASSERT_FALSE(found.has_value()) << "read as " << format_date((*found)->run_date);
  EXPECT_NE(found.error().message.find(expected), std::string::npos) << found.error().message;
  auto listed = db_->runs().list({});
  ASSERT_FALSE(listed.has_value());
  EXPECT_NE(listed.error().message.find(expected), std::string::npos) << listed.error().message;
  auto good = db_->runs().find(RunId("good"));
  ASSERT_TRUE(good.has_value() && good->has_value());
  EXPECT_EQ(format_date((*good)->run_date), day(0));
}

INSTANTIATE_TEST_SUITE_P(Backends, DayQueriesTest,
                         ::testing::Values(Backend::kSqlite, Backend::kPostgres),
                         testing::backend_test_name);

}  // namespace
}  // namespace orch
