#pragma once

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

#include "config/base/result.h"
#include "config/config.h"
#include "orchestrator/store/database.h"

namespace orch {

// What a reschedule came to: the schedule generation asked for, how many live services applied
// it, and the live ones that had not when the wait ended.
struct RescheduleOutcome {
  std::int64_t generation = 0;
  std::size_t applied = 0;
  std::vector<std::string> waiting;
};

// Asks every service sharing the database to reload the teams (`orchestrator reschedule`): bumps
// the schedule generation, writes the audit entry of `actor`, then waits up to `timeout` until
// every live service (one that beat within two heartbeats and a second) acknowledged it. A
// service still waiting at the end is in `waiting`, not an error. Fails with the database's
// error (kUnavailable) when it cannot be asked or read. Blocks the calling thread.
Result<RescheduleOutcome> reschedule_services(Database& db, const config::Config& config,
                                              const std::string& actor,
                                              std::chrono::milliseconds timeout);

}  // namespace orch
