#include "orchestrator/cli/team_setup.h"

#include <utility>

#include "orchestrator/cli/commands.h"

namespace orch::cli {

Result<TeamSetup> set_up_team(const config::Config& config, const TeamSetupRequest& request) {
  auto team = parse_team_option(request.team);
  if (!team) {
    return team.error();
  }
  auto pipeline = parse_pipeline_option(config, request.pipeline);
  if (!pipeline) {
    return pipeline.error();
  }
  if (Status plugin = load_notify_plugin(config, request.channel); !plugin) {
    return plugin.error();
  }
  auto db = open_database(config, request.connections, request.mode);
  if (!db) {
    return db.error();
  }
  auto resolved = team_to_run(**db, config, *team, *pipeline);
  if (!resolved) {
    return resolved.error();
  }
  return TeamSetup{*team, std::move(*pipeline), std::move(*db), std::move(resolved->target)};
}

}  // namespace orch::cli
