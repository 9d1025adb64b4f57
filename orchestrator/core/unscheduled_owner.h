#pragma once

#include <optional>
#include <string>

#include "config/base/run_records.h"
#include "config/config.h"
#include "orchestrator/core/run_target.h"
#include "orchestrator/store/team_store.h"

namespace orch {

// The owner of a waiting run that the service does not schedule now: its team paused (or only
// that pipeline), or deactivated. Such a run is still held until its window ends, so that it
// starts if the owner is resumed in time and is recorded `missed_inputs` otherwise.
struct UnscheduledOwner {
  RunTarget target;
  std::string why;  // "team 1 was paused", "team 1's pipeline month_end was paused", ...
};

// Reads the run's team. std::nullopt when the run is the general run's, the team or the
// pipeline is gone, or the team cannot be read or resolved: nothing can be said of it here.
std::optional<UnscheduledOwner> unscheduled_owner(TeamStore& teams, const config::Config& config,
                                                  const RunRecord& run);

// Why the team's run of `pipeline` is not scheduled, as above; std::nullopt when it is (or the
// team cannot be read).
std::optional<std::string> why_unscheduled(TeamStore& teams, const std::optional<TeamId>& team,
                                           const std::string& pipeline);

}  // namespace orch
