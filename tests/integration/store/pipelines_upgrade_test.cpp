// Upgrading a database of schema version 4 (the last before pipelines had names) on SQLite and on
// PostgreSQL: every run becomes the `daily` pipeline's, nothing else changes, the seed's query
// runs unchanged, and the one-per-slot and one-running guarantees then hold per pipeline.
#include <algorithm>
#include <cctype>
#include <filesystem>
#include <memory>
#include <string>
#include <vector>

#include <gtest/gtest.h>

#include "config/base/ids.h"
#include "config/base/time.h"
#include "orchestrator/store/database.h"
#include "tests/support/command.h"
#include "tests/support/temp_dir.h"
#include "tests/support/test_database.h"
#include "tests/support/time_values.h"

namespace orch {
namespace {

using testing::Backend;
using testing::utc;

// The schema as versions 1 to 4 left it, written out rather than taken from the migrations, so
// that this stays the database a user of that version has whatever later versions change.
std::string version_4_schema(Backend backend) {
  const bool sqlite = backend == Backend::kSqlite;
  const std::string time = sqlite ? "TEXT" : "TIMESTAMPTZ";
  const std::string big = sqlite ? "INTEGER" : "BIGINT";
  const std::string serial = sqlite ? "INTEGER PRIMARY KEY AUTOINCREMENT" : "BIGSERIAL PRIMARY KEY";
  const std::string date = sqlite ? "TEXT" : "DATE";
  const std::string json = sqlite ? "TEXT" : "JSONB";
  return "CREATE TABLE schema_migrations (version INTEGER PRIMARY KEY, applied_at " + time +
         " NOT NULL);\n"
         "CREATE TABLE sales_teams (id " +
         big +
         " PRIMARY KEY CHECK (id > 0), name TEXT NOT NULL, "
         "is_active INTEGER NOT NULL DEFAULT 1 CHECK (is_active IN (0, 1)), run_time TEXT, "
         "timezone TEXT, notify_email TEXT, notify_slack_webhook TEXT, active_since " +
         time + " NOT NULL, created_at " + time + " NOT NULL, updated_at " + time +
         " NOT NULL);\n"
         "CREATE TABLE pipeline_runs (id " +
         serial + ", run_id TEXT NOT NULL UNIQUE, sales_team_id " + big +
         " REFERENCES sales_teams(id), team_key " + big +
         " NOT NULL, status TEXT NOT NULL CHECK (status IN ('running', 'completed', 'failed', "
         "'timed_out', 'skipped', 'missed', 'interrupted', 'abandoned')), triggered_by TEXT NOT "
         "NULL CHECK (triggered_by IN ('schedule', 'catchup', 'manual', 'retry', 'backfill')), "
         "attempt INTEGER NOT NULL DEFAULT 1, slot_key TEXT, scheduled_for " +
         time + ", run_date " + date + " NOT NULL, purchase_date " + date + ", total_loans " + big +
         ", exceptions_count " + big + ", exit_code INTEGER, error TEXT, inputs " + json +
         ", metrics " + json + ", log_path TEXT, instance TEXT, heartbeat_at " + time +
         ", created_at " + time + " NOT NULL, started_at " + time + ", completed_at " + time +
         ", duration_ms " + big +
         ");\n"
         "CREATE UNIQUE INDEX pipeline_runs_one_per_slot ON pipeline_runs (team_key, slot_key, "
         "attempt) WHERE slot_key IS NOT NULL;\n"
         "CREATE UNIQUE INDEX pipeline_runs_one_running ON pipeline_runs (team_key) WHERE status "
         "= 'running';\n"
         "CREATE INDEX pipeline_runs_team_created ON pipeline_runs (sales_team_id, created_at);\n"
         "CREATE INDEX pipeline_runs_created ON pipeline_runs (created_at);\n"
         "CREATE TABLE service_instances (instance TEXT PRIMARY KEY, host TEXT NOT NULL, pid " +
         big + " NOT NULL, started_at " + time + " NOT NULL, heartbeat_at " + time +
         " NOT NULL, applied_generation " + big + " NOT NULL DEFAULT 0);\n" +
         "CREATE TABLE orchestrator_state (name TEXT PRIMARY KEY, value " + big +
         " NOT NULL);\n"
         "INSERT INTO orchestrator_state (name, value) VALUES ('schedule_generation', 0);\n"
         "CREATE TABLE notifications (id " +
         serial +
         ", event TEXT NOT NULL, channel TEXT NOT NULL, target TEXT NOT NULL, sales_team_id " +
         big +
         ", run_id TEXT, status TEXT NOT NULL CHECK (status IN ('pending', 'sent', 'failed', "
         "'dropped')), attempts INTEGER NOT NULL DEFAULT 0, last_error TEXT, created_at " +
         time + " NOT NULL, updated_at " + time + " NOT NULL, sent_at " + time + ");\n" +
         "CREATE INDEX notifications_created ON notifications (created_at);\n"
         "CREATE INDEX notifications_run ON notifications (run_id);\n"
         "ALTER TABLE sales_teams ADD COLUMN cron TEXT;\n"
         "ALTER TABLE sales_teams ADD COLUMN paused INTEGER NOT NULL DEFAULT 0 CHECK (paused IN "
         "(0, 1));\n"
         "ALTER TABLE sales_teams ADD COLUMN retry_max_attempts INTEGER;\n"
         "ALTER TABLE sales_teams ADD COLUMN retry_initial_delay_seconds INTEGER;\n"
         "ALTER TABLE sales_teams ADD COLUMN retry_max_delay_seconds INTEGER;\n"
         "CREATE INDEX pipeline_runs_team_key_created ON pipeline_runs (team_key, created_at);\n"
         "CREATE INDEX pipeline_runs_status_created ON pipeline_runs (status, created_at);\n"
         "INSERT INTO schema_migrations (version, applied_at) VALUES "
         "(1, '2026-01-01T00:00:00.000Z'), (2, '2026-01-01T00:00:00.000Z'), "
         "(3, '2026-01-01T00:00:00.000Z'), (4, '2026-01-01T00:00:00.000Z');\n";
}

// A history as a version-4 service leaves it: teams (one with its own run time and recipients,
// one paused on a cron schedule with its own retries), completed, failed, retried, skipped,
// missed and manual runs, the general run, a run still running, and its notifications.
constexpr const char* kVersion4Rows =
    "INSERT INTO sales_teams (id, name, is_active, run_time, timezone, notify_email, "
    "notify_slack_webhook, active_since, created_at, updated_at, cron, paused, "
    "retry_max_attempts, retry_initial_delay_seconds, retry_max_delay_seconds) VALUES "
    "(1, 'East', 1, '05:30', 'Asia/Kolkata', 'east@example.com', NULL, "
    "'2026-01-02T03:04:05.678Z', '2026-01-02T03:04:05.678Z', '2026-02-01T00:00:00.000Z', NULL, "
    "0, NULL, NULL, NULL), "
    "(2, 'West', 1, NULL, NULL, NULL, 'https://hooks.example.com/x', "
    "'2026-01-03T00:00:00.000Z', '2026-01-03T00:00:00.000Z', '2026-01-03T00:00:00.000Z', "
    "'0 4 1 * *', 1, 3, 60, 600), "
    "(3, 'Gone', 0, NULL, NULL, NULL, NULL, '2026-01-04T00:00:00.000Z', "
    "'2026-01-04T00:00:00.000Z', '2026-01-05T00:00:00.000Z', NULL, 0, NULL, NULL, NULL);\n"
    "INSERT INTO pipeline_runs (run_id, sales_team_id, team_key, status, triggered_by, "
    "attempt, slot_key, scheduled_for, run_date, purchase_date, total_loans, exceptions_count, "
    "exit_code, error, inputs, metrics, log_path, instance, heartbeat_at, created_at, "
    "started_at, completed_at, duration_ms) VALUES "
    "('run_a1', 1, 1, 'completed', 'schedule', 1, '2026-11-30', '2026-11-30T00:00:00.000Z', "
    "'2026-11-30', '2026-12-01', 12, 2, 0, NULL, '[{\"path\":\"loans_20261130.csv\"}]', "
    "'{\"total_loans\":12}', '/out/sales_team_1/runs/run_a1/pipeline.log', 'host-a:10', "
    "'2026-11-30T00:00:05.000Z', '2026-11-30T00:00:00.123Z', '2026-11-30T00:00:00.123Z', "
    "'2026-11-30T00:00:09.456Z', 9333), "
    "('run_a2', 1, 1, 'failed', 'schedule', 1, '2026-12-01', '2026-12-01T00:00:00.000Z', "
    "'2026-12-01', '2026-12-01', NULL, NULL, 1, 'exited with code 1', '[]', NULL, NULL, "
    "'host-a:10', NULL, '2026-12-01T00:00:00.100Z', '2026-12-01T00:00:00.100Z', "
    "'2026-12-01T00:00:01.100Z', 1000), "
    "('run_a3', 1, 1, 'completed', 'retry', 2, '2026-12-01', '2026-12-01T00:00:00.000Z', "
    "'2026-12-01', '2026-12-01', 7, 0, 0, NULL, '[]', '{}', NULL, 'host-b:20', NULL, "
    "'2026-12-01T00:01:00.000Z', '2026-12-01T00:01:00.000Z', '2026-12-01T00:01:02.000Z', 2000), "
    "('run_a4', 2, 2, 'running', 'schedule', 1, '2026-12-01T04:00:00Z', "
    "'2026-12-01T04:00:00.000Z', '2026-12-01', '2026-12-01', NULL, NULL, NULL, NULL, NULL, "
    "NULL, NULL, 'host-a:10', '2026-12-01T04:00:30.000Z', '2026-12-01T04:00:00.010Z', "
    "'2026-12-01T04:00:00.010Z', NULL, NULL), "
    "('run_a5', 1, 1, 'skipped', 'schedule', 1, '2026-12-02', '2026-12-02T00:00:00.000Z', "
    "'2026-12-02', '2026-12-08', NULL, NULL, NULL, 'team 1 was still running run_x', NULL, "
    "NULL, NULL, 'host-a:10', NULL, '2026-12-02T00:00:00.000Z', NULL, "
    "'2026-12-02T00:00:00.000Z', NULL), "
    "('run_a6', NULL, 0, 'completed', 'manual', 1, NULL, NULL, '2026-12-02', '2026-12-08', 30, "
    "3, 0, NULL, '[]', '{}', NULL, 'host-a:10', NULL, '2026-12-02T10:00:00.000Z', "
    "'2026-12-02T10:00:00.000Z', '2026-12-02T10:00:03.000Z', 3000), "
    "('run_a7', 3, 3, 'missed', 'schedule', 1, '2026-12-03', '2026-12-03T00:00:00.000Z', "
    "'2026-12-03', '2026-12-08', NULL, NULL, NULL, 'not started within the grace window', NULL, "
    "NULL, NULL, 'host-a:10', NULL, '2026-12-03T02:00:00.000Z', NULL, "
    "'2026-12-03T02:00:00.000Z', NULL), "
    "('run_a8', 1, 1, 'completed', 'backfill', 1, NULL, NULL, '2026-11-15', '2026-11-17', 4, "
    "1, 0, NULL, '[]', '{}', NULL, 'host-a:10', NULL, '2026-12-03T09:00:00.000Z', "
    "'2026-12-03T09:00:00.000Z', '2026-12-03T09:00:01.000Z', 1000);\n"
    "INSERT INTO notifications (event, channel, target, sales_team_id, run_id, status, "
    "attempts, last_error, created_at, updated_at, sent_at) VALUES "
    "('run_failed', 'email', 'east@example.com', 1, 'run_a2', 'sent', 1, NULL, "
    "'2026-12-01T00:00:02.000Z', '2026-12-01T00:00:03.000Z', '2026-12-01T00:00:03.000Z');\n"
    "INSERT INTO service_instances (instance, host, pid, started_at, heartbeat_at, "
    "applied_generation) VALUES ('host-a:10', 'host-a', 10, '2026-11-01T00:00:00.000Z', "
    "'2026-12-01T04:00:30.000Z', 0);\n";

// Every column version 4 had, in its order: what must read the same after the upgrade.
constexpr const char* kVersion4Runs =
    "SELECT id, run_id, sales_team_id, team_key, status, triggered_by, attempt, slot_key, "
    "scheduled_for, run_date, purchase_date, total_loans, exceptions_count, exit_code, error, "
    "inputs, metrics, log_path, instance, heartbeat_at, created_at, started_at, completed_at, "
    "duration_ms FROM pipeline_runs ORDER BY id";
constexpr const char* kVersion4Teams =
    "SELECT id, name, is_active, run_time, timezone, notify_email, notify_slack_webhook, "
    "active_since, created_at, updated_at, cron, paused, retry_max_attempts, "
    "retry_initial_delay_seconds, retry_max_delay_seconds FROM sales_teams ORDER BY id";
constexpr const char* kVersion4Notifications =
    "SELECT id, event, channel, target, sales_team_id, run_id, status, attempts, last_error, "
    "created_at, updated_at, sent_at FROM notifications ORDER BY id";
constexpr const char* kVersion4Services =
    "SELECT instance, host, pid, started_at, heartbeat_at, applied_generation FROM "
    "service_instances ORDER BY instance";
// The seed's query over the run history, as its users type it.
constexpr const char* kSeedQuery =
    "SELECT run_id, status, sales_team_id, total_loans, exceptions_count, started_at, "
    "completed_at FROM pipeline_runs WHERE sales_team_id = 1 ORDER BY created_at DESC;";

class PipelinesUpgradeTest : public ::testing::TestWithParam<Backend> {
 protected:
  void SetUp() override {
    if (!database_.available()) {
      GTEST_SKIP() << "no PostgreSQL server (run the tests under scripts/with_test_services.sh)";
    }
    auto made = database_.query(version_4_schema(GetParam()));
    ASSERT_EQ(made.exit_code, 0) << made.err;
    auto filled = database_.query(kVersion4Rows);
    ASSERT_EQ(filled.exit_code, 0) << filled.err;
  }

