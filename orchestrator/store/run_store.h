#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include "config/base/result.h"
#include "config/base/run_records.h"
#include "orchestrator/store/bad_rows.h"

namespace orch {

// What a run asks to be recorded as when it starts.
struct ClaimRequest {
  std::optional<TeamId> team;
  std::string pipeline{kDefaultPipeline};
  Trigger triggered_by = Trigger::kManual;
  int attempt = 1;
  // Set for scheduled runs: at most one row per team, pipeline and key.
  std::optional<std::string> slot_key;
  std::optional<SysTime> scheduled_for;
  std::string schedule_note;  // what daylight saving did to the slot (dst_note())
  Date run_date;
  std::string purchase_date;
  std::string instance;
  SysTime now;
  // kWaiting: the run is recorded `waiting` for its inputs (with `reason`), whether or not the
  // owner has a running run; start_waiting() starts it later. kUpstreamFailed: it is recorded
  // ended so at once, with `reason`.
  RunStatus start_as = RunStatus::kRunning;
  std::string reason;
  // A slot's first attempt that finds its owner running is recorded `waiting` for that run to
  // end (overlap buffer-one) instead of `skipped`, unless the owner has a waiting run already.
  bool buffer_if_busy = false;
};

// What start_waiting() found.
enum class WaitingStart {
  kStarted,  // the row is `running` now: the caller runs the pipeline
  kBusy,     // the owner has a running run: still waiting, try again later
  kGone,     // no longer waiting for this service (ended, or taken over by another)
};

// What the database decided.
enum class ClaimOutcome {
  kClaimed,          // a `running` row was inserted: the caller runs the pipeline
  kTeamBusy,         // the team runs this pipeline already; for a slot a `skipped` row was recorded
  kAlreadyRecorded,  // the slot has a row already (run earlier, or by another service)
};

struct Claim {
  ClaimOutcome outcome = ClaimOutcome::kClaimed;
  RunRecord record;   // the inserted row (running or skipped); empty otherwise
  RunId busy_run_id;  // for kTeamBusy: the run in progress
};

// How a claimed run ended.
struct RunFinish {
  RunId run_id;
  RunStatus status = RunStatus::kCompleted;
  std::optional<int> exit_code;
  std::string error;
  std::string inputs;   // JSON
  std::string metrics;  // JSON
  std::optional<std::int64_t> total_loans;
  std::optional<std::int64_t> exceptions_count;
  std::string log_path;
  // When the run started, if the caller knows it (it gives the recorded duration). Unknown, it is
  // read from the run's row.
  std::optional<SysTime> started_at;
  SysTime completed_at;
};

struct RunFilter {
  std::optional<TeamFilter> team;  // unset: every owner
  std::optional<std::string> pipeline;
  std::optional<RunStatus> status;
  std::optional<SysTime> since;  // created at or after
  std::optional<SysTime> until;  // created strictly before
  int limit = 50;
  BadRows bad_rows = BadRows::kFail;  // a run holding a value the store cannot read
};

// The run history (pipeline_runs). The database itself guarantees at most one row per owner (a
// team and pipeline, RunOwner) and slot key and at most one `running` row per owner, whatever
// number of processes share it.
// Thread-safe.
class RunStore {
 public:
  virtual ~RunStore() = default;

  // Records the start of a run, atomically: a slot already recorded gives kAlreadyRecorded; an
  // owner (the team's pipeline) with a running run gives kTeamBusy (and, for a slot's first
  // attempt, a `skipped` row: a later attempt is a retry or rerun, which waits for the team instead
  // of being lost); else a `running` row is inserted. Fails with kUnavailable when the database
  // cannot be reached.
  virtual Result<Claim> claim(const ClaimRequest& request) = 0;

  // Starts a `waiting` run held by `instance`: it becomes `running` at `now`, its reason cleared.
  virtual Result<WaitingStart> start_waiting(const RunId& run_id, const std::string& instance,
                                             SysTime now) = 0;

