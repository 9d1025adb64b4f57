#include "orchestrator/store/soci_retention.h"

#include <string>

namespace orch::store {
namespace {

// What may go: a run that has ended (a running or waiting row is a run in progress or still to
// come, however old) and a delivery that is settled (a pending one is still in the queue).
constexpr const char* kRunsOlder =
    "FROM pipeline_runs WHERE status NOT IN ('running', 'waiting') AND created_at < ";
constexpr const char* kNotificationsOlder =
    "FROM notifications WHERE status <> 'pending' AND created_at < ";

}  // namespace

Result<HistoryRows> SociRetention::count_older(SysTime before) {
  try {
    PooledSession lease(db_);
    soci::session& sql = *lease;
    std::string cutoff = format_utc(before);
    std::int64_t runs = 0;
    std::int64_t notifications = 0;
    sql << std::string("SELECT count(*) ") + kRunsOlder + db_.time_param("t"),
        soci::use(cutoff, "t"), soci::into(runs);
    sql << std::string("SELECT count(*) ") + kNotificationsOlder + db_.time_param("t"),
        soci::use(cutoff, "t"), soci::into(notifications);
    return HistoryRows{runs, notifications};
  } catch (const std::exception& e) {
    return db_.to_error(e, "cannot count the old history");
  }
}

Result<HistoryRows> SociRetention::prune_batch(SysTime before, int batch) {
  try {
    PooledSession lease(db_);
    soci::session& sql = *lease;
    std::string cutoff = format_utc(before);
    HistoryRows deleted;
    // By id, oldest first, through the created_at indexes; LIMIT inside a subquery works on both
    // databases (SQLite's DELETE ... LIMIT is a compile-time option).
    auto remove = [&](const char* table, const char* older) -> std::int64_t {
      WriteTransaction tx(db_, sql);
      soci::statement st =
          (sql.prepare << std::string("DELETE FROM ") + table + " WHERE id IN (SELECT id " + older +
                              db_.time_param("t") + " ORDER BY id LIMIT :n)",
           soci::use(cutoff, "t"), soci::use(batch, "n"));
      st.execute(true);
      auto rows = static_cast<std::int64_t>(st.get_affected_rows());
      tx.commit();
      return rows;
    };
    deleted.runs = remove("pipeline_runs", kRunsOlder);
    deleted.notifications = remove("notifications", kNotificationsOlder);
    return deleted;
  } catch (const std::exception& e) {
    return db_.to_error(e, "cannot delete old history");
  }
}

}  // namespace orch::store
