#include "orchestrator/store/soci_run_statements.h"

namespace orch::store {
namespace {

// The owner's running run, if any.
constexpr const char* kRunningRun =
    "(SELECT run_id FROM pipeline_runs WHERE team_key = :busy_key AND pipeline = :busy_pipeline "
    "AND status = 'running' LIMIT 1)";

soci::statement prepare_read_slot(soci::session& sql, RunStatements::Claim& claim) {
  return (sql.prepare << std::string("SELECT (SELECT COUNT(*) FROM pipeline_runs WHERE "
                                     "team_key = :key AND pipeline = :pipeline AND "
                                     "slot_key = :slot AND attempt = :attempt), ") +
                             kRunningRun,
          soci::use(claim.key, "key"), soci::use(claim.pipeline, "pipeline"),
          soci::use(claim.slot, "slot"), soci::use(claim.attempt, "attempt"),
          soci::use(claim.key, "busy_key"), soci::use(claim.pipeline, "busy_pipeline"),
          soci::into(claim.recorded), soci::into(claim.busy, claim.busy_ind));
}

soci::statement prepare_read_busy(soci::session& sql, RunStatements::Claim& claim) {
  return (sql.prepare << std::string("SELECT 0, ") + kRunningRun, soci::use(claim.key, "busy_key"),
          soci::use(claim.pipeline, "busy_pipeline"), soci::into(claim.recorded),
          soci::into(claim.busy, claim.busy_ind));
}

soci::statement prepare_read_streak(soci::session& sql, RunStatements::Streak& streak) {
  return (sql.prepare << "SELECT status FROM pipeline_runs WHERE team_key = :key "
                         "AND pipeline = :pipeline "
                         "ORDER BY created_at DESC, id DESC LIMIT :limit",
          soci::use(streak.key, "key"), soci::use(streak.pipeline, "pipeline"),
          soci::use(streak.limit, "limit"), soci::into(streak.status));
}

// `suffix` follows the VALUES list (an ON CONFLICT clause).
soci::statement prepare_insert_row(soci::session& sql, const SociConnection& db,
                                   RunStatements::Row& row, const char* suffix) {
  return (
      sql.prepare << "INSERT INTO pipeline_runs (run_id, sales_team_id, team_key, "
                     "pipeline, status, triggered_by, attempt, slot_key, scheduled_for, "
                     "run_date, purchase_date, error, instance, created_at, "
                     "started_at, completed_at, heartbeat_at, schedule_note) VALUES (:run_id, "
                     ":team, :key, :pipeline, :status, :trigger, :attempt, :slot, " +
                         db.time_param("scheduled") +
                         ", :run_date, :purchase, :error, :instance, " + db.time_param("created") +
                         ", " + db.time_param("started") + ", " + db.time_param("completed") +
                         ", " + db.time_param("heartbeat") + ", :note)" + suffix,
      soci::use(row.run_id, "run_id"), soci::use(row.team.value, row.team.ind, "team"),
      soci::use(row.key, "key"), soci::use(row.pipeline, "pipeline"),
      soci::use(row.status, "status"), soci::use(row.trigger, "trigger"),
      soci::use(row.attempt, "attempt"), soci::use(row.slot.value, row.slot.ind, "slot"),
      soci::use(row.scheduled.value, row.scheduled.ind, "scheduled"),
      soci::use(row.run_date, "run_date"),
      soci::use(row.purchase.value, row.purchase.ind, "purchase"),
      soci::use(row.error.value, row.error.ind, "error"), soci::use(row.instance, "instance"),
      soci::use(row.created, "created"), soci::use(row.started.value, row.started.ind, "started"),
      soci::use(row.completed.value, row.completed.ind, "completed"),
      soci::use(row.heartbeat.value, row.heartbeat.ind, "heartbeat"),
      soci::use(row.note.value, row.note.ind, "note"));
}

soci::statement prepare_record_end(soci::session& sql, const SociConnection& db,
                                   RunStatements::End& end) {
  return (sql.prepare << "UPDATE pipeline_runs SET status = :status, exit_code = "
                         ":exit_code, error = :error, inputs = :inputs, metrics = "
                         ":metrics, total_loans = :loans, exceptions_count = "
                         ":exceptions, log_path = :log, completed_at = " +
                             db.time_param("completed") +
                             ", duration_ms = :duration WHERE run_id = :id AND "
                             "status = 'running'",
          soci::use(end.status, "status"),
          soci::use(end.exit_code.value, end.exit_code.ind, "exit_code"),
          soci::use(end.error.value, end.error.ind, "error"),
          soci::use(end.inputs.value, end.inputs.ind, "inputs"),
          soci::use(end.metrics.value, end.metrics.ind, "metrics"),
          soci::use(end.loans.value, end.loans.ind, "loans"),
          soci::use(end.exceptions.value, end.exceptions.ind, "exceptions"),
          soci::use(end.log_path.value, end.log_path.ind, "log"),
          soci::use(end.completed, "completed"), soci::use(end.duration, "duration"),
          soci::use(end.run_id, "id"));
}

}  // namespace

RunStatements::RunStatements(soci::session& sql, const SociConnection& db)
    : transaction(sql, db),
      read_slot(prepare_read_slot(sql, claim)),
      read_busy(prepare_read_busy(sql, claim)),
      read_streak(prepare_read_streak(sql, streak)),
      insert_row(prepare_insert_row(sql, db, row, "")),
      insert_new_row(prepare_insert_row(sql, db, row, " ON CONFLICT DO NOTHING")),
      record_end(prepare_record_end(sql, db, end)) {}

}  // namespace orch::store
