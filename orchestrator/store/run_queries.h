#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "config/base/result.h"
#include "config/base/run_records.h"

namespace orch {

// A page of the run history, newest first (created_at, then id, descending).
struct RunPageQuery {
  std::optional<TeamFilter> team;  // unset: every owner
  std::optional<std::string> pipeline;
  std::optional<RunStatus> status;
  std::optional<Trigger> triggered_by;
  std::optional<SysTime> since;  // created at or after
  std::optional<SysTime> until;  // created strictly before
  // Keyset paging: only rows older than this (created_at, id), the last row of the page before.
  struct Position {
    SysTime created_at;
    std::int64_t id = 0;
  };
  std::optional<Position> after;
  int limit = 50;
};

// What the team gauges are computed from, for one owner (a team or the general run) and pipeline.
struct TeamRunSummary {
  std::optional<TeamId> team;  // std::nullopt: the general run
  std::string pipeline;
  std::optional<SysTime> last_success;  // the latest completed_at of a completed run
  std::string last_completed_slot_key;  // the largest slot key of a completed run ("" if none)
  std::string last_completed_run_date;  // the latest run date of a completed run ("" if none)
};

// The runs of a range of run dates, for the calendar and "why".
struct RunDatesQuery {
  // The owners from first_team to last_team, both included; the general run (std::nullopt) comes
  // before every team.
  std::optional<TeamId> first_team;
  std::optional<TeamId> last_team;
  std::optional<std::string> pipeline;
  std::string from;  // run dates from `from` to `to` (YYYY-MM-DD), both included
  std::string to;
  // Rows created before this are of no date in the range (a run is created on or after its run
  // date's eve): a page of owners reads only those created since.
  SysTime created_since;
};

// One of an owner's latest runs, as the teams list shows it.
struct RecentOutcome {
  std::optional<TeamId> team;  // std::nullopt: the general run
  std::string pipeline;
  RunId run_id;
  std::string run_date;
  std::string status;
};

// Read-only queries of the run history for the HTTP API and /metrics, kept apart from RunStore
// (the scheduler's contract). Every value comes from the database, so that every replica sharing
// it answers the same. Thread-safe.
class RunQueries {
 public:
  virtual ~RunQueries() = default;

  // One trivial query: whether the database answers. kUnavailable when it does not.
  virtual Status ping() = 0;

  // Up to `limit` rows matching every filter set.
  virtual Result<std::vector<RunRecord>> page(const RunPageQuery& query) = 0;

  // One entry per owner and pipeline that have a completed run.
  virtual Result<std::vector<TeamRunSummary>> team_summaries() = 0;

  // How many runs are `running` now, whichever service carries them.
  virtual Result<std::int64_t> running_count() = 0;

  // Every run matching `query`, oldest first.
  virtual Result<std::vector<RunRecord>> runs_of_dates(const RunDatesQuery& query) = 0;

  // The latest `per_owner` runs of each owner from `first` to `last` (both included, the general
  // run before every team) created since `since`, oldest first within each owner: one query for a
  // whole page of teams.
  virtual Result<std::vector<RecentOutcome>> recent_outcomes(const std::optional<TeamId>& first,
                                                             const std::optional<TeamId>& last,
                                                             int per_owner, SysTime since) = 0;

  // team_summaries() of the owners from `first` to `last` (both included) only.
  virtual Result<std::vector<TeamRunSummary>> team_summaries_between(
      const std::optional<TeamId>& first, const std::optional<TeamId>& last) = 0;

  // The runs going now (`running` or `waiting`), whichever service carries them.
  virtual Result<std::vector<RunRecord>> active_runs() = 0;
};

}  // namespace orch
