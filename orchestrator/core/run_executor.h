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
#include "orchestrator/schedule/retry_policy.h"
#include "orchestrator/schedule/scheduler.h"
#include "orchestrator/store/run_store.h"
#include "pipeline/input_discovery.h"
#include "pipeline/isolation.h"
#include "pipeline/process_launcher.h"
#include "pipeline/team_tree.h"

namespace orch {

// Who a run is for, resolved from the team's row and the defaults: a team (or the general run)
// and one of its pipelines.
struct RunTarget {
  std::optional<TeamId> team;
  std::string pipeline{kDefaultPipeline};  // a name in config.pipelines
  std::string name;
  const date::time_zone* zone = nullptr;
  // The team's own notification recipients; empty: the configured ones.
  std::vector<std::string> email_to;
  std::string slack_webhook;
  config::RetryConfig retry;  // the pipeline's retry.*, with the team's own overrides (daily)
  // The runs of the same run date it waits for (teams update --after; daily pipeline).
  std::vector<Upstream> upstreams;
  // The team's own wait_for_inputs_seconds (daily pipeline); unset: the pipeline's.
  std::optional<std::chrono::seconds> wait_for_inputs;
  // teams --overlap buffer-one: a slot that finds the previous run going waits for it to end.
  bool buffer_one = false;
  friend bool operator==(const RunTarget&, const RunTarget&) = default;
};

// The event people are told about `run` (of `target`).
notify::RunEvent run_event(notify::EventKind kind, const RunRecord& run, const RunTarget& target);
// The event a run that ended with `status` calls for: completed, timed out, abandoned or failed.
notify::EventKind end_event(RunStatus status);

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
  RunRecord record;         // the final row (completed, failed, skipped, missed, ...)
  std::string busy_run_id;  // kTeamBusy: the run that was in progress
  bool missed = false;      // the slot could not start within the grace window
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
  bool cancel(const std::string& run_id, const std::string& why,
              std::chrono::milliseconds term_grace);

  // The runs this executor is carrying out, and those whose end waits to be recorded: the ones
  // the heartbeat keeps alive.
  std::vector<std::string> live_run_ids() const;

  // A run that ends while the database is unavailable keeps its end in memory and on disk
  // (PendingEnds), and this records it when the database is back. Returns how many ends still
  // wait.
  std::size_t record_deferred_ends();

  // Takes up the ends kept on disk by an earlier process (stopped or killed during an outage),
  // for record_deferred_ends(). Returns how many there are.
  std::size_t adopt_pending_ends();

  const PendingEnds& pending_ends() const { return pending_ends_; }

 private:
  // Each configured pipeline's settings and its sandbox (unset: it runs without one), in the
  // order of config.pipelines.
  struct Pipeline {
    const config::NamedPipeline* named;
    std::optional<pipeline::SandboxPlan> sandbox;
  };

  // The team's running run `run_id` belongs to a process of this host that died (a killed `run`
  // or `serve`): its leftovers are killed and it is recorded abandoned, so the team can run.
  // Returns whether it was.
  bool abandon_if_holder_died(const std::string& run_id);
  // Adds to `readiness` what the target's upstreams' runs of `run_date` still lack, or why they
  // never will complete.
  Status check_upstreams(const RunTarget& target, Date run_date,
                         pipeline::Readiness& readiness) const;
  // The published output folders of the target's upstreams, for UPSTREAM_OUTPUT_DIRS.
  std::string upstream_output_dirs(const RunTarget& target) const;
  // Runs a run whose row is `running` already, to its recorded end.
  void run_claimed(const RunRecord& run, const RunRequest& request, pipeline::StopSignal& stop,
                   RunOutcome& outcome);
  // execute() for a request with a waiting run.
  Result<RunOutcome> start_waiting(const RunRequest& request, pipeline::StopSignal& stop);
  RunFinish run_pipeline(const RunRecord& run, const RunTarget& target, bool force,
                         pipeline::StopSignal& stop);
  // pipeline.skip_unchanged: the run id of the owner's last completed run when `inputs` are the
  // same as its (names, sizes, hashes); else nothing.
  std::optional<std::string> unchanged_since(const RunTarget& target,
                                             const std::vector<pipeline::InputFile>& inputs) const;
  // pipeline.condition, run with the pipeline's environment and sandbox: nothing when the
  // pipeline is to run; else how the run ends and why (skipped at exit 100, else a failure).
  std::optional<std::pair<RunStatus, std::string>> run_condition(
      const pipeline::ProcessSpec& pipeline_spec, const std::vector<std::string>& condition,
      const pipeline::RunFolders& folders, const RunTarget& target, const Pipeline& pipeline,
      pipeline::StopSignal& stop);
  // run_pipeline() once the owner's folders are prepared: the run's own folder, its inputs, the
  // process, its result and the switch of the published outputs.
  RunFinish run_in_folders(const pipeline::RunFolders& folders, const RunRecord& run,
                           const RunTarget& target, const Pipeline& pipeline, bool force,
                           pipeline::StopSignal& stop);
  void finish(const RunRecord& run, const RunTarget& target, const RunFinish& finish,
              const RunRequest& request, RunOutcome& outcome);
  // `retry` says, for a failure, whether another attempt is coming.
  void tell(notify::EventKind kind, const RunRecord& run, const RunTarget& target,
            const std::string& retry = "");
  // After a run ended: the alert when it makes notify.alert_after_failures failed runs in a row,
  // or the all-clear when it completes after such a streak.
  void tell_streak(const RunRecord& run, const RunTarget& target);

  const config::Config& config_;
  RunStore& runs_;
  pipeline::ProcessLauncher& launcher_;
  notify::Notifier& notifier_;
  const Clock& clock_;
  std::string instance_;
  pipeline::TeamTree tree_;
  PendingEnds pending_ends_;
  std::vector<Pipeline> pipelines_;
  // The pipeline named `name`; null when the configuration has none.
  const Pipeline* pipeline_named(const std::string& name) const;

  mutable std::mutex mutex_;
  std::set<std::string> active_;                        // claimed, pipeline not finished
  std::map<std::string, pipeline::StopSignal*> stops_;  // the active runs' stop signals
  std::vector<RunFinish> deferred_;                     // finished, end not recorded yet
};

}  // namespace orch
