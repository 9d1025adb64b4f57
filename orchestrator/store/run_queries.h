#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "config/base/result.h"
#include "orchestrator/store/records.h"

namespace orch {

// A page of the run history, newest first (created_at, then id, descending).
struct RunPageQuery {
  std::optional<std::int64_t> team_key;  // 0: the general run
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

// What the team gauges are computed from, for one team key (0: the general run) and pipeline.
struct TeamRunSummary {
  std::int64_t team_key = 0;
  std::string pipeline;
  std::optional<SysTime> last_success;  // the latest completed_at of a completed run
  std::string last_completed_slot_key;  // the largest slot key of a completed run ("" if none)
  std::string last_completed_run_date;  // the latest run date of a completed run ("" if none)
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

  // One entry per team key and pipeline that have a completed run.
  virtual Result<std::vector<TeamRunSummary>> team_summaries() = 0;

  // How many runs are `running` now, whichever service carries them.
  virtual Result<std::int64_t> running_count() = 0;
};

}  // namespace orch
