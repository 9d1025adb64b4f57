#include "orchestrator/store/schema.h"

#include <array>
#include <string_view>
#include <utility>

namespace orch::store {
namespace {

// The differences between the two databases' DDL, named once. Each statement below is written
// once, with these placeholders where the databases differ:
//   {id}      the table's own autoincrementing key
//   {bigint}  a 64-bit integer (SQLite's INTEGER is one already)
//   {time}    a UTC instant: SQLite keeps our sortable text form (YYYY-MM-DDTHH:MM:SS.mmmZ), so
//             that `ORDER BY created_at DESC` sorts by time
//   {date}    a calendar date (SQLite: ISO text)
//   {json}    a JSON document (SQLite: text)
// The one difference that is not a type is how version 5 widens pipeline_runs' status CHECK:
// SQLite cannot change a constraint in place and rebuilds the table (widen_status_check()).
struct Placeholder {
  std::string_view name;
  std::string_view sqlite;
  std::string_view postgres;
};
constexpr std::array<Placeholder, 5> kPlaceholders{{
    {"{id}", "INTEGER PRIMARY KEY AUTOINCREMENT", "BIGSERIAL PRIMARY KEY"},
    {"{bigint}", "INTEGER", "BIGINT"},
    {"{time}", "TEXT", "TIMESTAMPTZ"},
    {"{date}", "TEXT", "DATE"},
    {"{json}", "TEXT", "JSONB"},
}};

// `sql` with its placeholders replaced by the dialect's types.
std::string render(const std::string& sql, Dialect dialect) {
  std::string out(sql);
  for (const Placeholder& p : kPlaceholders) {
    const std::string_view type = dialect == Dialect::kSqlite ? p.sqlite : p.postgres;
    for (auto at = out.find(p.name); at != std::string::npos; at = out.find(p.name, at)) {
      out.replace(at, p.name.size(), type);
      at += type.size();
    }
  }
  return out;
}

std::vector<std::string> render_all(const std::vector<std::string>& statements, Dialect dialect) {
  std::vector<std::string> out;
  out.reserve(statements.size());
  for (const std::string& sql : statements) {
    out.push_back(render(sql, dialect));
  }
  return out;
}

// The statuses version 1 allowed. Version 5 added `cancelled`, `waiting`, `missed_inputs` and
// `upstream_failed` ahead of the features that record them (a run cancelled through the API, a
// run waiting for its inputs or its upstream), so that those need no rebuild of the table in
// SQLite, which cannot change a CHECK constraint in place.
constexpr std::string_view kV1StatusCheck =
    "CHECK (status IN ('running', 'completed', 'failed', 'timed_out', 'skipped', 'missed', "
    "'interrupted', 'abandoned'))";
constexpr std::string_view kRunStatusCheck =
    "CHECK (status IN ('running', 'completed', 'failed', 'timed_out', 'skipped', 'missed', "
    "'interrupted', 'abandoned', 'cancelled', 'waiting', 'missed_inputs', 'upstream_failed'))";

// The columns of pipeline_runs as version 1 created them, in order; `pipeline` (version 5) goes
// after team_key where the table is created whole.
constexpr std::array<std::pair<std::string_view, std::string_view>, 24> kRunColumns{{
    {"id", "{id}"},
    {"run_id", "TEXT NOT NULL UNIQUE"},
    {"sales_team_id", "{bigint} REFERENCES sales_teams(id)"},
    {"team_key", "{bigint} NOT NULL"},
    {"status", "TEXT NOT NULL {status_check}"},
    {"triggered_by",
     "TEXT NOT NULL CHECK (triggered_by IN ('schedule', 'catchup', 'manual', 'retry', "
     "'backfill'))"},
    {"attempt", "INTEGER NOT NULL DEFAULT 1"},
    {"slot_key", "TEXT"},
    {"scheduled_for", "{time}"},
    {"run_date", "{date} NOT NULL"},
    {"purchase_date", "{date}"},
    {"total_loans", "{bigint}"},
    {"exceptions_count", "{bigint}"},
    {"exit_code", "INTEGER"},
    {"error", "TEXT"},
    {"inputs", "{json}"},
    {"metrics", "{json}"},
    {"log_path", "TEXT"},
    {"instance", "TEXT"},
    {"heartbeat_at", "{time}"},
    {"created_at", "{time} NOT NULL"},
    {"started_at", "{time}"},
    {"completed_at", "{time}"},
    {"duration_ms", "{bigint}"},
}};

enum class PipelineColumn { kWithout, kWith };

// CREATE TABLE `name` with the columns of pipeline_runs.
std::string create_runs_table(std::string_view name, PipelineColumn pipeline,
                              std::string_view status_check) {
  std::string sql = "CREATE TABLE " + std::string(name) + " (";
  for (const auto& [column, type] : kRunColumns) {
    std::string definition(type);
    if (auto at = definition.find("{status_check}"); at != std::string::npos) {
      definition.replace(at, std::string_view("{status_check}").size(), status_check);
    }
    sql += (column == "id" ? "\n  " : ",\n  ") + std::string(column) + " " + definition;
    if (column == "team_key" && pipeline == PipelineColumn::kWith) {
      sql += ",\n  pipeline TEXT NOT NULL DEFAULT 'daily'";
    }
  }
  return sql + ")";
}

// The names of the columns of pipeline_runs as version 1 created them: "id, run_id, ...".
std::string v1_run_column_names() {
  std::string out;
  for (const auto& [column, type] : kRunColumns) {
    out += (out.empty() ? "" : ", ") + std::string(column);
  }
  return out;
}

// Version 1: the teams, their runs, the services and the shared state.
std::vector<std::string> v1_base() {
  return {
      "CREATE TABLE sales_teams (\n"
      "  id {bigint} PRIMARY KEY CHECK (id > 0),\n"
      "  name TEXT NOT NULL,\n"
      "  is_active INTEGER NOT NULL DEFAULT 1 CHECK (is_active IN (0, 1)),\n"
      "  run_time TEXT,\n"
      "  timezone TEXT,\n"
      "  notify_email TEXT,\n"
      "  notify_slack_webhook TEXT,\n"
      "  active_since {time} NOT NULL,\n"
      "  created_at {time} NOT NULL,\n"
      "  updated_at {time} NOT NULL)",
      create_runs_table("pipeline_runs", PipelineColumn::kWithout, kV1StatusCheck),
      // The database, not the services, guarantees one row per team and slot, and at most one
      // running run per team: these hold whatever number of processes share the file.
      // NOLINTNEXTLINE(bugprone-suspicious-missing-comma): one statement over two lines
      "CREATE UNIQUE INDEX pipeline_runs_one_per_slot ON pipeline_runs (team_key, slot_key, "
      "attempt) WHERE slot_key IS NOT NULL",
      "CREATE UNIQUE INDEX pipeline_runs_one_running ON pipeline_runs (team_key) "
      "WHERE status = 'running'",
      "CREATE INDEX pipeline_runs_team_created ON pipeline_runs (sales_team_id, created_at)",
      "CREATE INDEX pipeline_runs_created ON pipeline_runs (created_at)",
      "CREATE TABLE service_instances (\n"
      "  instance TEXT PRIMARY KEY,\n"
      "  host TEXT NOT NULL,\n"
      "  pid {bigint} NOT NULL,\n"
      "  started_at {time} NOT NULL,\n"
      "  heartbeat_at {time} NOT NULL,\n"
      "  applied_generation {bigint} NOT NULL DEFAULT 0)",
      "CREATE TABLE orchestrator_state (\n"
      "  name TEXT PRIMARY KEY,\n"
      "  value {bigint} NOT NULL)",
      "INSERT INTO orchestrator_state (name, value) VALUES ('schedule_generation', 0)",
  };
}

// Version 2: one row per notification delivery, so an operator can see what was sent
// and what was not. `target` never holds a secret (webhook URLs are stored redacted).
std::vector<std::string> v2_notifications() {
  return {
      "CREATE TABLE notifications (\n"
      "  id {id},\n"
      "  event TEXT NOT NULL,\n"
      "  channel TEXT NOT NULL,\n"
      "  target TEXT NOT NULL,\n"
      "  sales_team_id {bigint},\n"
      "  run_id TEXT,\n"
      "  status TEXT NOT NULL CHECK (status IN ('pending', 'sent', 'failed', 'dropped')),\n"
      "  attempts INTEGER NOT NULL DEFAULT 0,\n"
      "  last_error TEXT,\n"
      "  created_at {time} NOT NULL,\n"
      "  updated_at {time} NOT NULL,\n"
      "  sent_at {time})",
      "CREATE INDEX notifications_created ON notifications (created_at)",
      "CREATE INDEX notifications_run ON notifications (run_id)",
  };
}

// Version 3: a team's schedule may be a cron expression instead of a daily run time, a team can
// be paused without being deactivated, and a team may override the retry settings (null: the
// configured ones).
std::vector<std::string> v3_cron_and_pause() {
  return {
      "ALTER TABLE sales_teams ADD COLUMN cron TEXT",
      // NOLINTNEXTLINE(bugprone-suspicious-missing-comma): one statement over two lines
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

// Version 5, the part that differs: pipeline_runs gains its `pipeline` column and the wider
// status CHECK. SQLite rebuilds the table (and so its indexes; those naming the owner are
// created after, for both); PostgreSQL alters it in place and drops the owner's indexes.
std::vector<std::string> widen_status_check(Dialect dialect) {
  if (dialect == Dialect::kSqlite) {
    const std::string columns = v1_run_column_names();
    return {
        create_runs_table("pipeline_runs_v5", PipelineColumn::kWith, kRunStatusCheck),
        "INSERT INTO pipeline_runs_v5 (" + columns + ") SELECT " + columns + " FROM pipeline_runs",
        "DROP TABLE pipeline_runs",
        "ALTER TABLE pipeline_runs_v5 RENAME TO pipeline_runs",
        "CREATE INDEX pipeline_runs_team_created ON pipeline_runs (sales_team_id, created_at)",
        "CREATE INDEX pipeline_runs_created ON pipeline_runs (created_at)",
        "CREATE INDEX pipeline_runs_status_created ON pipeline_runs (status, created_at)",
    };
  }
  return {
      "ALTER TABLE pipeline_runs ADD COLUMN pipeline TEXT NOT NULL DEFAULT 'daily'",
      "ALTER TABLE pipeline_runs DROP CONSTRAINT pipeline_runs_status_check",
      "ALTER TABLE pipeline_runs ADD CONSTRAINT pipeline_runs_status_check " +
          std::string(kRunStatusCheck),
      "DROP INDEX pipeline_runs_one_per_slot",
      "DROP INDEX pipeline_runs_one_running",
      "DROP INDEX pipeline_runs_team_key_created",
  };
}

// Version 5: several pipelines per team. Every run belongs to a pipeline (rows from before are
// `daily`'s, the [pipeline] table's); the one-per-slot and one-running guarantees hold per team
// and pipeline. A team may choose its pipelines (sales_teams.pipelines, comma-separated) and have
// its own schedule and pause for each (team_pipelines).
std::vector<std::string> v5_pipelines(Dialect dialect) {
  std::vector<std::string> out = widen_status_check(dialect);
  for (const char* sql : {
           "CREATE UNIQUE INDEX pipeline_runs_one_per_slot ON pipeline_runs (team_key, pipeline, "
           "slot_key, attempt) WHERE slot_key IS NOT NULL",
           "CREATE UNIQUE INDEX pipeline_runs_one_running ON pipeline_runs (team_key, pipeline) "
           "WHERE status = 'running'",
           "CREATE INDEX pipeline_runs_team_key_created ON pipeline_runs (team_key, pipeline, "
           "created_at)",
           "ALTER TABLE sales_teams ADD COLUMN pipelines TEXT",
           "CREATE TABLE team_pipelines (\n"
           "  sales_team_id {bigint} NOT NULL REFERENCES sales_teams(id),\n"
           "  pipeline TEXT NOT NULL,\n"
           "  run_time TEXT,\n"
           "  cron TEXT,\n"
           "  paused INTEGER NOT NULL DEFAULT 0 CHECK (paused IN (0, 1)),\n"
           "  active_since {time},\n"
           "  updated_at {time} NOT NULL,\n"
           "  PRIMARY KEY (sales_team_id, pipeline))",
       }) {
    out.emplace_back(sql);
  }
  return out;
}

// Version 6: the version of each service, so that `status` shows a fleet of mixed versions
// (NULL for a service registered by an older build).
std::vector<std::string> v6_service_version() {
  return {"ALTER TABLE service_instances ADD COLUMN version TEXT"};
}

// Version 8: a team's own waiting window (pipeline.wait_for_inputs_seconds for its daily
// pipeline), the runs it waits for (teams update --after, comma-separated as written) and its
// daylight-saving and overlap policies (null: the defaults); what daylight saving did to a run's
// slot. (Version 7 was kept for another change made at the same time, and never used.)
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
std::vector<std::string> v9_audit() {
  return {
      "ALTER TABLE sales_teams ADD COLUMN pause_note TEXT",
      "ALTER TABLE team_pipelines ADD COLUMN pause_note TEXT",
      "CREATE TABLE audit_log (\n"
      "  id {id},\n"
      "  at {time} NOT NULL,\n"
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
std::vector<std::string> v10_run_control() {
  return {
      "CREATE TABLE run_requests (\n"
      "  id {id},\n"
      "  team_key {bigint} NOT NULL,\n"
      "  pipeline TEXT NOT NULL,\n"
      "  purchase_date TEXT,\n"
      "  requested_by TEXT NOT NULL,\n"
      "  idempotency_key TEXT,\n"
      "  created_at {time} NOT NULL,\n"
      "  claimed_by TEXT,\n"
      "  outcome TEXT CHECK (outcome IN ('started', 'busy', 'refused', 'withdrawn')),\n"
      "  run_id TEXT,\n"
      "  error TEXT)",
      // NOLINTNEXTLINE(bugprone-suspicious-missing-comma): one statement over two lines
      "CREATE UNIQUE INDEX run_requests_idempotency ON run_requests (idempotency_key) WHERE "
      "idempotency_key IS NOT NULL",
      "CREATE INDEX run_requests_pending ON run_requests (created_at) WHERE claimed_by IS NULL",
      "ALTER TABLE pipeline_runs ADD COLUMN cancel_requested_at {time}",
      "ALTER TABLE pipeline_runs ADD COLUMN cancel_requested_by TEXT",
      "INSERT INTO orchestrator_state (name, value) VALUES ('control_generation', 0)",
  };
}

// Version 11: an index for the reads of an owner's runs by run date (the calendar and `why` of a
// team, the dates a backfill finds completed), so that they seek instead of reading the owner's
// whole history.
std::vector<std::string> v11_run_date_index() {
  return {
      "CREATE INDEX pipeline_runs_owner_run_date ON pipeline_runs (team_key, pipeline, run_date)",
  };
}

}  // namespace

std::vector<Migration> migrations(Dialect dialect) {
  // migrate() applies every version it has not applied yet, in this order.
  return {
      {1, render_all(v1_base(), dialect)},
      {2, render_all(v2_notifications(), dialect)},
      {3, render_all(v3_cron_and_pause(), dialect)},
      {4, render_all(v4_history_indexes(), dialect)},
      {5, render_all(v5_pipelines(dialect), dialect)},
      {6, render_all(v6_service_version(), dialect)},
      {8, render_all(v8_waiting(), dialect)},
      {9, render_all(v9_audit(), dialect)},
      {10, render_all(v10_run_control(), dialect)},
      {11, render_all(v11_run_date_index(), dialect)},
  };
}

}  // namespace orch::store
