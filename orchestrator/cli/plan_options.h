#pragma once

// The options of `plan`, shared by its two forms: the schedule of the teams (plan_command.cpp) and
// the fire times of one cron expression (plan_cron_command.cpp).

#include <optional>
#include <string>

#include "config/config.h"
#include "orchestrator/cli/command_line.h"

namespace orch::cli {

struct PlanOptions {
  std::optional<std::string> team;
  std::optional<std::string> pipeline;  // default: every pipeline
  int count = 3;
  Format format = Format::kTable;
  // `plan --cron`: the fire times of one expression, with no database involved.
  std::optional<std::string> cron;
  std::optional<std::string> timezone;  // default: scheduler.timezone
  std::optional<std::string> after;     // an ISO-8601 instant; default: now
};

// `plan --cron EXPR`: the fire times of the expression, with no database involved.
int plan_cron(const config::Config& config, const PlanOptions& options);

}  // namespace orch::cli
