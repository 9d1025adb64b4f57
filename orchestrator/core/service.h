#pragma once

#include <chrono>
#include <memory>
#include <optional>

#include "config/base/clock.h"
#include "config/config.h"
#include "notify/notifier.h"
#include "orchestrator/store/database.h"
#include "pipeline/process_launcher.h"

namespace orch {

// The long-running service (`serve`): keeps every active team's schedule in one timer queue,
// runs due slots on a bounded pool of workers, records and notifies, reloads the teams on SIGHUP
// or `reschedule`, and stops gracefully on SIGTERM/SIGINT. Owns its threads; run() blocks.
class Service {
 public:
  Service(const config::Config& config, Database& db, notify::Notifier& notifier,
          pipeline::ProcessLauncher& launcher, const Clock& clock);
  ~Service();
  Service(const Service&) = delete;
  Service& operator=(const Service&) = delete;
  Service(Service&&) = delete;
  Service& operator=(Service&&) = delete;

  // Runs until SIGTERM or SIGINT; returns the process's exit code.
  int run();

  // When the service's loop last turned (it does every 5 s while it schedules); std::nullopt
  // while it is starting or stopping. Thread-safe: what a readiness check looks at.
  std::optional<std::chrono::steady_clock::time_point> last_loop_turn() const;

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace orch
