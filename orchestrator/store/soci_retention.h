#pragma once

// Internal to orchestrator/store: HistoryRetention over SOCI.

#include "orchestrator/store/history_retention.h"
#include "orchestrator/store/soci_connection.h"

namespace orch::store {

class SociRetention final : public HistoryRetention {
 public:
  explicit SociRetention(SociConnection& connection) : db_(connection) {}

  Result<HistoryRows> count_older(SysTime before) override;
  Result<HistoryRows> prune_batch(SysTime before, int batch) override;

 private:
  SociConnection& db_;
};

}  // namespace orch::store
