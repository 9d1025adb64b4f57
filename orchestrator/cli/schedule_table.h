#pragma once

#include <optional>
#include <vector>

#include "config/config.h"
#include "orchestrator/cli/output.h"
#include "orchestrator/store/database.h"

namespace orch::cli {

// The next `count` slots of every pipeline of every active team and of the general run (or of the
// owner `only`, of pipeline `pipeline`): what `plan` and `reschedule` print. The pipeline has a
// column when the configuration has several.
Result<Table> schedule_table(const config::Config& config, Database& db,
                             const std::optional<TeamFilter>& only,
                             const std::optional<std::string>& pipeline, int count);

}  // namespace orch::cli
