// Reading runs: lists, one run, a date's latest, the recorded slots and the failure streak.
#include <algorithm>
#include <utility>

#include "orchestrator/store/soci_run_statements.h"
#include "orchestrator/store/soci_stored_values.h"
#include "orchestrator/store/soci_stores.h"

namespace orch::store {
namespace {

// Every column of pipeline_runs, bound for reading; dates and JSON are read as text so that both
// dialects give the same strings.
struct RunRow {
  std::int64_t id = 0;
  std::string run_id;
  NullableInt sales_team_id;
  std::string pipeline;
  std::string status;
  std::string triggered_by;
  int attempt = 1;
  NullableText slot_key, scheduled_for, run_date, purchase_date, schedule_note;
  NullableInt total_loans, exceptions_count, exit_code;
  NullableText error, inputs, metrics, log_path, instance;
  std::string created_at;
  NullableText started_at, completed_at, heartbeat_at;
  NullableInt duration_ms;

  void bind(soci::statement& st) {
    st.exchange(soci::into(id));
    st.exchange(soci::into(run_id));
    st.exchange(soci::into(sales_team_id.value, sales_team_id.ind));
    st.exchange(soci::into(pipeline));
    st.exchange(soci::into(status));
    st.exchange(soci::into(triggered_by));
    st.exchange(soci::into(attempt));
    for (NullableText* t : {&slot_key, &scheduled_for, &run_date, &purchase_date, &schedule_note}) {
      st.exchange(soci::into(t->value, t->ind));
    }
    for (NullableInt* i : {&total_loans, &exceptions_count, &exit_code}) {
      st.exchange(soci::into(i->value, i->ind));
    }
    for (NullableText* t : {&error, &inputs, &metrics, &log_path, &instance}) {
      st.exchange(soci::into(t->value, t->ind));
    }
    st.exchange(soci::into(created_at));
    for (NullableText* t : {&started_at, &completed_at, &heartbeat_at}) {
      st.exchange(soci::into(t->value, t->ind));
    }
    st.exchange(soci::into(duration_ms.value, duration_ms.ind));
  }

