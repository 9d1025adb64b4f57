#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "config/base/ids.h"
#include "config/base/result.h"
#include "config/base/run_vocabulary.h"
#include "config/base/time.h"

namespace orch {

// A run a team's run waits for (teams update --after): the same run date's run of another team's
// pipeline, or of the general run's. Written "general", "3", "3:month_end", "general:rates".
struct Upstream {
  std::optional<TeamId> team;  // std::nullopt: the general run
  std::string pipeline{kDefaultPipeline};
  friend bool operator==(const Upstream&, const Upstream&) = default;
};
std::string to_string(const Upstream& upstream);
// One upstream as written; kInvalidArgument saying what is allowed. The pipeline is not checked
// against the configuration here.
Result<Upstream> parse_upstream(std::string_view text);
// "general, 3" -> its upstreams; "" -> none.
Result<std::vector<Upstream>> parse_upstreams(std::string_view text);

// One row of pipeline_runs.
struct RunRecord {
  std::int64_t id = 0;
  RunId run_id;
  std::optional<TeamId> team;              // sales_team_id; std::nullopt for the general run
  std::string pipeline{kDefaultPipeline};  // the pipeline's name
  RunStatus status = RunStatus::kRunning;
  Trigger triggered_by = Trigger::kManual;
  int attempt = 1;
  std::optional<std::string> slot_key;  // the slot's run date for daily schedules
  std::string schedule_note;            // what daylight saving did to its slot, if anything
  std::optional<SysTime> scheduled_for;
  Date run_date;
  std::string purchase_date;  // YYYY-MM-DD
  std::optional<std::int64_t> total_loans;
  std::optional<std::int64_t> exceptions_count;
  std::optional<int> exit_code;
  std::string error;
  std::string inputs;   // JSON array of the discovered files
  std::string metrics;  // JSON object the pipeline wrote
  std::string log_path;
  std::string instance;
  SysTime created_at;
  std::optional<SysTime> started_at;
  std::optional<SysTime> completed_at;
  std::optional<SysTime> heartbeat_at;
  std::optional<std::int64_t> duration_ms;
};

// A team's own settings for one of its pipelines (team_pipelines). The `daily` pipeline's
// schedule is the team's own run_time and cron; its pause may be here.
struct TeamPipeline {
  std::string pipeline;
  std::optional<std::string> run_time;  // "HH:MM[:SS]"
  std::optional<std::string> cron;      // set: replaces run_time
  bool paused = false;
  std::optional<std::string> pause_note;  // why it is paused; cleared on resume
  // When it was resumed or given a new schedule: no slot before it runs.
  std::optional<SysTime> active_since;
};

// One row of sales_teams. Unset schedule fields fall back to the configured defaults.
struct Team {
  TeamId id;
  std::string name;
  bool active = true;
  std::optional<std::string> run_time;  // "HH:MM[:SS]"
  std::optional<std::string> timezone;  // IANA name
  std::optional<std::string> cron;      // a 5-field cron expression; set: replaces run_time
  bool paused = false;                  // active, but its schedule is stopped
  // Why it is paused (teams pause --note); cleared on resume.
  std::optional<std::string> pause_note;
  // Overrides of pipeline.retry.* for this team; unset: the configured value.
  std::optional<int> retry_max_attempts;
  std::optional<int> retry_initial_delay_seconds;
  std::optional<int> retry_max_delay_seconds;
  // Its own scheduler.dst_skipped ("shift", "skip") and dst_repeated ("first", "last"); unset:
  // the configured ones. For all its pipelines.
  std::optional<std::string> dst_skipped;
  std::optional<std::string> dst_repeated;
  // "skip" (a slot that finds its pipeline's previous run going is recorded skipped) or
  // "buffer-one" (it waits for that run to end, inside the misfire grace); unset: skip.
  std::optional<std::string> overlap;
  // Its daily pipeline's own pipeline.wait_for_inputs_seconds; unset: the configured one.
  std::optional<int> wait_for_inputs_seconds;
  // The runs its daily pipeline's run of a date waits for (teams update --after).
  std::vector<Upstream> upstreams;
  std::optional<std::string> notify_email;  // comma-separated addresses
  std::optional<std::string> notify_slack_webhook;
  SysTime active_since;  // when it was created, activated, resumed or given
                         // a new cron schedule: no slot before it runs
  // The pipelines it runs (teams update --pipelines); unset: those configured to run for it.
  std::optional<std::vector<std::string>> pipelines;
  std::vector<TeamPipeline> pipeline_settings;  // by pipeline name
  SysTime created_at;
  SysTime updated_at;
};

}  // namespace orch
