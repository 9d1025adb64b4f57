// Recording runs: a run's end, alone or with the ends of other runs in one transaction.
#include <algorithm>
#include <numeric>
#include <optional>
#include <string>
#include <vector>

#include "orchestrator/store/soci_run_statements.h"
#include "orchestrator/store/soci_stores.h"

namespace orch::store {
namespace {

// Writes the end `f` to its run's row on `sql`, in the caller's transaction if any: fails with
// kFailedPrecondition when the run is not running. Throws what the database throws.
Status write_end(SociConnection& db, soci::session& sql, RunStatements& statements,
                 const RunFinish& f) {
  std::optional<SysTime> started_at = f.started_at;
  if (!started_at) {
    std::string started;
    sql << "SELECT " + db.time_column("started_at") + " FROM pipeline_runs WHERE run_id = :id",
        soci::use(f.run_id.str(), "id"), soci::into(started);
    if (auto parsed = parse_utc(started)) {
      started_at = *parsed;
    }
  }
  RunStatements::End& end = statements.end;
  end.status = to_string(f.status);
  end.exit_code =
      NullableInt(f.exit_code ? std::optional<std::int64_t>(*f.exit_code) : std::nullopt);
  end.error = NullableText::unless_empty(f.error);
  end.inputs = NullableText::unless_empty(f.inputs);
  end.metrics = NullableText::unless_empty(f.metrics);
  end.loans = NullableInt(f.total_loans);
  end.exceptions = NullableInt(f.exceptions_count);
  end.log_path = NullableText::unless_empty(f.log_path);
  end.completed = format_utc(f.completed_at);
  end.duration =
      started_at
          ? std::chrono::duration_cast<std::chrono::milliseconds>(f.completed_at - *started_at)
                .count()
          : 0;
  end.run_id = f.run_id.str();
  statements.record_end.execute(true);
  if (statements.record_end.get_affected_rows() == 0) {
    return failed_precondition("run " + f.run_id.str() +
                               " is not running (unknown, or its end is recorded already)");
  }
  return {};
}

}  // namespace

Status SociRunStore::finish(const RunFinish& f) {
  try {
    PooledSession lease(db_);
    return write_end(db_, *lease, lease.prepared<RunStatements>(), f);
  } catch (const std::exception& e) {
    return db_.to_error(e, "cannot record the end of run " + f.run_id.str());
  }
}

std::vector<Status> SociRunStore::finish_all(const std::vector<const RunFinish*>& ends) {
  // On SQLite each end is written alone, as one transaction of its own: ends seldom coincide
  // there (its one connection already takes the workers in turn, and a commit waits for no
  // fsync), and writing them together measured no better.
  if (ends.size() > 1 && db_.dialect() == Dialect::kPostgres) {
    if (auto together = finish_together(ends)) {
      return *together;
    }
  }
  return RunStore::finish_all(ends);  // each alone, through finish()
}

std::optional<std::vector<Status>> SociRunStore::finish_together(
    const std::vector<const RunFinish*>& ends) {
  try {
    PooledSession lease(db_);
    auto& statements = lease.prepared<RunStatements>();
    // Rows are written in the order of their ids, the order the heartbeat updates them in too, so
    // that the two never wait for each other's row locks (PostgreSQL).
    std::vector<std::size_t> order(ends.size());
    std::iota(order.begin(), order.end(), std::size_t{0});
    std::stable_sort(order.begin(), order.end(), [&ends](std::size_t a, std::size_t b) {
      return ends[a]->run_id < ends[b]->run_id;
    });
    std::vector<Status> recorded(ends.size());
    WriteTransaction tx(*lease, statements.transaction);
    for (std::size_t i : order) {
      // A run that is not running any more changes nothing: the others' ends still commit.
      recorded[i] = write_end(db_, *lease, statements, *ends[i]);
    }
    tx.commit();
    return recorded;
  } catch (const std::exception& e) {
    // Nothing of the batch was recorded. Each end alone then meets the database as it always
    // did: an end that made the batch fail does not keep the others out, and an outage keeps
    // each of them (the caller retries).
    db_.to_error(e, "cannot record the ends of " + std::to_string(ends.size()) + " runs together");
    return std::nullopt;
  }
}

}  // namespace orch::store