  // Ends a `waiting` run held by `instance` without starting it (e.g. `missed_inputs`, with the
  // reason in its error). kFailedPrecondition when it is not waiting for `instance` any more.
  virtual Status end_waiting(const RunId& run_id, const std::string& instance, RunStatus status,
                             const std::string& error, SysTime now) = 0;

  // Rewrites the reason of a `waiting` run held by `instance` to what it waits for now.
  // kFailedPrecondition when it is not waiting for `instance` any more.
  virtual Status note_waiting(const RunId& run_id, const std::string& instance,
                              const std::string& reason) = 0;

  // Takes a `waiting` run over from the service `from` (dead, or silent past the heartbeat
  // timeout) for `to`: true when this call took it, false when it is not `from`'s any more.
  virtual Result<bool> adopt_waiting(const RunId& run_id, const std::string& from,
                                     const std::string& to, SysTime now) = 0;

  // Records a slot that will not run (`missed`), unless the slot has a row already.
  virtual Result<std::optional<RunRecord>> record_missed(const ClaimRequest& request,
                                                         const std::string& reason) = 0;

  // Records how a running run ended. Requires: the run is `running`.
  virtual Status finish(const RunFinish& finish) = 0;
  // Records how several running runs ended, each as finish() would, together where the database
  // allows it (one transaction, one commit): the status of each end, in their order. An end that
  // is refused does not keep the others from being recorded.
  virtual std::vector<Status> finish_all(const std::vector<const RunFinish*>& ends) {
    std::vector<Status> recorded;
    recorded.reserve(ends.size());
    for (const RunFinish* end : ends) {
      recorded.push_back(finish(*end));
    }
    return recorded;
  }

  // Sets heartbeat_at of the given running (or waiting) runs: those a service is actually carrying
  // out, so that a row it lost track of (its start was recorded but the answer never came back)
  // goes stale and is abandoned like a dead service's.
  virtual Status heartbeat(const std::vector<RunId>& run_ids, SysTime now) = 0;

  // Marks `abandoned` every running run whose heartbeat is older than `stale_before` (its
  // service died); returns them. A run holding a value the store cannot read is passed over with
  // an error logged naming it (BadRows::kSkipAndLog), as by unsettled_slot_attempts().
  virtual Result<std::vector<RunRecord>> abandon_stale(SysTime stale_before, SysTime now) = 0;

  // The latest slot key recorded per owner: slots up to it are done and never run again.
  virtual Result<std::map<RunOwner, std::string>> last_slot_keys() = 0;

  // The run dates (YYYY-MM-DD) from `from` to `to`, both included, on which the owner has a
  // completed run, whatever triggered it.
  virtual Result<std::set<std::string>> completed_run_dates(const RunOwner& owner,
                                                            const std::string& from,
                                                            const std::string& to) = 0;

  // Slot runs created since `since` that ended failed, timed_out, abandoned or interrupted and
  // have no later attempt of their slot: the retries and reruns that a service which died or
  // stopped may have left undone. This, not any service's memory, is where that intent lives. A
  // run holding a value the store cannot read is passed over with an error logged naming it.
  virtual Result<std::vector<RunRecord>> unsettled_slot_attempts(SysTime since) = 0;

  // The owner's latest run of `run_date` (YYYY-MM-DD), whatever triggered it; none yet: nullopt.
  virtual Result<std::optional<RunRecord>> latest_of_date(const RunOwner& owner,
                                                          const std::string& run_date) = 0;

  virtual Result<std::vector<RunRecord>> list(const RunFilter& filter) = 0;
  virtual Result<std::optional<RunRecord>> find(const RunId& run_id) = 0;

  // The statuses of the owner's latest `limit` runs, newest first, in the order of list(): what a
  // failure streak is counted from, read after every run.
  virtual Result<std::vector<RunStatus>> recent_statuses(const RunOwner& owner, int limit) = 0;
};

}  // namespace orch
