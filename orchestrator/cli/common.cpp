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

}  // namespace orch::cli
