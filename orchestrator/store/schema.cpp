#include "orchestrator/store/schema.h"

namespace orch::store {
namespace {

// Version 1 for SQLite: times are UTC text in one sortable form (YYYY-MM-DDTHH:MM:SS.mmmZ), so
// the seed's `ORDER BY created_at DESC` sorts by time.
std::vector<std::string> sqlite_v1() {
  return {
      R"(CREATE TABLE sales_teams (
        id INTEGER PRIMARY KEY CHECK (id > 0),
        name TEXT NOT NULL,
        is_active INTEGER NOT NULL DEFAULT 1 CHECK (is_active IN (0, 1)),
        run_time TEXT,
        timezone TEXT,
        notify_email TEXT,
        notify_slack_webhook TEXT,
        active_since TEXT NOT NULL,
        created_at TEXT NOT NULL,
        updated_at TEXT NOT NULL))",
      R"(CREATE TABLE pipeline_runs (
        id INTEGER PRIMARY KEY AUTOINCREMENT,
        run_id TEXT NOT NULL UNIQUE,
        sales_team_id INTEGER REFERENCES sales_teams(id),
        team_key INTEGER NOT NULL,
        status TEXT NOT NULL CHECK (status IN ('running', 'completed', 'failed', 'timed_out',
                                               'skipped', 'missed', 'interrupted', 'abandoned')),
        triggered_by TEXT NOT NULL CHECK (triggered_by IN ('schedule', 'catchup', 'manual',
                                                           'retry', 'backfill')),
        attempt INTEGER NOT NULL DEFAULT 1,
        slot_key TEXT,
        scheduled_for TEXT,
        run_date TEXT NOT NULL,
        purchase_date TEXT,
        total_loans INTEGER,
        exceptions_count INTEGER,
        exit_code INTEGER,
        error TEXT,
        inputs TEXT,
        metrics TEXT,
        log_path TEXT,
        instance TEXT,
        heartbeat_at TEXT,
        created_at TEXT NOT NULL,
        started_at TEXT,
        completed_at TEXT,
        duration_ms INTEGER))",
      // The database, not the services, guarantees one row per team and slot, and at most one
      // running run per team: these hold whatever number of processes share the file.
      "CREATE UNIQUE INDEX pipeline_runs_one_per_slot ON pipeline_runs (team_key, slot_key, "
      "attempt) WHERE slot_key IS NOT NULL",
      "CREATE UNIQUE INDEX pipeline_runs_one_running ON pipeline_runs (team_key) "
      "WHERE status = 'running'",
      "CREATE INDEX pipeline_runs_team_created ON pipeline_runs (sales_team_id, created_at)",
      "CREATE INDEX pipeline_runs_created ON pipeline_runs (created_at)",
      R"(CREATE TABLE service_instances (
        instance TEXT PRIMARY KEY,
        host TEXT NOT NULL,
        pid INTEGER NOT NULL,
        started_at TEXT NOT NULL,
        heartbeat_at TEXT NOT NULL,
        applied_generation INTEGER NOT NULL DEFAULT 0))",
      R"(CREATE TABLE orchestrator_state (
        name TEXT PRIMARY KEY,
        value INTEGER NOT NULL))",
      "INSERT INTO orchestrator_state (name, value) VALUES ('schedule_generation', 0)",
  };
}

// Version 1 for PostgreSQL: proper types (timestamptz, jsonb, bigint).
std::vector<std::string> postgres_v1() {
  return {
      R"(CREATE TABLE sales_teams (
        id BIGINT PRIMARY KEY CHECK (id > 0),
        name TEXT NOT NULL,
        is_active INTEGER NOT NULL DEFAULT 1 CHECK (is_active IN (0, 1)),
        run_time TEXT,
        timezone TEXT,
        notify_email TEXT,
        notify_slack_webhook TEXT,
        active_since TIMESTAMPTZ NOT NULL,
        created_at TIMESTAMPTZ NOT NULL,
        updated_at TIMESTAMPTZ NOT NULL))",
      R"(CREATE TABLE pipeline_runs (
        id BIGSERIAL PRIMARY KEY,
        run_id TEXT NOT NULL UNIQUE,
        sales_team_id BIGINT REFERENCES sales_teams(id),
        team_key BIGINT NOT NULL,
        status TEXT NOT NULL CHECK (status IN ('running', 'completed', 'failed', 'timed_out',
                                               'skipped', 'missed', 'interrupted', 'abandoned')),
        triggered_by TEXT NOT NULL CHECK (triggered_by IN ('schedule', 'catchup', 'manual',
                                                           'retry', 'backfill')),
        attempt INTEGER NOT NULL DEFAULT 1,
        slot_key TEXT,
        scheduled_for TIMESTAMPTZ,
        run_date DATE NOT NULL,
        purchase_date DATE,
        total_loans BIGINT,
        exceptions_count BIGINT,
        exit_code INTEGER,
        error TEXT,
        inputs JSONB,
        metrics JSONB,
        log_path TEXT,
        instance TEXT,
        heartbeat_at TIMESTAMPTZ,
        created_at TIMESTAMPTZ NOT NULL,
        started_at TIMESTAMPTZ,
        completed_at TIMESTAMPTZ,
        duration_ms BIGINT))",
      "CREATE UNIQUE INDEX pipeline_runs_one_per_slot ON pipeline_runs (team_key, slot_key, "
      "attempt) WHERE slot_key IS NOT NULL",
      "CREATE UNIQUE INDEX pipeline_runs_one_running ON pipeline_runs (team_key) "
      "WHERE status = 'running'",
      "CREATE INDEX pipeline_runs_team_created ON pipeline_runs (sales_team_id, created_at)",
      "CREATE INDEX pipeline_runs_created ON pipeline_runs (created_at)",
      R"(CREATE TABLE service_instances (
        instance TEXT PRIMARY KEY,
        host TEXT NOT NULL,
        pid BIGINT NOT NULL,
        started_at TIMESTAMPTZ NOT NULL,
        heartbeat_at TIMESTAMPTZ NOT NULL,
        applied_generation BIGINT NOT NULL DEFAULT 0))",
      R"(CREATE TABLE orchestrator_state (
        name TEXT PRIMARY KEY,
        value BIGINT NOT NULL))",
      "INSERT INTO orchestrator_state (name, value) VALUES ('schedule_generation', 0)",
  };
}

