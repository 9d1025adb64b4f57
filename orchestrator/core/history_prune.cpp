#include "orchestrator/core/history_prune.h"

#include <chrono>
#include <string>

#include "config/base/log.h"

namespace orch {
namespace {

// Small enough that a batch holds SQLite's write lock for milliseconds, so runs recording
// meanwhile hardly wait; a year of a thousand teams is a few hundred batches.
constexpr int kBatch = 500;

}  // namespace

SysTime history_cutoff(SysTime now, int keep_days) {
  return now - std::chrono::days(keep_days);
}

Result<HistoryRows> prune_history(HistoryRetention& retention, SysTime before,
                                  const std::atomic<bool>& stop) {
  HistoryRows all;
  while (!stop.load()) {
    auto batch = retention.prune_batch(before, kBatch);
    if (!batch) {
      return batch.error();
    }
    all.runs += batch->runs;
    all.notifications += batch->notifications;
    if (batch->runs < kBatch && batch->notifications < kBatch) {
      break;
    }
  }
  return all;
}

DailyHistoryPrune::DailyHistoryPrune(HistoryRetention& retention, int keep_days)
    : retention_(retention), keep_days_(keep_days), thread_([this] { loop(); }) {}

DailyHistoryPrune::~DailyHistoryPrune() {
  {
    std::lock_guard lock(mutex_);
    stop_ = true;
  }
  wake_.notify_all();
  thread_.join();
}

void DailyHistoryPrune::loop() {
  while (!stop_.load()) {
    auto now =
        std::chrono::time_point_cast<std::chrono::milliseconds>(std::chrono::system_clock::now());
    auto pruned = prune_history(retention_, history_cutoff(now, keep_days_), stop_);
    if (!pruned) {
      log::warn("history_prune_failed", {{"reason", pruned.error().message}});
    } else if (pruned->total() > 0) {
      log::info("history_pruned", {{"runs", pruned->runs},
                                   {"notifications", pruned->notifications},
                                   {"keep_days", keep_days_}});
    }
    // Once a day is often enough for a retention counted in days; a steady wait, so that a
    // change of the wall clock neither skips nor repeats a prune.
    std::unique_lock lock(mutex_);
    wake_.wait_for(lock, std::chrono::hours(24), [this] { return stop_.load(); });
  }
}

}  // namespace orch
