#pragma once

// The words a run is described with, shared by the schedule core, the store and the services:
// its status, what triggered it and whose it is. Standard library only.

#include <optional>
#include <span>
#include <string>
#include <string_view>

#include "config/base/ids.h"
#include "config/base/result.h"

namespace orch {

enum class RunStatus {
  kRunning,
  kCompleted,
  kFailed,
  kTimedOut,
  kSkipped,         // a run of that team was still in progress
  kMissed,          // past the grace window
  kInterrupted,     // stopped by a shutdown
  kAbandoned,       // its service died
  kWaiting,         // claimed, waiting for its inputs to arrive and settle; no process yet
  kMissedInputs,    // its inputs were not ready by the end of its waiting window
  kUpstreamFailed,  // a run it waited for (teams update --after) ended without completing
  kCancelled,       // cancelled by an operator (`cancel`, the API): never retried
};
// The name stored in pipeline_runs.status and shown to users ("timed_out").
const char* to_string(RunStatus status);
// A stored or typed name back to its status; kInvalidArgument naming the allowed ones.
Result<RunStatus> parse_run_status(std::string_view text);
// Every status, in declaration order (for metrics and help texts).
std::span<const RunStatus> all_run_statuses();
// failed, timed_out, interrupted, abandoned, missed_inputs: what a failure streak counts.
bool is_failure(RunStatus status);

enum class Trigger { kSchedule, kCatchup, kManual, kRetry, kBackfill };
// The name stored in pipeline_runs.triggered_by ("catchup").
const char* to_string(Trigger trigger);
Result<Trigger> parse_trigger(std::string_view text);
std::span<const Trigger> all_triggers();

// Whose runs: a team (std::nullopt: the general run, which sorts before every team) and one of
// its pipelines. The database keeps at most one run per owner and slot, and one running run per
// owner.
struct RunOwner {
  std::optional<TeamId> team;
  std::string pipeline{kDefaultPipeline};
  // NOLINTNEXTLINE(modernize-use-nullptr): clang-tidy 14 misreads the defaulted comparison
  friend auto operator<=>(const RunOwner&, const RunOwner&) = default;
};

// A query's choice of one owner's team: a team, or the general run (team std::nullopt). A named
// struct because std::optional<std::optional<TeamId>> would read "every owner" and "the general
// run" alike; a filter holds std::optional<TeamFilter>, unset for every owner.
struct TeamFilter {
  std::optional<TeamId> team;
};

}  // namespace orch
