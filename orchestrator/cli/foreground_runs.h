#pragma once

#include <memory>

#include "config/base/clock.h"
#include "config/config.h"
#include "notify/notifier.h"
#include "orchestrator/core/run_executor.h"
#include "orchestrator/store/database.h"
#include "pipeline/stop_signal.h"

namespace orch::cli {

// Runs carried out in the foreground of a command (`run`, `backfill`) as `serve` carries out
// scheduled ones: an executor that tells the configured channels, a stop on SIGINT or SIGTERM
// (the run in progress is recorded `interrupted`, never left `running`), and the heartbeat that
// tells other services the run is alive. Asio stays in the .cpp.
class ForegroundRuns {
 public:
  ForegroundRuns(const config::Config& config, Database& db, const Clock& clock);
  ~ForegroundRuns();  // finish()es if the caller did not
  ForegroundRuns(const ForegroundRuns&) = delete;
  ForegroundRuns& operator=(const ForegroundRuns&) = delete;
  ForegroundRuns(ForegroundRuns&&) = delete;
  ForegroundRuns& operator=(ForegroundRuns&&) = delete;

  RunExecutor& executor();
  pipeline::StopSignal& stop();
  notify::Notifier& notifier();

  // Stops the heartbeat and the watch on signals, once the runs are over.
  void finish();

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace orch::cli
