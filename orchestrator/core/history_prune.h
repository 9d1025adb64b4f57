#pragma once

#include <atomic>
#include <condition_variable>
#include <mutex>
#include <thread>

#include "config/base/result.h"
#include "config/base/time.h"
#include "orchestrator/store/history_retention.h"

namespace orch {

// The cut-off of history.keep_days: rows created before it are old.
SysTime history_cutoff(SysTime now, int keep_days);

// Deletes the history created before `before` (see HistoryRetention), kBatch rows at a time, until
// none is left or `stop` is set; returns how many rows went. On an error, what was deleted before
// it stays deleted.
Result<HistoryRows> prune_history(HistoryRetention& retention, SysTime before,
                                  const std::atomic<bool>& stop);

// serve's retention: prunes on a thread of its own once at start and then once a day, logging
// `history_pruned` when rows went and `history_prune_failed` on an error. Stops (at the next
// batch) when destroyed.
class DailyHistoryPrune {
 public:
  DailyHistoryPrune(HistoryRetention& retention, int keep_days);
  ~DailyHistoryPrune();
  DailyHistoryPrune(const DailyHistoryPrune&) = delete;
  DailyHistoryPrune& operator=(const DailyHistoryPrune&) = delete;
  DailyHistoryPrune(DailyHistoryPrune&&) = delete;
  DailyHistoryPrune& operator=(DailyHistoryPrune&&) = delete;

 private:
  void loop();

  HistoryRetention& retention_;
  int keep_days_;
  std::atomic<bool> stop_{false};
  std::mutex mutex_;
  std::condition_variable wake_;
  std::thread thread_;
};

}  // namespace orch
