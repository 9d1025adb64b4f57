#pragma once

// Internal to orchestrator/store: the SOCI implementation of RunQueries.

#include "orchestrator/store/run_queries.h"
#include "orchestrator/store/soci_stores.h"

namespace orch::store {

class SociRunQueries final : public RunQueries {
 public:
  SociRunQueries(SociConnection& connection, SociRunStore& runs) : db_(connection), runs_(runs) {}

  Status ping() override;
  Result<std::vector<RunRecord>> page(const RunPageQuery& query) override;
  Result<std::vector<TeamRunSummary>> team_summaries() override;
  Result<std::int64_t> running_count() override;
  // soci_day_queries.cpp:
  Result<std::vector<RunRecord>> runs_of_dates(const RunDatesQuery& query) override;
  Result<std::vector<RecentOutcome>> recent_outcomes(const std::optional<TeamId>& first,
                                                     const std::optional<TeamId>& last,
                                                     int per_owner, SysTime since) override;
  Result<std::vector<RunRecord>> active_runs() override;
  Result<std::vector<TeamRunSummary>> team_summaries_between(
      const std::optional<TeamId>& first, const std::optional<TeamId>& last) override;

 private:
  // The latest completed run of each owner and pipeline among the completed runs `where` keeps
  // (an SQL condition on pipeline_runs of numbers only, never text from outside).
  Result<std::vector<TeamRunSummary>> summaries_where(const std::string& where);

  SociConnection& db_;
  SociRunStore& runs_;  // its row reader, so that both read every column the same way
};

}  // namespace orch::store
