#pragma once

#include <optional>
#include <vector>

#include "config/config.h"
#include "orchestrator/cli/output.h"
#include "orchestrator/store/database.h"

namespace orch::cli {

// The next `count` slots of every active team (or of `only`), and of the general run: what
// `plan` and `reschedule` print.
Result<Table> schedule_table(const config::Config& config, Database& db,
                             std::optional<std::int64_t> only, int count);

}  // namespace orch::cli
