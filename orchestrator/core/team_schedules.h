#pragma once

#include <cstdint>
#include <optional>
#include <string_view>
#include <vector>

#include "config/base/run_records.h"
#include "config/config.h"
#include "orchestrator/core/run_target.h"
#include "orchestrator/schedule/scheduler.h"

namespace orch {

// A team's schedule of one pipeline and its run target, unset settings filled in from the
// configuration.
struct ResolvedTeam {
  ScheduledTeam schedule;
  RunTarget target;
};

// Resolves one team's (std::nullopt: the general run's, which starts at `general_since`)
// schedule of the pipeline at `pipeline` in config.pipelines. The schedule is the team's own for
// that pipeline (for `daily`, the team's run_time and cron), else the pipeline's, else the
// configured default cron expression, else the configured daily run time. Fails with
// kInvalidArgument when a stored run time, cron expression or zone (or a configured one) is not
// valid.
Result<ResolvedTeam> resolve_team(const std::optional<Team>& team, std::uint16_t pipeline,
                                  const config::Config& config, SysTime general_since);

// Whether the team (std::nullopt: the general run) runs `pipeline`: the team's own list
// (teams update --pipelines) when it has one, else the pipeline's `teams` and `general_only`.
bool runs_pipeline(const std::optional<Team>& team, const config::NamedPipeline& pipeline);

// The position of the pipeline named `name` in config.pipelines; std::nullopt when none has it.
std::optional<std::uint16_t> pipeline_index(const config::Config& config, std::string_view name);

// Whether the team has paused `pipeline` alone (teams pause ID --pipeline NAME).
bool pipeline_paused(const Team& team, std::string_view pipeline);

// Every pipeline of every active team that is not paused, plus the general run's pipelines. A
// team whose stored settings are not valid is left out with an error line in the log (the
// others still run).
std::vector<ResolvedTeam> resolve_schedules(const std::vector<Team>& teams,
                                            const config::Config& config, SysTime general_since);

}  // namespace orch
