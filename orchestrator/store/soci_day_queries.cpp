// The reads behind the teams list, the calendar and "why" (RunQueries), kept apart from the
// queries of /metrics and the run history.

#include <algorithm>
#include <limits>

#include "orchestrator/store/soci_run_queries.h"
#include "orchestrator/store/soci_stored_values.h"

namespace orch::store {

Result<std::vector<RunRecord>> SociRunQueries::runs_of_dates(const RunDatesQuery& query) {
  // Bound as text, as page() does: both databases read the parameter as the column's type.
  std::vector<std::string> params;
  auto param = [&params](std::string value) {
    params.push_back(std::move(value));
    return ":p" + std::to_string(params.size() - 1);
  };
  // One owner (`why`, a team's row of the calendar) is an equality on the first two columns of the
  // index on (team_key, pipeline, run_date), which then seeks to the dates. A page of owners
  // scans its range of team keys, and the bound on created_at narrows what it reads.
  const bool one_owner = query.first_team == query.last_team;
  const std::string first = param(std::to_string(team_key(query.first_team)));
  std::string where = one_owner ? "team_key = " + first
                                : "team_key >= " + first + " AND team_key <= " +
                                      param(std::to_string(team_key(query.last_team)));
  if (query.pipeline) {
    where += " AND pipeline = " + param(*query.pipeline);
  }
  where += " AND run_date >= " + param(query.from);
  where += " AND run_date <= " + param(query.to);
  if (!one_owner) {
    where += " AND created_at >= " + param(format_utc(query.created_since));
  }
  auto rows = runs_.select_where(where, params, std::numeric_limits<int>::max());
  if (!rows) {
    return rows.error();
  }
  std::reverse(rows->begin(), rows->end());  // select_where gives the newest first
  return rows;
}

Result<std::vector<RecentOutcome>> SociRunQueries::recent_outcomes(
    const std::optional<TeamId>& first, const std::optional<TeamId>& last, int per_owner,
    SysTime since) {
  try {
    PooledSession lease(db_);
    soci::session& sql = *lease;
    // One window over the page's owners (the index on team_key, pipeline, created_at serves the
    // range and the order), instead of one query per team.
    std::int64_t key = 0;
    std::string pipeline;
    std::string run_id;
    NullableText run_date;
    std::string status;
    std::string lo = std::to_string(team_key(first));
    std::string hi = std::to_string(team_key(last));
    std::string from = format_utc(since);
    std::string limit = std::to_string(std::max(1, per_owner));
    soci::statement st =
        (sql.prepare << "SELECT team_key, pipeline, run_id, run_date, status FROM (SELECT "
                        "team_key, pipeline, run_id, CAST(run_date AS TEXT) AS run_date, status, "
                        "created_at, id, ROW_NUMBER() OVER (PARTITION BY team_key, pipeline "
                        "ORDER BY created_at DESC, id DESC) AS n FROM pipeline_runs WHERE "
                        "team_key >= :lo AND team_key <= :hi AND created_at >= :since) recent "
                        "WHERE n <= " +
                            limit + " ORDER BY team_key, pipeline, created_at, id",
         soci::use(lo, "lo"), soci::use(hi, "hi"), soci::use(from, "since"), soci::into(key),
         soci::into(pipeline), soci::into(run_id), soci::into(run_date.value, run_date.ind),
         soci::into(status));
    st.execute();
    std::vector<RecentOutcome> out;
    while (st.fetch()) {
      out.push_back(
          {team_of_key(key), pipeline, RunId(run_id), run_date.get().value_or(""), status});
    }
    return out;
  } catch (const std::exception& e) {
    return db_.to_error(e, "cannot read the teams' latest runs");
  }
}

Result<std::vector<RunRecord>> SociRunQueries::active_runs() {
  return runs_.select_where("status IN ('running', 'waiting')", {},
                            std::numeric_limits<int>::max());
}

Result<std::vector<TeamRunSummary>> SociRunQueries::team_summaries_between(
    const std::optional<TeamId>& first, const std::optional<TeamId>& last) {
  // As team_summaries(), for a page of owners: the index on team_key serves the range.
  return summaries_where("team_key >= " + std::to_string(team_key(first)) + " AND team_key <= " +
                         std::to_string(team_key(last)) + " AND status = 'completed'");
}

}  // namespace orch::store
