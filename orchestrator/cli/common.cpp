#include <iostream>

#include "orchestrator/cli/commands.h"

namespace orch::cli {

int fail(const Error& error) {
  std::cerr << "error: " << error.message << "\n";
  switch (error.code) {
    case ErrorCode::kUnavailable: return kExitDatabase;
    case ErrorCode::kFailedPrecondition: return kExitBusy;
    case ErrorCode::kDeadlineExceeded: return kExitTimeout;
    case ErrorCode::kInternal: return kExitRunFailed;
    default: return kExitUsage;
  }
}

Result<std::unique_ptr<Database>> open_database(const config::Config& config, int connections) {
  return Database::open(config.database.url, connections);
}

Result<Team> existing_team(Database& db, TeamId id) {
  auto found = db.teams().find(id);
  if (!found) {
    return found.error();
  }
  if (!found->has_value()) {
    return not_found("team " + std::to_string(id.value) +
                     " does not exist (see `orchestrator teams list`)");
  }
  return **found;
}

}  // namespace orch::cli
