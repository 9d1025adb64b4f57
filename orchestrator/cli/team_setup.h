#pragma once

// The set-up `run`, `backfill` and `notify test` share before they act on one team's pipeline:
// the --team and --pipeline options read, the network plugin loaded, the database opened and the
// team looked up.

#include <memory>
#include <optional>
#include <string>

#include "config/config.h"
#include "orchestrator/core/team_schedules.h"
#include "orchestrator/store/database.h"

namespace orch::cli {

struct TeamSetupRequest {
  std::optional<std::string> team;      // --team as typed; std::nullopt: the general run
  std::optional<std::string> pipeline;  // --pipeline as typed; std::nullopt: daily
  // The channel the command sends through (notify test); std::nullopt: those notify.channels
  // turns on.
  std::optional<config::Channel> channel;
  int connections = 1;
  Database::OpenMode mode = Database::OpenMode::kExisting;
};

struct TeamSetup {
  std::optional<TeamId> team;  // std::nullopt: the general run
  std::string pipeline;
  std::unique_ptr<Database> db;
  RunTarget target;  // the team's pipeline, its settings resolved
};

// Fails, in this order, on a --team that is not an id, a --pipeline that is not configured, a
// plugin a channel needs but cannot load, a database that does not open and a team that does not
// exist: each with the error of the step (see commands.h).
Result<TeamSetup> set_up_team(const config::Config& config, const TeamSetupRequest& request);

}  // namespace orch::cli