// Version 2: one row per notification delivery, so an operator can see what was sent
// and what was not. `target` never holds a secret (webhook URLs are stored redacted).
std::vector<std::string> v2_notifications(Dialect dialect) {
  bool sqlite = dialect == Dialect::kSqlite;
  std::string id = sqlite ? "INTEGER PRIMARY KEY AUTOINCREMENT" : "BIGSERIAL PRIMARY KEY";
  std::string integer = sqlite ? "INTEGER" : "BIGINT";
  std::string time = sqlite ? "TEXT" : "TIMESTAMPTZ";
  return {
      "CREATE TABLE notifications (\n"
      "  id " +
          id +
          ",\n"
          "  event TEXT NOT NULL,\n"
          "  channel TEXT NOT NULL,\n"
          "  target TEXT NOT NULL,\n"
          "  sales_team_id " +
          integer +
          ",\n"
          "  run_id TEXT,\n"
          "  status TEXT NOT NULL CHECK (status IN ('pending', 'sent', 'failed', 'dropped')),\n"
          "  attempts INTEGER NOT NULL DEFAULT 0,\n"
          "  last_error TEXT,\n"
          "  created_at " +
          time +
          " NOT NULL,\n"
          "  updated_at " +
          time +
          " NOT NULL,\n"
          "  sent_at " +
          time + ")",
      "CREATE INDEX notifications_created ON notifications (created_at)",
      "CREATE INDEX notifications_run ON notifications (run_id)",
  };
}

// Version 3: a team's schedule may be a cron expression instead of a daily run time, a team can
// be paused without being deactivated, and a team may override the retry settings (null: the
// configured ones). The same SQL serves both databases.
std::vector<std::string> v3_cron_and_pause() {
  return {
      "ALTER TABLE sales_teams ADD COLUMN cron TEXT",
      "ALTER TABLE sales_teams ADD COLUMN paused INTEGER NOT NULL DEFAULT 0 "
      "CHECK (paused IN (0, 1))",
      "ALTER TABLE sales_teams ADD COLUMN retry_max_attempts INTEGER",
      "ALTER TABLE sales_teams ADD COLUMN retry_initial_delay_seconds INTEGER",
      "ALTER TABLE sales_teams ADD COLUMN retry_max_delay_seconds INTEGER",
  };
}

// Version 4: indexes for the queries that run per run or per heartbeat, so their cost stays flat
// as the history grows: a team's latest runs (runs --team, the failure streak read at every run's
// end) and the running runs (read at every heartbeat).
std::vector<std::string> v4_history_indexes() {
  return {
      "CREATE INDEX pipeline_runs_team_key_created ON pipeline_runs (team_key, created_at)",
      "CREATE INDEX pipeline_runs_status_created ON pipeline_runs (status, created_at)",
  };
}

// Version 6: the version of each service, so that `status` shows a fleet of mixed versions
// (NULL for a service registered by an older build). The same SQL serves both databases.
std::vector<std::string> v6_service_version() {
  return {"ALTER TABLE service_instances ADD COLUMN version TEXT"};
}

}  // namespace

std::vector<Migration> migrations(Dialect dialect) {
  // migrate() applies every version it has not applied yet, in this order.
  return {
      {1, dialect == Dialect::kSqlite ? sqlite_v1() : postgres_v1()},
      {2, v2_notifications(dialect)},
      {3, v3_cron_and_pause()},
      {4, v4_history_indexes()},
      {6, v6_service_version()},
  };
}

}  // namespace orch::store
