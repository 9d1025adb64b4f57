#pragma once

#include <cstdint>

#include "config/base/result.h"
#include "config/base/time.h"

namespace orch {

// Rows of the run history: pipeline_runs and notifications.
struct HistoryRows {
  std::int64_t runs = 0;
  std::int64_t notifications = 0;
  std::int64_t total() const { return runs + notifications; }
};

// Deletes old history (history.keep_days): pipeline_runs rows created before a cut-off, never a
// running or waiting one, and notifications rows created before it, never a pending one. In small
// batches, each its own short transaction, so that runs recording meanwhile wait milliseconds, not
// the length of the whole deletion. Thread-safe.
class HistoryRetention {
 public:
  virtual ~HistoryRetention() = default;

  // How many rows prune_batch() would delete in all, now.
  virtual Result<HistoryRows> count_older(SysTime before) = 0;
  // Deletes up to `batch` rows of each table; returns how many went (0 and 0: nothing is left).
  virtual Result<HistoryRows> prune_batch(SysTime before, int batch) = 0;
};

}  // namespace orch
