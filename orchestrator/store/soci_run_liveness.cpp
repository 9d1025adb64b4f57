// The liveness of running runs: their services' heartbeats, and the runs of services that died.
#include <utility>

#include "orchestrator/store/soci_stores.h"

namespace orch::store {

Status SociRunStore::heartbeat(const std::vector<RunId>& run_ids, SysTime now) {
  if (run_ids.empty()) {
    return {};
  }
  try {
    PooledSession lease(db_);
    soci::session& sql = *lease;
    std::string at = format_utc(now);
    std::string id;
    soci::statement update =
        (sql.prepare << "UPDATE pipeline_runs SET heartbeat_at = " + db_.time_param("at") +
                            " WHERE run_id = :id AND status IN ('running', 'waiting')",
         soci::use(at, "at"), soci::use(id, "id"));
    WriteTransaction tx(db_, sql);
    for (const RunId& run_id : run_ids) {
      id = run_id.str();
      update.execute(true);
    }
    tx.commit();
    return {};
  } catch (const std::exception& e) {
    return db_.to_error(e, "cannot record the heartbeat of running runs");
  }
}

Result<std::vector<RunRecord>> SociRunStore::abandon_stale(SysTime stale_before, SysTime now) {
  try {
    PooledSession lease(db_);
    soci::session& sql = *lease;
    WriteTransaction tx(db_, sql);
    std::string before = format_utc(stale_before);
    auto stale = select(sql,
                        "status = 'running' AND (heartbeat_at IS NULL OR heartbeat_at < " +
                            db_.time_param("p0") + ")",
                        {before}, 100000, BadRows::kSkipAndLog);
    std::string at = format_utc(now);
    std::vector<RunRecord> abandoned;
    for (auto& run : stale) {
      std::string reason = "its service (" + run.instance + ") stopped without recording an end";
      soci::statement update =
          (sql.prepare << "UPDATE pipeline_runs SET status = 'abandoned', error = :error, "
                          "completed_at = " +
                              db_.time_param("at") + " WHERE run_id = :id AND status = 'running'",
           soci::use(reason, "error"), soci::use(at, "at"), soci::use(run.run_id.str(), "id"));
      update.execute(true);
      // Another service may have got there first (it waited on the same row, then found it
      // abandoned already): only the one whose update took owns what follows, e.g. a rerun.
      if (update.get_affected_rows() == 0) {
        continue;
      }
      run.status = RunStatus::kAbandoned;
      run.error = reason;
      run.completed_at = now;
      abandoned.push_back(std::move(run));
    }
    tx.commit();
    return abandoned;
  } catch (const std::exception& e) {
    return db_.to_error(e, "cannot look for abandoned runs");
  }
}

}  // namespace orch::store
