#pragma once

#include <functional>
#include <map>
#include <mutex>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include "config/base/clock.h"
#include "config/base/ids.h"
#include "config/config.h"
#include "notify/notifier.h"
#include "orchestrator/core/pending_ends.h"
#include "orchestrator/core/run_notify.h"
#include "orchestrator/core/run_pipelines.h"
#include "orchestrator/core/run_readiness.h"
#include "orchestrator/core/run_record.h"
#include "orchestrator/core/run_target.h"
#include "orchestrator/schedule/retry_policy.h"
#include "orchestrator/schedule/scheduler.h"
#include "orchestrator/store/run_store.h"
#include "pipeline/input_discovery.h"
#include "pipeline/isolation.h"
#include "pipeline/process_launcher.h"
#include "pipeline/team_tree.h"

namespace orch {

struct RunOutcome;

struct RunRequest {
  RunTarget target;
  Trigger trigger = Trigger::kManual;
  std::optional<Slot> slot;           // scheduled runs: the slot they stand for
  std::optional<Date> run_date;       // manual runs: default today in the team's zone
  std::optional<Date> purchase_date;  // default: computed from the run date
  int attempt = 1;
  // Set: start this `waiting` run of the target (its inputs are ready), instead of claiming;
  // it waits until `wait_until` at the latest.
  std::optional<RunRecord> waiting_run;
  SysTime wait_until;
  // Run even when pipeline.skip_unchanged finds the inputs unchanged (run --force).
  bool force = false;
  // Told as soon as the claim is decided (the run's id, or the run that keeps the owner busy),
  // before the pipeline runs: a requester waits for this, not for the end (`trigger`).
  std::function<void(const RunOutcome&)> on_claim;
  // Told by the service when the run could not be recorded at all.
  std::function<void(const Error&)> on_failure;
};

struct RunOutcome {
  ClaimOutcome claim = ClaimOutcome::kClaimed;
  RunRecord record;     // the final row (completed, failed, skipped, missed, ...)
  RunId busy_run_id;    // kTeamBusy: the run that was in progress
  bool missed = false;  // the slot could not start within the grace window
  // A scheduled run that failed or timed out and is to be tried again: when, as which attempt.
  std::optional<NextAttempt> retry;
  // The database did not take the run's end: it is kept (PendingEnds) and recorded later.
  bool end_kept = false;
  // The run waits for its inputs (recorded `waiting`) until `wait_until`; or, for a waiting run
  // that could not start (kTeamBusy), still waits.
  bool waiting = false;
  SysTime wait_until;
};

// Carries out one run end to end: records its start (the database arbitrates), prepares the
// team's folders, discovers the inputs, starts the pipeline, records how it ended and notifies.
// Every failure of the run itself ends recorded in its row; an Error is returned only when the
// database could not record the start. Thread-safe: the service calls it from its workers.
// A run is a sequence of stages, each a function of one hand-over to the next: the claim (here),
// prepare_run() (run_prepare.h), launch_run() (run_launch.h: where its process starts),
// read_result() (run_result.h), publish_run() (run_publish.h), RunEndRecorder::record()
// (run_record.h: where its end is written to its row) and RunNotices::tell_end() (run_notify.h).
class RunExecutor {
 public:
  RunExecutor(const config::Config& config, RunStore& runs, pipeline::ProcessLauncher& launcher,
              notify::Notifier& notifier, const Clock& clock, std::string instance);

  Result<RunOutcome> execute(const RunRequest& request, pipeline::StopSignal& stop);

  // Whether the target's run of `run_date` may start: its upstreams' runs of that date completed
  // and, when it waits for inputs, its inputs ready. What a waiting run is checked with.
  Result<pipeline::Readiness> check_ready(const RunTarget& target, Date run_date) const;
  // The folder the target's inputs land in, when it waits for inputs (what a waiting run's
  // watch looks at); std::nullopt when it does not wait for files or the folder cannot be made.
  std::optional<std::filesystem::path> input_folder(const RunTarget& target) const;

  // Records a waiting run `missed_inputs` or `upstream_failed` (`status`) with `why` and
  // notifies. Fails with kFailedPrecondition when it no longer waits for this executor.
  Result<RunOutcome> give_up_waiting(const RunTarget& target, const RunRecord& run,
                                     RunStatus status, const std::string& why);

  // How long a scheduled run of the target waits for its inputs (0: it does not).
  std::chrono::seconds wait_for_inputs(const RunTarget& target) const;
  // How long, from its slot, a scheduled run of the target may wait at most: for its inputs, and
  // for its upstreams (a day when it has upstreams and no wait for inputs of its own).
  std::chrono::seconds waiting_window(const RunTarget& target) const;

  // Records a slot as missed (past its grace window) and notifies; `slots` > 1 when several
  // missed slots were coalesced into this one record.
  Result<RunOutcome> record_missed(const RunTarget& target, const Slot& slot, int slots);

  // Stops run `run_id` if this executor carries it out: SIGTERM to its process group now, SIGKILL
  // `term_grace` later (what a timeout does), and it is recorded `cancelled` with `why`, never
  // retried. Returns false when it does not run here (or has ended).
  bool cancel(const RunId& run_id, const std::string& why, std::chrono::milliseconds term_grace);

  // The runs this executor is carrying out, and those whose end waits to be recorded: the ones
  // the heartbeat keeps alive.
  std::vector<RunId> live_run_ids() const;

  // A run that ends while the database is unavailable keeps its end in memory and on disk
  // (PendingEnds), and this records it when the database is back. Returns how many ends still
  // wait.
  std::size_t record_deferred_ends();

  // Takes up the ends kept on disk by an earlier process (stopped or killed during an outage),
  // for record_deferred_ends(). Returns how many there are.
  std::size_t adopt_pending_ends();

  const PendingEnds& pending_ends() const { return ends_.pending(); }

 private:
  // The team's running run `run_id` belongs to a process of this host that died (a killed `run`
  // or `serve`): its leftovers are killed and it is recorded abandoned, so the team can run.
  // Returns whether it was.
  bool abandon_if_holder_died(const RunId& run_id);
  // The claim of a new run: its row, `running`, `waiting` or `upstream_failed`.
  Result<Claim> claim(const ClaimRequest& request);
  // What execute() tells and returns once the claim is decided; runs a claimed run to its end.
  RunOutcome after_claim(const Claim& claim, const ClaimRequest& claimed, const RunRequest& request,
                         pipeline::StopSignal& stop);
  // Runs a run whose row is `running` already, to its recorded end: the stages in order.
  RunOutcome run_claimed(const RunRecord& run, const RunRequest& request,
                         pipeline::StopSignal& stop);
  // execute() for a request with a waiting run.
  Result<RunOutcome> start_waiting(const RunRequest& request, pipeline::StopSignal& stop);
  // Prepare, launch, read the result and publish: how the run ended, to be recorded.
  RunFinish run_pipeline(const RunRecord& run, const RunRequest& request,
                         pipeline::StopSignal& stop);

  const config::Config& config_;
  RunStore& runs_;
  pipeline::ProcessLauncher& launcher_;
  const Clock& clock_;
  std::string instance_;
  pipeline::TeamTree tree_;
  PipelineSetups pipelines_;
  RunReadiness readiness_;
  RunEndRecorder ends_;
  RunNotices notices_;

  mutable std::mutex mutex_;
  std::set<RunId> active_;                        // claimed, pipeline not finished
  std::map<RunId, pipeline::StopSignal*> stops_;  // the active runs' stop signals
};

}  // namespace orch
