// Runs waiting for their inputs or their upstream: their start, their end without a start, what
// they wait for as it changes, and their adoption by another service.
#include "orchestrator/store/soci_stores.h"

namespace orch::store {

Result<WaitingStart> SociRunStore::start_waiting(const RunId& run_id, const std::string& instance,
                                                 SysTime now) {
  try {
    PooledSession lease(db_);
    soci::session& sql = *lease;
    WriteTransaction tx(db_, sql);
    std::string at = format_utc(now);
    std::string id = run_id.str();
    std::string holder = instance;
    soci::statement update =
        (sql.prepare << "UPDATE pipeline_runs SET status = 'running', error = NULL, started_at = " +
                            db_.time_param("started") +
                            ", heartbeat_at = " + db_.time_param("beat") +
                            " WHERE run_id = :id AND status = 'waiting' AND instance = :instance",
         soci::use(at, "started"), soci::use(at, "beat"), soci::use(id, "id"),
         soci::use(holder, "instance"));
    update.execute(true);
    const bool started = update.get_affected_rows() > 0;
    tx.commit();
    return started ? WaitingStart::kStarted : WaitingStart::kGone;
  } catch (const std::exception& e) {
    Error error = db_.to_error(e, "cannot start waiting run " + run_id.str());
    // The one-running index: the owner's previous run is still going.
    if (error.code == ErrorCode::kAborted) {
      return WaitingStart::kBusy;
    }
    return error;
  }
}

Status SociRunStore::end_waiting(const RunId& run_id, const std::string& instance, RunStatus status,
                                 const std::string& error, SysTime now) {
  try {
    PooledSession lease(db_);
    soci::session& sql = *lease;
    std::string at = format_utc(now);
    std::string id = run_id.str();
    std::string holder = instance;
    std::string text = to_string(status);
    std::string reason = error;
    soci::statement update =
        (sql.prepare << "UPDATE pipeline_runs SET status = :status, error = :error, "
                        "completed_at = " +
                            db_.time_param("at") +
                            " WHERE run_id = :id AND status = 'waiting' AND instance = :instance",
         soci::use(text, "status"), soci::use(reason, "error"), soci::use(at, "at"),
         soci::use(id, "id"), soci::use(holder, "instance"));
    update.execute(true);
    if (update.get_affected_rows() == 0) {
      return failed_precondition("run " + run_id.str() + " is not waiting for " + instance);
    }
    return {};
  } catch (const std::exception& e) {
    return db_.to_error(e, "cannot record the end of waiting run " + run_id.str());
  }
}

Status SociRunStore::note_waiting(const RunId& run_id, const std::string& instance,
                                  const std::string& reason) {
  try {
    PooledSession lease(db_);
    soci::session& sql = *lease;
    std::string id = run_id.str();
    std::string holder = instance;
    std::string text = reason;
    soci::statement update =
        (sql.prepare << "UPDATE pipeline_runs SET error = :reason WHERE run_id = :id AND "
                        "status = 'waiting' AND instance = :instance",
         soci::use(text, "reason"), soci::use(id, "id"), soci::use(holder, "instance"));
    update.execute(true);
    if (update.get_affected_rows() == 0) {
      return failed_precondition("run " + run_id.str() + " is not waiting for " + instance);
    }
    return {};
  } catch (const std::exception& e) {
    return db_.to_error(e, "cannot record what waiting run " + run_id.str() + " waits for");
  }
}

Result<bool> SociRunStore::adopt_waiting(const RunId& run_id, const std::string& from,
                                         const std::string& to, SysTime now) {
  try {
    PooledSession lease(db_);
    soci::session& sql = *lease;
    std::string at = format_utc(now);
    std::string id = run_id.str();
    std::string old_holder = from;
    std::string new_holder = to;
    soci::statement update =
        (sql.prepare << "UPDATE pipeline_runs SET instance = :to, heartbeat_at = " +
                            db_.time_param("at") +
                            " WHERE run_id = :id AND status = 'waiting' AND instance = :from",
         soci::use(new_holder, "to"), soci::use(at, "at"), soci::use(id, "id"),
         soci::use(old_holder, "from"));
    update.execute(true);
    return update.get_affected_rows() > 0;
  } catch (const std::exception& e) {
    return db_.to_error(e, "cannot take over waiting run " + run_id.str());
  }
}

}  // namespace orch::store
