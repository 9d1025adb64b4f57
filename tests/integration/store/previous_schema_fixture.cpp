// The schema's DDL as it was written before it had one source (two hand-kept copies, one per
// database), copied verbatim apart from its names: the databases users have were made by it.
#include "tests/integration/store/previous_schema_fixture.h"

namespace orch::testing {
namespace {

using Dialect = Backend;

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
  bool sqlite = dialect == Backend::kSqlite;
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

// The statuses a run's row may have. `cancelled`, `waiting`, `missed_inputs` and
// `upstream_failed` are allowed ahead of the features that record them (a run cancelled through
// the API, a run waiting for its inputs or its upstream), so that those need no rebuild of the
// table in SQLite, which cannot change a CHECK constraint in place.
constexpr const char* kRunStatusCheck =
    "CHECK (status IN ('running', 'completed', 'failed', 'timed_out', 'skipped', 'missed', "
    "'interrupted', 'abandoned', 'cancelled', 'waiting', 'missed_inputs', 'upstream_failed'))";

// The indexes of pipeline_runs that name its owner: a team and one of its pipelines.
std::vector<std::string> v5_owner_indexes() {
  return {
      "CREATE UNIQUE INDEX pipeline_runs_one_per_slot ON pipeline_runs (team_key, pipeline, "
      "slot_key, attempt) WHERE slot_key IS NOT NULL",
      "CREATE UNIQUE INDEX pipeline_runs_one_running ON pipeline_runs (team_key, pipeline) "
      "WHERE status = 'running'",
      "CREATE INDEX pipeline_runs_team_key_created ON pipeline_runs (team_key, pipeline, "
      "created_at)",
  };
}

// Version 5: several pipelines per team. Every run belongs to a pipeline (rows from before are
// `daily`'s, the [pipeline] table's); the one-per-slot and one-running guarantees hold per team
// and pipeline. A team may choose its pipelines (sales_teams.pipelines, comma-separated) and have
// its own schedule and pause for each (team_pipelines). SQLite rebuilds pipeline_runs to widen
// its status CHECK; PostgreSQL alters it in place.
std::vector<std::string> v5_pipelines(Dialect dialect) {
  const bool sqlite = dialect == Backend::kSqlite;
  const std::string time = sqlite ? "TEXT" : "TIMESTAMPTZ";
  const std::string integer = sqlite ? "INTEGER" : "BIGINT";
  std::vector<std::string> out;
  if (sqlite) {
    out = {
        std::string(R"(CREATE TABLE pipeline_runs_v5 (
        id INTEGER PRIMARY KEY AUTOINCREMENT,
        run_id TEXT NOT NULL UNIQUE,
        sales_team_id INTEGER REFERENCES sales_teams(id),
        team_key INTEGER NOT NULL,
        pipeline TEXT NOT NULL DEFAULT 'daily',
        status TEXT NOT NULL )") +
            kRunStatusCheck + R"(,
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
        "INSERT INTO pipeline_runs_v5 (id, run_id, sales_team_id, team_key, status, "
        "triggered_by, attempt, slot_key, scheduled_for, run_date, purchase_date, total_loans, "
        "exceptions_count, exit_code, error, inputs, metrics, log_path, instance, heartbeat_at, "
        "created_at, started_at, completed_at, duration_ms) SELECT id, run_id, sales_team_id, "
        "team_key, status, triggered_by, attempt, slot_key, scheduled_for, run_date, "
        "purchase_date, total_loans, exceptions_count, exit_code, error, inputs, metrics, "
        "log_path, instance, heartbeat_at, created_at, started_at, completed_at, duration_ms "
        "FROM pipeline_runs",
        "DROP TABLE pipeline_runs",
        "ALTER TABLE pipeline_runs_v5 RENAME TO pipeline_runs",
        "CREATE INDEX pipeline_runs_team_created ON pipeline_runs (sales_team_id, created_at)",
        "CREATE INDEX pipeline_runs_created ON pipeline_runs (created_at)",
        "CREATE INDEX pipeline_runs_status_created ON pipeline_runs (status, created_at)",
    };
  } else {
    out = {
        "ALTER TABLE pipeline_runs ADD COLUMN pipeline TEXT NOT NULL DEFAULT 'daily'",
        "ALTER TABLE pipeline_runs DROP CONSTRAINT pipeline_runs_status_check",
        std::string("ALTER TABLE pipeline_runs ADD CONSTRAINT pipeline_runs_status_check ") +
            kRunStatusCheck,
        "DROP INDEX pipeline_runs_one_per_slot",
        "DROP INDEX pipeline_runs_one_running",
        "DROP INDEX pipeline_runs_team_key_created",
    };
  }
  for (std::string& index : v5_owner_indexes()) {
    out.push_back(std::move(index));
  }
  out.push_back("ALTER TABLE sales_teams ADD COLUMN pipelines TEXT");
  out.push_back(
      "CREATE TABLE team_pipelines (\n"
      "  sales_team_id " +
      integer +
      " NOT NULL REFERENCES sales_teams(id),\n"
      "  pipeline TEXT NOT NULL,\n"
      "  run_time TEXT,\n"
      "  cron TEXT,\n"
      "  paused INTEGER NOT NULL DEFAULT 0 CHECK (paused IN (0, 1)),\n"
      "  active_since " +
      time +
      ",\n"
      "  updated_at " +
      time +
      " NOT NULL,\n"
      "  PRIMARY KEY (sales_team_id, pipeline))");
  return out;
}

// Version 6: the version of each service, so that `status` shows a fleet of mixed versions
// (NULL for a service registered by an older build). The same SQL serves both databases.
std::vector<std::string> v6_service_version() {
  return {"ALTER TABLE service_instances ADD COLUMN version TEXT"};
}

// Version 8: a team's own waiting window (pipeline.wait_for_inputs_seconds for its daily
// pipeline), the runs it waits for (teams update --after, comma-separated as written) and its
// daylight-saving and overlap policies (null: the defaults); what daylight saving did to a run's
// slot.
// (Versions 6 and 7 are kept for other changes made at the same time.)
std::vector<std::string> v8_waiting() {
  return {
      "ALTER TABLE sales_teams ADD COLUMN wait_for_inputs_seconds INTEGER",
      "ALTER TABLE sales_teams ADD COLUMN upstreams TEXT",
      "ALTER TABLE sales_teams ADD COLUMN dst_skipped TEXT",
      "ALTER TABLE sales_teams ADD COLUMN dst_repeated TEXT",
      "ALTER TABLE pipeline_runs ADD COLUMN schedule_note TEXT",
      "ALTER TABLE sales_teams ADD COLUMN overlap TEXT",
  };
}

// Version 9: a note kept with a pause (cleared on resume), and the audit log: who changed what,
// with the values before and after (JSON text, secrets redacted), newest found by id.
std::vector<std::string> v9_audit(Dialect dialect) {
  const bool sqlite = dialect == Backend::kSqlite;
  const std::string id = sqlite ? "INTEGER PRIMARY KEY AUTOINCREMENT" : "BIGSERIAL PRIMARY KEY";
  const std::string time = sqlite ? "TEXT" : "TIMESTAMPTZ";
  return {
      "ALTER TABLE sales_teams ADD COLUMN pause_note TEXT",
      "ALTER TABLE team_pipelines ADD COLUMN pause_note TEXT",
      "CREATE TABLE audit_log (\n"
      "  id " +
          id +
          ",\n"
          "  at " +
          time +
          " NOT NULL,\n"
          "  actor TEXT NOT NULL,\n"
          "  action TEXT NOT NULL,\n"
          "  target TEXT,\n"
          "  before TEXT,\n"
          "  after TEXT)",
      "CREATE INDEX audit_log_at ON audit_log (at)",
  };
}

// Version 10: running an owner now through the services, and cancelling runs. A request to run
// (`trigger`, POST /api/v1/teams/{id}/runs) is a row one service takes by a compare-and-set on
// claimed_by and answers with the run it started; an idempotency key names one request for good.
// A running run asked to be cancelled carries when and by whom, for the service that runs it. The
// control generation tells live services to look (the schedule generation would reload teams).
std::vector<std::string> v10_run_control(Dialect dialect) {
  const bool sqlite = dialect == Backend::kSqlite;
  const std::string time = sqlite ? "TEXT" : "TIMESTAMPTZ";
  return {
      std::string("CREATE TABLE run_requests (\n") +
          (sqlite ? "  id INTEGER PRIMARY KEY AUTOINCREMENT,\n" : "  id BIGSERIAL PRIMARY KEY,\n") +
          "  team_key " + (sqlite ? "INTEGER" : "BIGINT") +
          " NOT NULL,\n"
          "  pipeline TEXT NOT NULL,\n"
          "  purchase_date TEXT,\n"
          "  requested_by TEXT NOT NULL,\n"
          "  idempotency_key TEXT,\n"
          "  created_at " +
          time +
          " NOT NULL,\n"
          "  claimed_by TEXT,\n"
          "  outcome TEXT CHECK (outcome IN ('started', 'busy', 'refused', 'withdrawn')),\n"
          "  run_id TEXT,\n"
          "  error TEXT)",
      "CREATE UNIQUE INDEX run_requests_idempotency ON run_requests (idempotency_key) WHERE "
      "idempotency_key IS NOT NULL",
      "CREATE INDEX run_requests_pending ON run_requests (created_at) WHERE claimed_by IS NULL",
      "ALTER TABLE pipeline_runs ADD COLUMN cancel_requested_at " + time,
      "ALTER TABLE pipeline_runs ADD COLUMN cancel_requested_by TEXT",
      "INSERT INTO orchestrator_state (name, value) VALUES ('control_generation', 0)",
  };
}

}  // namespace

std::vector<PreviousMigration> previous_migrations(Backend dialect) {
  // migrate() applies every version it has not applied yet, in this order.
  return {
      {1, dialect == Backend::kSqlite ? sqlite_v1() : postgres_v1()},
      {2, v2_notifications(dialect)},
      {3, v3_cron_and_pause()},
      {4, v4_history_indexes()},
      {5, v5_pipelines(dialect)},
      {6, v6_service_version()},
      {8, v8_waiting()},
      {9, v9_audit(dialect)},
      {10, v10_run_control(dialect)},
  };
}

}  // namespace orch::testing
