#pragma once

#include <optional>
#include <string>
#include <vector>

#include "config/base/result.h"
#include "config/base/run_records.h"
#include "orchestrator/store/bad_rows.h"

namespace orch {

// Changes to a team; unset fields stay as they are. An empty string clears an optional field.
struct TeamChanges {
  std::optional<std::string> name;
  std::optional<std::string> run_time;
  std::optional<std::string> timezone;
  std::optional<std::string> cron;
  // Whole numbers as text, validated by the caller; "" clears the override.
  std::optional<std::string> retry_max_attempts;
  std::optional<std::string> retry_initial_delay_seconds;
  std::optional<std::string> retry_max_delay_seconds;
  std::optional<std::string> notify_email;
  std::optional<std::string> notify_slack_webhook;
  // The pipelines the team runs, comma-separated names checked by the caller; "" clears it (the
  // team runs what the configuration gives it).
  std::optional<std::string> pipelines;
  // Whole seconds as text, validated by the caller; "" clears it.
  std::optional<std::string> wait_for_inputs_seconds;
  std::optional<std::string> dst_skipped;   // "shift", "skip"; "" clears
  std::optional<std::string> dst_repeated;  // "first", "last"; "" clears
  std::optional<std::string> overlap;       // "skip", "buffer-one"; "" clears
  // The runs it waits for, as parse_upstreams() reads them, validated by the caller; "" clears.
  std::optional<std::string> upstreams;
};

// Changes to a team's schedule of one pipeline; unset fields stay as they are, "" clears.
struct PipelineScheduleChanges {
  std::optional<std::string> run_time;
  std::optional<std::string> cron;
};

// The sales teams (sales_teams). Values are validated by the caller. Thread-safe.
class TeamStore {
 public:
  virtual ~TeamStore() = default;

  enum class Which { kActive, kAll };
  // The teams; a team with a stored value the store cannot read fails the list, naming the team
  // and the column, or is passed over with an error logged, as `bad_rows` says.
  virtual Result<std::vector<Team>> list(Which which, BadRows bad_rows) = 0;
  Result<std::vector<Team>> list(Which which) { return list(which, BadRows::kFail); }
  virtual Result<std::optional<Team>> find(TeamId id) = 0;
  // Adds a team; without an id, the next free one. kAlreadyExists when the id is taken.
  virtual Result<Team> add(std::optional<TeamId> id, const std::string& name,
                           const TeamChanges& settings, SysTime now) = 0;
  virtual Result<Team> update(TeamId id, const TeamChanges& changes, SysTime now) = 0;
  // Whether a team runs at all (teams activate / deactivate).
  enum class Activity { kActive, kInactive };
  // Activates or deactivates a team; a reactivated team starts afresh at `now` (what it would
  // have run while inactive is not missed). kNotFound for an unknown team.
  virtual Result<Team> set_active(TeamId id, Activity activity, SysTime now) = 0;
  // Pauses or resumes a team's schedule; a resumed team starts afresh at `now` (what it would
  // have run while paused is not caught up). A pause keeps `note` as the pause note (a pause
  // without one leaves an already paused team's note as it is); a resume clears the note and
  // ignores `note`. kNotFound for an unknown team.
  virtual Result<Team> set_paused(TeamId id, bool paused, SysTime now,
                                  const std::optional<std::string>& note) = 0;

  // Sets the team's own schedule of one pipeline (for `daily`, the team's run_time and cron). A
  // new cron expression starts afresh at `now`, as update() does. kNotFound for an unknown team.
  virtual Result<Team> update_pipeline(TeamId id, const std::string& pipeline,
                                       const PipelineScheduleChanges& changes, SysTime now) = 0;
  // Pauses or resumes one pipeline of a team (the team's other pipelines run on); resumed, it
  // starts afresh at `now`. The note as for set_paused(). kNotFound for an unknown team.
  virtual Result<Team> set_pipeline_paused(TeamId id, const std::string& pipeline, bool paused,
                                           SysTime now, const std::optional<std::string>& note) = 0;
};

}  // namespace orch
