#pragma once

#include <filesystem>
#include <string>
#include <vector>

#include "config/base/result.h"
#include "orchestrator/store/run_store.h"

namespace orch {

// The ends of runs that could not be recorded because the database was unavailable, kept as
// files (one JSON file per run) until they are: a service stopped or killed during an outage
// records them at its next start, so a run that happened is never lost.
class PendingEnds {
 public:
  explicit PendingEnds(std::filesystem::path dir) : dir_(std::move(dir)) {}

  // Writes the end to <dir>/<run_id>.json, atomically.
  Status keep(const RunFinish& end) const;
  void forget(const RunId& run_id) const;
  // Every end kept; a file that cannot be read is logged and left where it is.
  std::vector<RunFinish> load() const;

  const std::filesystem::path& dir() const { return dir_; }

 private:
  std::filesystem::path dir_;
};

}  // namespace orch