  std::string sql(const std::string& query) {
    auto result = database_.query(query);
    EXPECT_EQ(result.exit_code, 0) << query << ": " << result.err;
    return result.out;
  }

  Claim claim(Database& db, const ClaimRequest& request) {
    auto c = db.runs().claim(request);
    EXPECT_TRUE(c.has_value()) << c.error().message;
    return c ? *c : Claim{};
  }

  testing::TempDir dir_;
  testing::TestDatabase database_{GetParam(), dir_.path()};
};

TEST_P(PipelinesUpgradeTest, EveryRunBecomesDailysAndNothingElseChanges) {
  const std::string runs_before = sql(kVersion4Runs);
  const std::string teams_before = sql(kVersion4Teams);
  const std::string notifications_before = sql(kVersion4Notifications);
  const std::string services_before = sql(kVersion4Services);
  const std::string seed_before = sql(kSeedQuery);
  ASSERT_EQ(std::count(runs_before.begin(), runs_before.end(), '\n'), 8) << runs_before;
  ASSERT_EQ(std::count(seed_before.begin(), seed_before.end(), '\n'), 5) << seed_before;

  // An existing database: opened as every command opens one, which upgrades it.
  auto opened = Database::open(database_.url(), 2, Database::OpenMode::kExisting);
  ASSERT_TRUE(opened.has_value()) << opened.error().message;
  std::unique_ptr<Database> db = std::move(*opened);
  EXPECT_EQ(sql("SELECT MAX(version) FROM schema_migrations"),
            std::to_string(Database::latest_schema_version()) + "\n");

  EXPECT_EQ(sql(kVersion4Runs), runs_before);
  EXPECT_EQ(sql(kVersion4Teams), teams_before);
  EXPECT_EQ(sql(kVersion4Notifications), notifications_before);
  EXPECT_EQ(sql(kVersion4Services), services_before);
  EXPECT_EQ(sql(kSeedQuery), seed_before);
  EXPECT_EQ(sql("SELECT pipeline, COUNT(*) FROM pipeline_runs GROUP BY pipeline"), "daily|8\n");
  // No team chose pipelines or has settings of its own for one.
  EXPECT_EQ(sql("SELECT COUNT(*) FROM sales_teams WHERE pipelines IS NOT NULL"), "0\n");
  EXPECT_EQ(sql("SELECT COUNT(*) FROM team_pipelines"), "0\n");

  // Through the store too: the runs read back as `daily`'s, the teams as they were.
  RunFilter every;
  every.limit = 100;
  auto all = db->runs().list(every);
  ASSERT_TRUE(all.has_value()) << all.error().message;
  ASSERT_EQ(all->size(), 8u);
  for (const RunRecord& r : *all) {
    EXPECT_EQ(r.pipeline, kDefaultPipeline) << r.run_id;
  }
  auto west = db->teams().find(TeamId{2});
  ASSERT_TRUE(west.has_value() && west->has_value());
  EXPECT_EQ((*west)->cron, "0 4 1 * *");
  EXPECT_TRUE((*west)->paused);
  EXPECT_EQ((*west)->retry_max_attempts, 3);
  EXPECT_FALSE((*west)->pipelines.has_value());
  EXPECT_TRUE((*west)->pipeline_settings.empty());
  auto keys = db->runs().last_slot_keys();
  ASSERT_TRUE(keys.has_value()) << keys.error().message;
  EXPECT_EQ(keys->at(RunOwner{TeamId{1}, std::string(kDefaultPipeline)}), "2026-12-02");
  EXPECT_EQ(keys->size(), 3u);

  // Reopening does not migrate again.
  const std::string versions = sql("SELECT version FROM schema_migrations ORDER BY version");
  db.reset();
  auto again = Database::open(database_.url(), 2, Database::OpenMode::kExisting);
  ASSERT_TRUE(again.has_value()) << again.error().message;
  EXPECT_EQ(sql(kVersion4Runs), runs_before);
  EXPECT_EQ(sql("SELECT version FROM schema_migrations ORDER BY version"), versions);
}

TEST_P(PipelinesUpgradeTest, TheOldRowsKeepTheirGuaranteesWhichNowHoldPerPipeline) {
  auto opened = Database::open(database_.url(), 2, Database::OpenMode::kExisting);
  ASSERT_TRUE(opened.has_value()) << opened.error().message;
  Database& db = **opened;
  const SysTime now = utc("2026-12-01T04:00:10Z");

  // Team 2's daily slot is running (run_a4): daily is busy, another pipeline of team 2 is not,
  // and may take the same slot key.
  ClaimRequest month_end;
  month_end.team = TeamId{2};
  month_end.pipeline = "month_end";
  month_end.triggered_by = Trigger::kSchedule;
  month_end.slot_key = "2026-12-01T04:00:00Z";
  month_end.scheduled_for = utc("2026-12-01T04:00:00Z");
  month_end.run_date = *parse_date("2026-12-01");
  month_end.purchase_date = "2026-12-01";
  month_end.instance = "host-c:30";
  month_end.now = now;
  Claim taken = claim(db, month_end);
  ASSERT_EQ(taken.outcome, ClaimOutcome::kClaimed);
  EXPECT_EQ(taken.record.pipeline, "month_end");
  // Numbered after the rows from before the upgrade.
  EXPECT_EQ(sql("SELECT id FROM pipeline_runs WHERE pipeline = 'month_end'"), "9\n");

  ClaimRequest daily = month_end;
  daily.pipeline = std::string(kDefaultPipeline);
  // The slot daily recorded before the upgrade is still recorded...
  EXPECT_EQ(claim(db, daily).outcome, ClaimOutcome::kAlreadyRecorded);
  // ...and its running run still makes daily busy.
  daily.slot_key.reset();
  daily.triggered_by = Trigger::kManual;
  Claim busy = claim(db, daily);
  EXPECT_EQ(busy.outcome, ClaimOutcome::kTeamBusy);
  EXPECT_EQ(busy.busy_run_id.str(), "run_a4");
  // A second claim of month_end's slot is refused too.
  EXPECT_EQ(claim(db, month_end).outcome, ClaimOutcome::kAlreadyRecorded);
  // Team 1's daily slots recorded before the upgrade are not run again.
  ClaimRequest old_slot = month_end;
  old_slot.team = TeamId{1};
  old_slot.pipeline = std::string(kDefaultPipeline);
  old_slot.slot_key = "2026-12-01";
  EXPECT_EQ(claim(db, old_slot).outcome, ClaimOutcome::kAlreadyRecorded);
  old_slot.attempt = 2;
  old_slot.triggered_by = Trigger::kRetry;
  EXPECT_EQ(claim(db, old_slot).outcome, ClaimOutcome::kAlreadyRecorded);

  // The database itself, whoever writes to it: a second running daily row of team 2 and a second
  // row of daily's slot attempt are refused; month_end's are its own.
  auto refused = [&](const std::string& query) {
    auto result = database_.query(query);
    EXPECT_NE(result.exit_code, 0) << query;
    std::string err = result.err;
    std::transform(err.begin(), err.end(), err.begin(),
                   [](unsigned char c) { return std::tolower(c); });
    EXPECT_NE(err.find("unique"), std::string::npos) << result.err;
  };
  const std::string insert =
      "INSERT INTO pipeline_runs (run_id, sales_team_id, team_key, status, triggered_by, "
      "attempt, slot_key, run_date, created_at) VALUES ";
  refused(insert +
          "('dup1', 2, 2, 'running', 'manual', 1, NULL, '2026-12-01', "
          "'2026-12-01T05:00:00.000Z')");
  refused(insert +
          "('dup2', 1, 1, 'completed', 'schedule', 1, '2026-11-30', '2026-11-30', "
          "'2026-12-01T05:00:00.000Z')");
  EXPECT_EQ(sql("SELECT pipeline, COUNT(*) FROM pipeline_runs GROUP BY pipeline ORDER BY "
                "pipeline"),
            "daily|8\nmonth_end|1\n");
}

// The tables, columns, constraints and indexes of the upgraded database are those of a database
// created by this build: no index or check of version 4 is left behind, none is missing.
TEST_P(PipelinesUpgradeTest, AnUpgradedDatabaseHasTheSchemaOfANewOne) {
  ASSERT_TRUE(Database::open(database_.url(), 2, Database::OpenMode::kExisting).has_value());
  std::filesystem::create_directory(dir_ / "new");
  testing::TestDatabase fresh(GetParam(), dir_ / "new");
  ASSERT_TRUE(Database::open(fresh.url(), 2, Database::OpenMode::kCreateIfMissing).has_value());
  auto fresh_sql = [&fresh](const std::string& query) {
    auto result = fresh.query(query);
    EXPECT_EQ(result.exit_code, 0) << query << ": " << result.err;
    return result.out;
  };
  // SQLite keeps each table's SQL as written: the fixture's tables are compared by their
  // columns, the tables and indexes the upgrade made by their SQL.
  const std::vector<std::string> queries =
      GetParam() == Backend::kSqlite
          ? std::vector<std::string>{
                "SELECT m.name, p.cid, p.name, p.type, p.\"notnull\", p.dflt_value, p.pk FROM "
                "sqlite_master m JOIN pragma_table_info(m.name) p WHERE m.type = 'table' ORDER "
                "BY m.name, p.cid",
                "SELECT name, tbl_name, sql FROM sqlite_master WHERE type = 'index' OR name IN "
                "('pipeline_runs', 'team_pipelines') ORDER BY name"}
          : std::vector<std::string>{
                "SELECT table_name, column_name, data_type, is_nullable, column_default FROM "
                "information_schema.columns WHERE table_schema = 'public' ORDER BY table_name, "
                "ordinal_position",
                "SELECT tablename, indexname, indexdef FROM pg_indexes WHERE schemaname = "
                "'public' ORDER BY indexname",
                "SELECT conrelid::regclass, conname, pg_get_constraintdef(oid) FROM pg_constraint "
                "WHERE connamespace = 'public'::regnamespace ORDER BY conrelid::regclass::text, "
                "conname"};
  for (const std::string& query : queries) {
    EXPECT_EQ(sql(query), fresh_sql(query)) << query;
  }
}

INSTANTIATE_TEST_SUITE_P(Backends, PipelinesUpgradeTest,
                         ::testing::Values(Backend::kSqlite, Backend::kPostgres),
                         testing::backend_test_name);

}  // namespace
}  // namespace orch
