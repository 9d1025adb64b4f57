#pragma once

#include <chrono>
#include <functional>
#include <string>

#include "config/base/clock.h"
#include "config/config.h"
#include "orchestrator/core/run_executor.h"
#include "orchestrator/store/database.h"

namespace orch {

// A service's side of `trigger` and `cancel` (and their API endpoints): takes the requests to run
// an owner now that no service has taken (one compare-and-set each, so exactly one replica runs
// each), hands them to the workers as manual runs that write their run id back, and stops the
// runs of this service that were asked to be cancelled. asked() and take_requests() run on the
// service's loop; apply_cancels() on the loop and the heartbeat's thread (it keeps no state).
class ControlDesk {
 public:
  // `run` queues a run for the workers; false when the service is stopping.
  using Enqueue = std::function<bool(RunRequest)>;

  ControlDesk(const config::Config& config, Database& db, RunExecutor& executor, const Clock& clock,
              std::string instance, Enqueue run);

  // Whether the control generation moved since the last call: something was asked.
  bool asked();
  // Takes every pending request and queues its run.
  void take_requests();
  // Stops this service's runs that were asked to be cancelled.
  void apply_cancels();

 private:
  // The run a request stands for; kNotFound / kInvalidArgument saying why it cannot run.
  Result<RunRequest> to_run(const TriggerRequest& request) const;

  const config::Config& config_;
  Database& db_;
  RunExecutor& executor_;
  const Clock& clock_;
  std::string instance_;
  Enqueue enqueue_;
  std::int64_t seen_generation_ = -1;
};

// How long a request to run waits for a service before no one takes it any more; its requester
// withdraws it sooner.
inline constexpr std::chrono::minutes kTriggerRequestLifetime{10};

}  // namespace orch
