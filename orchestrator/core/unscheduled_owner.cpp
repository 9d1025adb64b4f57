#include "orchestrator/core/unscheduled_owner.h"

#include "orchestrator/core/team_schedules.h"

namespace orch {
namespace {

std::optional<std::string> reason(const Team& team, const std::string& pipeline) {
  const std::string name = describe_team(team.id);
  if (!team.active) {
    return name + " was deactivated";
  }
  if (team.paused) {
    return name + " was paused";
  }
  if (pipeline_paused(team, pipeline)) {
    return name + "'s pipeline " + pipeline + " was paused";
  }
  return std::nullopt;
}

}  // namespace

std::optional<std::string> why_unscheduled(TeamStore& teams, const std::optional<TeamId>& team,
                                           const std::string& pipeline) {
  if (!team) {
    return std::nullopt;
  }
  auto found = teams.find(*team);
  if (!found || !found->has_value()) {
    return std::nullopt;
  }
  return reason(**found, pipeline);
}

std::optional<UnscheduledOwner> unscheduled_owner(TeamStore& teams, const config::Config& config,
                                                  const RunRecord& run) {
  if (!run.team) {
    return std::nullopt;
  }
  auto pipeline = pipeline_index(config, run.pipeline);
  auto found = teams.find(*run.team);
  if (!pipeline || !found || !found->has_value()) {
    return std::nullopt;
  }
  auto why = reason(**found, run.pipeline);
  if (!why) {
    return std::nullopt;
  }
  // Its schedule's start does not matter here: only the target is used.
  auto resolved = resolve_team(**found, *pipeline, config, SysTime{});
  if (!resolved) {
    return std::nullopt;
  }
  return UnscheduledOwner{std::move(resolved->target), std::move(*why)};
}

}  // namespace orch
