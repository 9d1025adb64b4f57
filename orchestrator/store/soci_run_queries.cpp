#include "orchestrator/store/soci_run_queries.h"

#include <algorithm>

#include "orchestrator/store/soci_stored_values.h"

namespace orch::store {

Status SociRunQueries::ping() {
  try {
    PooledSession lease(db_);
    int one = 0;
    *lease << "SELECT 1", soci::into(one);
    return {};
  } catch (const std::exception& e) {
    Error error = db_.to_error(e, "the database does not answer");
    error.code = ErrorCode::kUnavailable;
    return error;
  }
}

Result<std::vector<RunRecord>> SociRunQueries::page(const RunPageQuery& query) {
  // Every value is bound as text, as in SociRunStore::list: both databases infer the parameter's
  // type from the column it is compared with.
  std::string where;
  std::vector<std::string> params;
  auto param = [&params](std::string value) {
    params.push_back(std::move(value));
    return ":p" + std::to_string(params.size() - 1);
  };
  auto add = [&where](const std::string& condition) {
    where += (where.empty() ? "" : " AND ") + condition;
  };
  if (query.team) {
    add("team_key = " + param(std::to_string(team_key(query.team->team))));
  }
  if (query.pipeline) {
    add("pipeline = " + param(*query.pipeline));
  }
  if (query.status) {
    add("status = " + param(to_string(*query.status)));
  }
  if (query.triggered_by) {
    add("triggered_by = " + param(to_string(*query.triggered_by)));
  }
  if (query.since) {
    add("created_at >= " + param(format_utc(*query.since)));
  }
  if (query.until) {
    add("created_at < " + param(format_utc(*query.until)));
  }
  if (query.after) {
    std::string at = format_utc(query.after->created_at);
    std::string first = param(at);
    std::string second = param(at);
    add("(created_at < " + first + " OR (created_at = " + second + " AND id < " +
        param(std::to_string(query.after->id)) + "))");
  }
  return runs_.select_where(where, params, std::max(1, query.limit));
}

Result<std::vector<TeamRunSummary>> SociRunQueries::team_summaries() {
  // One pass over the completed runs, grouped by team and pipeline: the index on (sales_team_id,
  // created_at) does not help a GROUP BY over every team, and a scan of one table is what 10,000
  // teams cost.
  return summaries_where("status = 'completed'");
}

Result<std::vector<TeamRunSummary>> SociRunQueries::summaries_where(const std::string& where) {
  try {
    PooledSession lease(db_);
    soci::session& sql = *lease;
    std::int64_t key = 0;
    std::string pipeline;
    NullableText last_success;
    NullableText slot_key;
    NullableText run_date;
    soci::statement st =
        (sql.prepare << "SELECT team_key, pipeline, " + db_.time_column("MAX(completed_at)") +
                            ", MAX(slot_key), CAST(MAX(run_date) AS TEXT) FROM pipeline_runs "
                            "WHERE " +
                            where + " GROUP BY team_key, pipeline",
         soci::into(key), soci::into(pipeline), soci::into(last_success.value, last_success.ind),
         soci::into(slot_key.value, slot_key.ind), soci::into(run_date.value, run_date.ind));
    st.execute();
    std::vector<TeamRunSummary> out;
    while (st.fetch()) {
      TeamRunSummary summary;
      summary.team = team_of_key(key);
      summary.pipeline = pipeline;
      summary.last_success = stored_time(
          last_success,
          [&] {
            return "the latest completed run of team key " + std::to_string(key) + ", pipeline " +
                   pipeline;
          },
          "completed_at");
      summary.last_completed_slot_key = slot_key.get().value_or("");
      summary.last_completed_run_date = run_date.get().value_or("");
      out.push_back(std::move(summary));
    }
    return out;
  } catch (const std::exception& e) {
    return db_.to_error(e, "cannot read the teams' latest completed runs");
  }
}

Result<std::int64_t> SociRunQueries::running_count() {
  try {
    PooledSession lease(db_);
    std::int64_t count = 0;
    *lease << "SELECT COUNT(*) FROM pipeline_runs WHERE status = 'running'", soci::into(count);
    return static_cast<std::int64_t>(count);
  } catch (const std::exception& e) {
    return db_.to_error(e, "cannot count the running runs");
  }
}

}  // namespace orch::store
