#pragma once

// Internal to orchestrator/store: the columns of sales_teams as the team store binds them.

#include <optional>
#include <string>

#include "orchestrator/store/soci_connection.h"
#include "orchestrator/store/team_store.h"

namespace orch::store {

// The settings of sales_teams that `teams add` and `teams update` write, bound by the names
// :run_time, :timezone, :cron, :attempts, :initial, :max_delay, :email, :slack, :pipelines, :wait,
// :upstreams, :dst_skipped, :dst_repeated and :overlap.
struct TeamSettingsRow {
  NullableText run_time, timezone, cron, email, slack, pipelines, upstreams, dst_skipped,
      dst_repeated, overlap;
  NullableInt attempts, initial, max_delay, wait;

  // A new team's settings; an empty string is no setting.
  static TeamSettingsRow of_new_team(const TeamChanges& settings);
  // Applies `changes` to `team` (an empty string clears a setting) and returns its settings.
  static TeamSettingsRow of_changed_team(Team& team, const TeamChanges& changes);

  void bind(soci::statement& st);
};

// "daily, month_end" -> {"daily", "month_end"}.
std::vector<std::string> split_names(const std::string& list);

}  // namespace orch::store
