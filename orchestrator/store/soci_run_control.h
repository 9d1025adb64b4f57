#pragma once

// Internal to orchestrator/store: the SOCI implementation of RunControl.

#include "orchestrator/store/bad_rows.h"
#include "orchestrator/store/run_control.h"
#include "orchestrator/store/soci_connection.h"

namespace orch::store {

class SociRunControl final : public RunControl {
 public:
  explicit SociRunControl(SociConnection& connection) : db_(connection) {}

  Result<Submitted> submit(const TriggerRequest& request) override;
  Result<std::optional<TriggerRequest>> find_request(std::int64_t id) override;
  Result<std::vector<TriggerRequest>> pending_requests(SysTime since) override;
  Result<bool> claim_request(std::int64_t id, const std::string& instance) override;
  Status settle_request(std::int64_t id, TriggerOutcome outcome, const RunId& run_id,
                        const std::string& error) override;
  Result<bool> withdraw_request(std::int64_t id) override;
  Result<CancelResult> request_cancel(const RunId& run_id, const std::string& why,
                                      SysTime now) override;
  Result<std::vector<CancelAsked>> cancel_requested(const std::string& instance) override;
  Result<std::int64_t> generation() override;
  Status bump_generation() override;

 private:
  // The requests matching `where` (parameter :p0); a row holding a value that is not one fails
  // the read or is passed over, as `bad_rows` says.
  std::vector<TriggerRequest> select(soci::session& sql, const std::string& where,
                                     const std::string& param, BadRows bad_rows = BadRows::kFail);

  SociConnection& db_;
};

}  // namespace orch::store