  // Throws BadStoredValue for a run date or a time that is not one, which the caller's catch
  // turns into an error: a row is read whole or not at all.
  RunRecord to_record() const {
    const auto row = [this] { return "run " + run_id; };
    RunRecord r;
    r.id = id;
    r.run_id = RunId(run_id);
    if (auto team = sales_team_id.get()) {
      r.team = TeamId{*team};
    }
    r.pipeline = pipeline;
    r.status =
        parse_run_status(status).has_value() ? *parse_run_status(status) : RunStatus::kFailed;
    r.triggered_by =
        parse_trigger(triggered_by).has_value() ? *parse_trigger(triggered_by) : Trigger::kManual;
    r.attempt = attempt;
    r.slot_key = slot_key.get();
    r.scheduled_for = stored_time(scheduled_for, row, "scheduled_for");
    auto day = parse_date(run_date.value);
    if (!day) {
      throw BadStoredValue(row() + " has the run date '" + run_date.value +
                           "', which is not a date (YYYY-MM-DD)");
    }
    r.run_date = *day;
    r.purchase_date = purchase_date.get().value_or("");
    r.schedule_note = schedule_note.get().value_or("");
    r.total_loans = total_loans.get();
    r.exceptions_count = exceptions_count.get();
    if (auto code = exit_code.get()) {
      r.exit_code = static_cast<int>(*code);
    }
    r.error = error.get().value_or("");
    r.inputs = inputs.get().value_or("");
    r.metrics = metrics.get().value_or("");
    r.log_path = log_path.get().value_or("");
    r.instance = instance.get().value_or("");
    r.created_at = stored_time(created_at, row, "created_at");
    r.started_at = stored_time(started_at, row, "started_at");
    r.completed_at = stored_time(completed_at, row, "completed_at");
    r.heartbeat_at = stored_time(heartbeat_at, row, "heartbeat_at");
    r.duration_ms = duration_ms.get();
    return r;
  }
};

std::string select_columns(const SociConnection& db) {
  return "SELECT id, run_id, sales_team_id, pipeline, status, triggered_by, attempt, slot_key, " +
         db.time_column("scheduled_for") +
         ", CAST(run_date AS TEXT), CAST(purchase_date AS TEXT), schedule_note, total_loans, "
         "exceptions_count, "
         "exit_code, error, CAST(inputs AS TEXT), CAST(metrics AS TEXT), log_path, instance, " +
         db.time_column("created_at") + ", " + db.time_column("started_at") + ", " +
         db.time_column("completed_at") + ", " + db.time_column("heartbeat_at") +
         ", duration_ms FROM pipeline_runs";
}

}  // namespace

Result<std::map<RunOwner, std::string>> SociRunStore::last_slot_keys() {
  try {
    PooledSession lease(db_);
    soci::session& sql = *lease;
    std::int64_t key = 0;
    std::string pipeline;
    std::string slot;
    soci::statement st =
        (sql.prepare << "SELECT team_key, pipeline, MAX(slot_key) FROM pipeline_runs "
                        "WHERE slot_key IS NOT NULL GROUP BY team_key, pipeline",
         soci::into(key), soci::into(pipeline), soci::into(slot));
    st.execute();
    std::map<RunOwner, std::string> out;
    while (st.fetch()) {
      out[RunOwner{team_of_key(key), pipeline}] = slot;
    }
    return out;
  } catch (const std::exception& e) {
    return db_.to_error(e, "cannot read the recorded slots");
  }
}

Result<std::set<std::string>> SociRunStore::completed_run_dates(const RunOwner& owner,
                                                                const std::string& from,
                                                                const std::string& to) {
  try {
    PooledSession lease(db_);
    soci::session& sql = *lease;
    std::int64_t key = team_key(owner.team);
    std::string pipeline = owner.pipeline;
    std::string first = from;
    std::string last = to;
    std::string day;
    // Dates as ISO text compare in calendar order on both databases.
    soci::statement st =
        (sql.prepare << "SELECT DISTINCT CAST(run_date AS TEXT) FROM pipeline_runs "
                        "WHERE team_key = :key AND pipeline = :pipeline AND status = 'completed' "
                        "AND CAST(run_date AS TEXT) >= :first AND CAST(run_date AS TEXT) <= :last",
         soci::use(key, "key"), soci::use(pipeline, "pipeline"), soci::use(first, "first"),
         soci::use(last, "last"), soci::into(day));
    st.execute();
    std::set<std::string> out;
    while (st.fetch()) {
      out.insert(day);
    }
    return out;
  } catch (const std::exception& e) {
    return db_.to_error(e, "cannot read the completed run dates");
  }
}

std::vector<RunRecord> SociRunStore::select(soci::session& sql, const std::string& where,
                                            const std::vector<std::string>& params, int limit,
                                            BadRows bad_rows) {
  std::string query = select_columns(db_);
  if (!where.empty()) {
    query += " WHERE " + where;
  }
  query += " ORDER BY created_at DESC, id DESC LIMIT " + std::to_string(limit);
  RunRow row;
  soci::statement st(sql);
  row.bind(st);
  std::vector<std::string> bound = params;
  for (std::size_t i = 0; i < bound.size(); ++i) {
    st.exchange(soci::use(bound[i], "p" + std::to_string(i)));
  }
  st.alloc();
  st.prepare(query);
  st.define_and_bind();
  st.execute();
  std::vector<RunRecord> out;
  while (st.fetch()) {
    if (auto record = read_row(bad_rows, [&row] { return row.to_record(); })) {
      out.push_back(std::move(*record));
    }
  }
  return out;
}

Result<std::vector<RunRecord>> SociRunStore::list(const RunFilter& filter) {
  try {
    PooledSession lease(db_);
    soci::session& sql = *lease;
    // Every filter is bound as text; both databases infer the parameter's type from the column
    // it is compared with.
    std::string where;
    std::vector<std::string> params;
    auto add = [&](const std::string& column_and_operator, std::string value) {
      where += (where.empty() ? "" : " AND ") + column_and_operator + " :p" +
               std::to_string(params.size());
      params.push_back(std::move(value));
    };
    if (filter.team) {
      add("team_key =", std::to_string(team_key(filter.team->team)));
    }
    if (filter.pipeline) {
      add("pipeline =", *filter.pipeline);
    }
    if (filter.status) {
      add("status =", to_string(*filter.status));
    }
    if (filter.since) {
      add("created_at >=", format_utc(*filter.since));
    }
    if (filter.until) {
      add("created_at <", format_utc(*filter.until));
    }
    return select(sql, where, params, std::max(1, filter.limit), filter.bad_rows);
  } catch (const std::exception& e) {
    return db_.to_error(e, "cannot list runs");
  }
}

Result<std::vector<RunRecord>> SociRunStore::select_where(const std::string& where,
                                                          const std::vector<std::string>& params,
                                                          int limit) {
  try {
    PooledSession lease(db_);
    return select(*lease, where, params, limit);
  } catch (const std::exception& e) {
    return db_.to_error(e, "cannot list runs");
  }
}

Result<std::vector<RunStatus>> SociRunStore::recent_statuses(const RunOwner& owner, int limit) {
  try {
    PooledSession lease(db_);
    auto& statements = lease.prepared<RunStatements>();
    RunStatements::Streak& read = statements.streak;
    read.key = team_key(owner.team);
    read.pipeline = owner.pipeline;
    read.limit = std::max(1, limit);
    soci::statement& st = statements.read_streak;
    st.execute();
    std::vector<RunStatus> out;
    while (st.fetch()) {
      if (auto parsed = parse_run_status(read.status)) {
        out.push_back(*parsed);
      }
    }
    return out;
  } catch (const std::exception& e) {
    return db_.to_error(e, "cannot read the latest runs of team key " +
                               std::to_string(team_key(owner.team)) + ", pipeline " +
                               owner.pipeline);
  }
}

Result<std::vector<RunRecord>> SociRunStore::unsettled_slot_attempts(SysTime since) {
  try {
    PooledSession lease(db_);
    return select(*lease,
                  "slot_key IS NOT NULL AND status IN ('failed', 'timed_out', 'abandoned', "
                  "'interrupted') AND "
                  "created_at >= :p0 AND NOT EXISTS (SELECT 1 FROM pipeline_runs later WHERE "
                  "later.team_key = pipeline_runs.team_key AND "
                  "later.pipeline = pipeline_runs.pipeline AND "
                  "later.slot_key = pipeline_runs.slot_key AND "
                  "later.attempt > pipeline_runs.attempt)",
                  {format_utc(since)}, 10000, BadRows::kSkipAndLog);
  } catch (const std::exception& e) {
    return db_.to_error(e, "cannot read the slots left unsettled");
  }
}

Result<std::optional<RunRecord>> SociRunStore::latest_of_date(const RunOwner& owner,
                                                              const std::string& run_date) {
  try {
    PooledSession lease(db_);
    soci::session& sql = *lease;
    auto rows = select(sql, "team_key = :p0 AND pipeline = :p1 AND CAST(run_date AS TEXT) = :p2",
                       {std::to_string(team_key(owner.team)), owner.pipeline, run_date}, 1);
    if (rows.empty()) {
      return std::optional<RunRecord>();
    }
    return std::optional<RunRecord>(std::move(rows.front()));
  } catch (const std::exception& e) {
    return db_.to_error(e, "cannot read the runs of " + run_date);
  }
}

Result<std::optional<RunRecord>> SociRunStore::find(const RunId& run_id) {
  try {
    PooledSession lease(db_);
    soci::session& sql = *lease;
    auto rows = select(sql, "run_id = :p0", {run_id.str()}, 1);
    if (rows.empty()) {
      return std::optional<RunRecord>();
    }
    return std::optional<RunRecord>(std::move(rows.front()));
  } catch (const std::exception& e) {
    return db_.to_error(e, "cannot read run " + run_id.str());
  }
}

}  // namespace orch::store
