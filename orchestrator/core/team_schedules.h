#pragma once

#include <optional>
#include <vector>

#include "config/config.h"
#include "orchestrator/core/run_executor.h"
#include "orchestrator/schedule/scheduler.h"
#include "orchestrator/store/records.h"

namespace orch {

// A team's schedule and run target, its unset settings filled in from the configuration.
struct ResolvedTeam {
  ScheduledTeam schedule;
  RunTarget target;
};

// Resolves one team (std::nullopt: the general run, whose schedule starts at `general_since`).
// Fails with kInvalidArgument when the team's stored run time, cron expression or zone (or the
// configured default cron expression) is not valid.
Result<ResolvedTeam> resolve_team(const std::optional<Team>& team, const config::Config& config,
                                  SysTime general_since);

// Every active team that is not paused, plus the general run when enabled. A team whose stored settings are not
// valid is left out with an error line in the log (the others still run).
std::vector<ResolvedTeam> resolve_schedules(const std::vector<Team>& teams,
                                            const config::Config& config, SysTime general_since);

}  // namespace orch
