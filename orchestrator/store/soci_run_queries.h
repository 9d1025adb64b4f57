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

 private:
  SociConnection& db_;
  SociRunStore& runs_;  // its row reader, so that both read every column the same way
};

}  // namespace orch::store
