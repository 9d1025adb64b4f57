// A stored time that is no time (a hand edit, another program's write) fails the read of its row
// in every store, with an error naming the row and the column and what a time is, never a made-up
// time such as the epoch. The service's own reads pass over such a row instead, so that one row
// does not hold up the others. PostgreSQL's timestamp columns refuse such text outright (though
// not all: it takes 'now' or 'today' as times).
#include <memory>
#include <string>
#include <vector>

#include <gtest/gtest.h>

#include "config/base/time.h"
#include "orchestrator/store/database.h"
#include "tests/support/temp_dir.h"
#include "tests/support/test_database.h"
#include "tests/support/time_values.h"

namespace orch {
namespace {

using testing::Backend;
using testing::utc;

constexpr const char* kNotATime =
    "which is not a time (YYYY-MM-DDTHH:MM:SS[.mmm] and Z or an offset)";

class StoredTimesTest : public ::testing::TestWithParam<Backend> {
 protected:
  void SetUp() override {
    if (!database_.available()) {
      GTEST_SKIP() << "no PostgreSQL server (run the tests under scripts/with_test_services.sh)";
    }
    auto db = Database::open(database_.url(), 1, Database::OpenMode::kCreateIfMissing);
    ASSERT_TRUE(db.has_value()) << db.error().message;
    db_ = std::move(*db);
    for (int id : {1, 2}) {
      auto added = db_->teams().add(TeamId{id}, "team " + std::to_string(id), {},
                                    utc("2026-10-01T00:00:00Z"));
      ASSERT_TRUE(added.has_value()) << added.error().message;
    }
  }

  // Runs `sql`, which stores a bad time: true when the database stored it (SQLite); on PostgreSQL
  // it must be refused, and false is returned.
  bool stored(const std::string& sql) {
    auto r = database_.query(sql);
    if (GetParam() == Backend::kPostgres) {
      EXPECT_NE(r.exit_code, 0) << "PostgreSQL stored: " << sql;
      return false;
    }
    EXPECT_EQ(r.exit_code, 0) << sql << "\n" << r.err;
    return r.exit_code == 0;
  }

  // A run of team `team`'s daily pipeline on 2026-11-0`day`, a slot run that failed unless told.
  void insert_run(const std::string& run_id, int team, int day,
                  const std::string& status = "failed") {
    const std::string date = "2026-11-0" + std::to_string(day);
    const std::string sql =
        "INSERT INTO pipeline_runs (run_id, sales_team_id, team_key, pipeline, status, "
        "triggered_by, slot_key, run_date, created_at) VALUES ('" +
        run_id + "', " + std::to_string(team) + ", " + std::to_string(team) + ", 'daily', '" +
        status + "', 'schedule', '" + date + "', '" + date + "', '" + date + "T06:00:00.000Z')";
    auto r = database_.query(sql);
    ASSERT_EQ(r.exit_code, 0) << sql << "\n" << r.err;
  }

  // Expects `result` to be an error containing `expected`.
  template <class R>
  static void expect_fails_naming(const R& result, const std::string& expected) {
    ASSERT_FALSE(result.has_value()) << "read although the row holds a bad time: " << expected;
    EXPECT_NE(result.error().message.find(expected), std::string::npos) << result.error().message;
    EXPECT_NE(result.error().message.find(kNotATime), std::string::npos) << result.error().message;
  }

  static std::vector<std::string> run_ids(const std::vector<RunRecord>& runs) {
    std::vector<std::string> out;
    for (const RunRecord& run : runs) {
      out.push_back(run.run_id.str());
    }
    return out;
  }

