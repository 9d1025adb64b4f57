#pragma once

// What the `teams` commands share: the options as typed, their validation into the store's
// changes, and the table `teams list` prints.

#include <optional>
#include <string>
#include <vector>

#include "config/config.h"
#include "orchestrator/cli/command_line.h"
#include "orchestrator/cli/output.h"
#include "orchestrator/store/database.h"

namespace orch::cli {

struct TeamOptions {
  std::optional<std::string> id;
  std::optional<std::string> name;
  std::optional<std::string> run_time;
  std::optional<std::string> timezone;
  std::optional<std::string> cron;
  std::optional<std::string> retry_max_attempts;
  std::optional<std::string> retry_initial_delay;
  std::optional<std::string> retry_max_delay;
  std::optional<std::string> email;
  std::optional<std::string> slack_webhook;
  std::optional<std::string> pipelines;        // --pipelines a,b: the pipelines the team runs
  std::optional<std::string> wait_for_inputs;  // --wait-for-inputs S
  std::optional<std::string> after;            // --after general,3: the runs it waits for
  std::optional<std::string> dst_skipped;      // --dst-skipped shift|skip
  std::optional<std::string> dst_repeated;     // --dst-repeated first|last
  std::optional<std::string> overlap;          // --overlap skip|buffer-one
  std::optional<std::string> pipeline;  // --pipeline NAME: --run-time/--cron, pause apply to it
  std::optional<std::string> note;      // pause --note TEXT: why it is paused
  Format format = Format::kTable;
};

// Checks the settings a person typed; returns them as the store's changes. The first setting
// that is not allowed fails with kInvalidArgument: one line naming the option and what it takes.
Result<TeamChanges> validate(const config::Config& config, const TeamOptions& options);

// Refuses upstreams of team `id` that name a team that does not exist, or that close a cycle
// (a team whose run would wait, through others, for itself), naming the cycle.
Status check_upstreams(Database& db, TeamId id, const std::optional<std::string>& list);

// A site with one pipeline sees the table it always saw; with several, a column says which
// pipelines each team runs. Lists (emails, upstreams, pipelines) are JSON arrays in JSON, and
// comma-separated text in the table and CSV.
Table team_table(const config::Config& config, const std::vector<Team>& teams, Format format);

}  // namespace orch::cli