  testing::TempDir dir_;
  testing::TestDatabase database_{GetParam(), dir_.path()};
  std::unique_ptr<Database> db_;
};

TEST_P(StoredTimesTest, ARunWithABadTimeFailsTheReadNamingTheRunAndTheColumn) {
  insert_run("good", 1, 1);
  insert_run("bad", 1, 2);
  insert_run("late", 2, 3);
  if (!stored("UPDATE pipeline_runs SET created_at = 'the day before' WHERE run_id = 'bad'") ||
      !stored("UPDATE pipeline_runs SET started_at = 'soon' WHERE run_id = 'late'")) {
    return;
  }
  expect_fails_naming(db_->runs().find(RunId("bad")),
                      "run bad has the created_at 'the day before'");
  expect_fails_naming(db_->runs().find(RunId("late")), "run late has the started_at 'soon'");
  expect_fails_naming(db_->runs().list({}), "has the ");
  auto good = db_->runs().find(RunId("good"));
  ASSERT_TRUE(good.has_value() && good->has_value());
  EXPECT_EQ((*good)->created_at, utc("2026-11-01T06:00:00Z"));
}

// The service's scans (slots to resume, runs to abandon or adopt) go on with the other runs.
TEST_P(StoredTimesTest, TheServicesRunScansPassOverARunWithABadTime) {
  insert_run("good", 1, 1);
  insert_run("bad", 2, 2);
  if (!stored("UPDATE pipeline_runs SET heartbeat_at = 'never' WHERE run_id = 'bad'")) {
    return;
  }
  auto unsettled = db_->runs().unsettled_slot_attempts(utc("2026-10-01T00:00:00Z"));
  ASSERT_TRUE(unsettled.has_value()) << unsettled.error().message;
  EXPECT_EQ(run_ids(*unsettled), std::vector<std::string>{"good"});
  RunFilter filter;
  filter.bad_rows = BadRows::kSkipAndLog;
  auto listed = db_->runs().list(filter);
  ASSERT_TRUE(listed.has_value()) << listed.error().message;
  EXPECT_EQ(run_ids(*listed), std::vector<std::string>{"good"});
  expect_fails_naming(db_->runs().list({}), "run bad has the heartbeat_at 'never'");
}

TEST_P(StoredTimesTest, TheLatestCompletedRunWithABadTimeFailsTheSummariesNamingIt) {
  insert_run("done", 1, 1, "completed");
  if (!stored("UPDATE pipeline_runs SET completed_at = '2026-11-01 noon' WHERE run_id = 'done'")) {
    return;
  }
  expect_fails_naming(db_->queries().team_summaries(),
                      "the latest completed run of team key 1, pipeline daily has the completed_at "
                      "'2026-11-01 noon'");
}

TEST_P(StoredTimesTest, ATeamWithABadTimeFailsTheReadNamingTheTeam) {
  if (!stored("UPDATE sales_teams SET updated_at = 'never' WHERE id = 2")) {
    return;
  }
  expect_fails_naming(db_->teams().list(TeamStore::Which::kAll),
                      "team 2 has the updated_at 'never'");
  expect_fails_naming(db_->teams().find(TeamId{2}), "team 2 has the updated_at 'never'");
  auto one = db_->teams().find(TeamId{1});
  ASSERT_TRUE(one.has_value() && one->has_value()) << (one ? "" : one.error().message);
  // What the service schedules: every team but that one.
  auto active = db_->teams().list(TeamStore::Which::kActive, BadRows::kSkipAndLog);
  ASSERT_TRUE(active.has_value()) << active.error().message;
  ASSERT_EQ(active->size(), 1u);
  EXPECT_EQ(active->front().id, TeamId{1});
}

TEST_P(StoredTimesTest, APipelineSettingWithABadTimeFailsTheReadNamingTeamAndPipeline) {
  PipelineScheduleChanges at_six;
  at_six.run_time = "06:00";
  ASSERT_TRUE(
      db_->teams().update_pipeline(TeamId{1}, "weekly", at_six, utc("2026-10-02T00:00:00Z")));
  if (!stored("UPDATE team_pipelines SET active_since = 'later' WHERE sales_team_id = 1")) {
    return;
  }
  const std::string expected = "team 1, pipeline weekly has the active_since 'later'";
  expect_fails_naming(db_->teams().list(TeamStore::Which::kAll), expected);
  expect_fails_naming(db_->teams().find(TeamId{1}), expected);
  // The service leaves the whole team out: its pipeline would run on settings it does not have.
  auto active = db_->teams().list(TeamStore::Which::kActive, BadRows::kSkipAndLog);
  ASSERT_TRUE(active.has_value()) << active.error().message;
  ASSERT_EQ(active->size(), 1u);
  EXPECT_EQ(active->front().id, TeamId{2});
}

TEST_P(StoredTimesTest, AServiceWithABadTimeFailsTheListOfLiveServicesNamingIt) {
  ServiceInstance service;
  service.instance = "host-a:42";
  service.host = "host-a";
  service.pid = 42;
  service.started_at = service.heartbeat_at = utc("2026-11-01T06:00:00Z");
  ASSERT_TRUE(db_->registry().register_instance(service));
  if (!stored("UPDATE service_instances SET started_at = 'at boot'")) {
    return;
  }
  expect_fails_naming(db_->registry().live(utc("2026-10-01T00:00:00Z")),
                      "service host-a:42 has the started_at 'at boot'");
}

// The general run's schedule starts when the schema was created: the service cannot start without.
TEST_P(StoredTimesTest, ABadTimeOfTheSchemasCreationFailsItsReadNamingIt) {
  if (!stored("UPDATE schema_migrations SET applied_at = 'at install' WHERE version = 1")) {
    return;
  }
  expect_fails_naming(db_->registry().installed_at(),
                      "schema_migrations version 1 has the applied_at 'at install'");
}

TEST_P(StoredTimesTest, AnAuditEntryWithABadTimeFailsThePageNamingTheEntry) {
  AuditEntry entry;
  entry.at = utc("2026-11-01T06:00:00Z");
  entry.actor = "cli:alice";
  entry.action = "teams.update";
  auto id = db_->audit().record(entry);
  ASSERT_TRUE(id.has_value()) << id.error().message;
  if (!stored("UPDATE audit_log SET at = 'this morning'")) {
    return;
  }
  expect_fails_naming(db_->audit().page({}),
                      "audit entry " + std::to_string(*id) + " has the at 'this morning'");
}

TEST_P(StoredTimesTest, ANotificationWithABadTimeFailsTheListNamingIt) {
  auto inserted = database_.query(
      "INSERT INTO notifications (event, channel, target, status, attempts, created_at, "
      "updated_at, sent_at) VALUES ('run_failed', 'email', 'ops@example.com', 'sent', 1, "
      "'2026-11-01T06:00:00.000Z', '2026-11-01T06:00:00.000Z', '2026-11-01T06:00:01.000Z')");
  ASSERT_EQ(inserted.exit_code, 0) << inserted.err;
  if (!stored("UPDATE notifications SET sent_at = 'just now'")) {
    return;
  }
  auto id = database_.query("SELECT id FROM notifications");
  ASSERT_EQ(id.exit_code, 0) << id.err;
  id.out.pop_back();  // the line's end
  expect_fails_naming(db_->notifications().list({}),
                      "notification " + id.out + " has the sent_at 'just now'");
}

TEST_P(StoredTimesTest, ARunRequestWithABadTimeFailsItsReadAndThePendingOnesGoOn) {
  std::vector<std::int64_t> ids;
  for (int team : {1, 2}) {
    TriggerRequest request;
    request.owner = RunOwner{TeamId{team}, "daily"};
    request.requested_by = "cli:alice";
    request.created_at = utc("2026-11-01T06:00:00Z");
    auto submitted = db_->control().submit(request);
    ASSERT_TRUE(submitted.has_value()) << submitted.error().message;
    ids.push_back(submitted->request.id);
  }
  if (!stored("UPDATE run_requests SET created_at = 'right away' WHERE id = " +
              std::to_string(ids[0]))) {
    return;
  }
  expect_fails_naming(db_->control().find_request(ids[0]),
                      "run request " + std::to_string(ids[0]) + " has the created_at 'right away'");
  // What the service takes: every other request.
  auto pending = db_->control().pending_requests(utc("2026-10-01T00:00:00Z"));
  ASSERT_TRUE(pending.has_value()) << pending.error().message;
  ASSERT_EQ(pending->size(), 1u);
  EXPECT_EQ(pending->front().id, ids[1]);
}

INSTANTIATE_TEST_SUITE_P(Backends, StoredTimesTest,
                         ::testing::Values(Backend::kSqlite, Backend::kPostgres),
                         testing::backend_test_name);

}  // namespace
}  // namespace orch
