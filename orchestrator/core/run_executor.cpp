#include "orchestrator/core/run_executor.h"

#include <algorithm>
#include <array>
#include <utility>

#include "config/base/log.h"
#include "orchestrator/core/heartbeat.h"
#include "orchestrator/core/run_launch.h"
#include "orchestrator/core/run_prepare.h"
#include "orchestrator/core/run_publish.h"
#include "orchestrator/core/run_result.h"
#include "orchestrator/core/run_retry.h"
#include "pipeline/purchase_date.h"
#include "pipeline/run_sweep.h"

namespace orch {
namespace {

// The row of a claim for `target`'s run of `run_date`, as `request` asks for it.
ClaimRequest new_claim(const RunRequest& request, Date run_date, Date purchase) {
  ClaimRequest claim;
  claim.team = request.target.team;
  claim.pipeline = request.target.pipeline;
  claim.triggered_by = request.trigger;
  claim.attempt = request.attempt;
  if (request.slot) {
    claim.slot_key = request.slot->key();
    claim.scheduled_for = request.slot->at;
    claim.schedule_note = request.slot->schedule_note;
  }
  claim.run_date = run_date;
  claim.purchase_date = format_date(purchase);
  claim.buffer_if_busy = request.target.buffer_one;
  return claim;
}

// Kills every process of the run, also those that left its process group.
void sweep_run(const RunId& run_id) {
  const std::array<const char*, 1> ids{run_id.str().c_str()};
  pipeline::sweep_run_processes(ids.data(), ids.size());
}

// A run stopped because an operator asked is recorded as that, not as an interruption to rerun.
RunFinish with_cancel(RunFinish end, const RunRecord& run, const pipeline::StopSignal& stop) {
  auto asked = stop.requested();
  if (!asked || asked->cause != pipeline::StopCause::kCancel ||
      end.status == RunStatus::kCompleted) {
    return end;
  }
  end.status = RunStatus::kCancelled;
  if (end.error.rfind(asked->why, 0) != 0) {
    end.error = asked->why;
  }
  // A child that left the process group (setsid) still carries the run's id.
  sweep_run(run.run_id);
  return end;
}

}  // namespace

RunExecutor::RunExecutor(const config::Config& config, RunStore& runs,
                         pipeline::ProcessLauncher& launcher, notify::Notifier& notifier,
                         const Clock& clock, std::string instance)
    : config_(config),
      runs_(runs),
      launcher_(launcher),
      clock_(clock),
      instance_(std::move(instance)),
      tree_(config.paths.input_dir, config.paths.output_dir),
      pipelines_(config),
      readiness_(config, runs, tree_, pipelines_, clock),
      ends_(runs, config.paths.output_dir / ".pending_run_ends"),
      notices_(notifier, runs, config.notify.alert_after_failures) {}

Result<RunOutcome> RunExecutor::record_missed(const RunTarget& target, const Slot& slot,
                                              int slots) {
  const PipelineSetup* named = pipelines_.find(target.pipeline);
  if (named == nullptr) {
    return not_found("pipeline " + target.pipeline + " is not configured");
  }
  ClaimRequest request;
  request.team = target.team;
  request.pipeline = target.pipeline;
  request.triggered_by = Trigger::kSchedule;
  request.slot_key = slot.key();
  request.scheduled_for = slot.at;
  request.schedule_note = slot.schedule_note;
  request.run_date = slot.run_date;
  request.purchase_date =
      format_date(pipeline::purchase_date(slot.run_date, named->settings().purchase_weekday));
  request.instance = instance_;
  request.now = clock_.now();
  std::string reason = "not started within the grace window of " +
                       std::to_string(config_.scheduler.misfire_grace.count()) + " s";
  if (slots > 1) {
    reason += " (" + std::to_string(slots) + " slots missed, coalesced into this one)";
  }
  auto recorded = runs_.record_missed(request, reason);
  if (!recorded) {
    return recorded.error();
  }
  RunOutcome outcome;
  outcome.missed = true;
  outcome.claim = recorded->has_value() ? ClaimOutcome::kClaimed : ClaimOutcome::kAlreadyRecorded;
  if (recorded->has_value()) {
    outcome.record = **recorded;
    notices_.tell(notify::EventKind::kRunMissed, outcome.record, target);
  }
  return outcome;
}

Result<RunOutcome> RunExecutor::execute(const RunRequest& request, pipeline::StopSignal& stop) {
  if (request.waiting_run) {
    return start_waiting(request, stop);
  }
  // No misfire check here: a slot handed over within its grace runs however long it waits for a
  // worker (slot_resumption.h).
  const SysTime now = clock_.now();
  const RunTarget& target = request.target;
  const PipelineSetup* named = pipelines_.find(target.pipeline);
  if (named == nullptr) {
    return not_found("pipeline " + target.pipeline + " is not configured (the configuration has " +
                     config_.pipeline_names() + ")");
  }
  const Date run_date = request.slot ? request.slot->run_date
                                     : request.run_date.value_or(local_date(now, *target.zone));
  ClaimRequest claim_request = new_claim(request, run_date,
                                         request.purchase_date.value_or(pipeline::purchase_date(
                                             run_date, named->settings().purchase_weekday)));
  claim_request.instance = instance_;
  claim_request.now = now;
  // A scheduled run whose inputs or upstreams are not ready yet waits for them, as a row and
  // nothing more; one whose upstream ended without completing is recorded so at once.
  if (request.slot && waiting_window(target).count() > 0) {
    auto readiness = check_ready(target, run_date);
    // A folder that cannot be read, or leads outside the tree, fails the run as it always did.
    if (readiness && !readiness->ready()) {
      claim_request.start_as =
          readiness->blocked.empty() ? RunStatus::kWaiting : RunStatus::kUpstreamFailed;
      claim_request.reason = readiness->describe();
    }
  }
  auto claimed = claim(claim_request);
  if (!claimed) {
    return claimed.error();
  }
  return after_claim(*claimed, claim_request, request, stop);
}

Result<Claim> RunExecutor::claim(const ClaimRequest& request) {
  auto claimed = runs_.claim(request);
  if (claimed && claimed->outcome == ClaimOutcome::kTeamBusy && claimed->record.run_id.empty() &&
      abandon_if_holder_died(claimed->busy_run_id)) {
    ClaimRequest again = request;
    again.now = clock_.now();
    claimed = runs_.claim(again);
  }
  return claimed;
}

RunOutcome RunExecutor::after_claim(const Claim& claim, const ClaimRequest& claimed,
                                    const RunRequest& request, pipeline::StopSignal& stop) {
  RunOutcome outcome;
  outcome.claim = claim.outcome;
  outcome.record = claim.record;
  outcome.busy_run_id = claim.busy_run_id;
  if (request.on_claim) {
    request.on_claim(outcome);
  }
  const RunTarget& target = request.target;
  if (claim.outcome == ClaimOutcome::kTeamBusy && !claim.record.run_id.empty()) {
    notices_.tell(notify::EventKind::kRunSkipped, claim.record, target);
  }
  if (claim.outcome != ClaimOutcome::kClaimed) {
    return outcome;
  }
  if (claim.record.status == RunStatus::kUpstreamFailed) {
    notices_.tell(notify::EventKind::kRunUpstreamFailed, claim.record, target);
    return outcome;
  }
  if (claim.record.status == RunStatus::kWaiting) {
    outcome.waiting = true;
    // Buffered behind a run still going (buffer-one): it may start within the misfire grace.
    const bool buffered = claimed.start_as == RunStatus::kRunning;
    outcome.wait_until =
        request.slot->at +
        (buffered ? std::chrono::seconds(config_.scheduler.misfire_grace) : waiting_window(target));
    log::info("run_waiting", {{"run_id", claim.record.run_id},
                              {"team", describe_team(target.team)},
                              {"pipeline", target.pipeline},
                              {"until", format_utc(outcome.wait_until)},
                              {"reason", claim.record.error}});
    return outcome;
  }
  return run_claimed(claim.record, request, stop);
}

RunOutcome RunExecutor::run_claimed(const RunRecord& run, const RunRequest& request,
                                    pipeline::StopSignal& stop) {
  {
    std::lock_guard lock(mutex_);
    active_.insert(run.run_id);
    stops_[run.run_id] = &stop;
  }
  notices_.tell(notify::EventKind::kRunStarted, run, request.target);
  const RunFinish end = with_cancel(run_pipeline(run, request, stop), run, stop);
  RecordedEnd recorded = ends_.record({.run = run, .end = end});
  {
    std::lock_guard lock(mutex_);
    active_.erase(run.run_id);
    stops_.erase(run.run_id);
  }
  const RunTarget& target = request.target;
  const bool scheduled =
      request.slot && request.trigger != Trigger::kManual && request.trigger != Trigger::kBackfill;
  RetryPlan retry =
      plan_retry({.run = run,
                  .status = end.status,
                  .ended_at = end.completed_at,
                  .slot_run_date = scheduled ? std::optional(request.slot->run_date) : std::nullopt,
                  .zone = target.zone,
                  .policy = target.retry});
  notices_.tell_end(
      {.run = recorded.run,
       .target = target,
       .retry = retry.told,
       .recorded = recorded.fate == EndFate::kRecorded ? EndRecorded::kYes : EndRecorded::kNo});
  RunOutcome outcome;
  outcome.claim = ClaimOutcome::kClaimed;
  outcome.record = std::move(recorded.run);
  outcome.retry = retry.next;
  outcome.end_kept = recorded.fate == EndFate::kKept;
  return outcome;
}

RunFinish RunExecutor::run_pipeline(const RunRecord& run, const RunRequest& request,
                                    pipeline::StopSignal& stop) {
  PreparedRun prepared = prepare_run({.run = run,
                                      .target = request.target,
                                      .pipeline = pipelines_.find(request.target.pipeline),
                                      .tree = tree_,
                                      .readiness = readiness_,
                                      .runs = runs_,
                                      .clock = clock_,
                                      .stop = stop,
                                      .force = request.force ? Force::kYes : Force::kNo});
  LaunchedRun launched = launch_run({std::move(prepared), launcher_, stop, clock_});
  EndedRun ended = read_result(std::move(launched));
  return publish_run({std::move(ended), static_cast<std::size_t>(config_.paths.keep_runs)});
}

bool RunExecutor::cancel(const RunId& run_id, const std::string& why,
                         std::chrono::milliseconds term_grace) {
  std::lock_guard lock(mutex_);
  auto it = stops_.find(run_id);
  if (it == stops_.end()) {
    return false;
  }
  if (auto asked = it->second->requested(); asked && asked->cause == pipeline::StopCause::kCancel) {
    return false;  // asked before: it is being stopped
  }
  pipeline::StopRequest request;
  request.term_grace = term_grace;
  request.why = why;
  request.cause = pipeline::StopCause::kCancel;
  it->second->request_stop(request);
  return true;
}

Result<RunOutcome> RunExecutor::start_waiting(const RunRequest& request,
                                              pipeline::StopSignal& stop) {
  RunRecord run = *request.waiting_run;
  SysTime now = clock_.now();
  auto started = runs_.start_waiting(run.run_id, instance_, now);
  if (!started) {
    return started.error();
  }
  RunOutcome outcome;
  outcome.record = run;
  if (*started == WaitingStart::kBusy) {
    outcome.claim = ClaimOutcome::kTeamBusy;
    outcome.waiting = true;
    return outcome;
  }
  if (*started == WaitingStart::kGone) {
    outcome.claim = ClaimOutcome::kAlreadyRecorded;
    return outcome;
  }
  run.status = RunStatus::kRunning;
  run.started_at = now;
  run.heartbeat_at = now;
  run.error.clear();
  return run_claimed(run, request, stop);
}

Result<RunOutcome> RunExecutor::give_up_waiting(const RunTarget& target, const RunRecord& run,
                                                RunStatus status, const std::string& why) {
  SysTime now = clock_.now();
  if (Status ended = runs_.end_waiting(run.run_id, instance_, status, why, now); !ended) {
    return ended.error();
  }
  RunOutcome outcome;
  outcome.record = run;
  outcome.record.status = status;
  outcome.record.error = why;
  outcome.record.completed_at = now;
  notices_.tell(status == RunStatus::kUpstreamFailed ? notify::EventKind::kRunUpstreamFailed
                : status == RunStatus::kMissed       ? notify::EventKind::kRunMissed
                                                     : notify::EventKind::kRunMissedInputs,
                outcome.record, target);
  if (outcome.record.team) {
    notices_.tell_streak(outcome.record, target);
  }
  return outcome;
}

bool RunExecutor::abandon_if_holder_died(const RunId& run_id) {
  auto holder = runs_.find(run_id);
  if (!holder || !holder->has_value() || (*holder)->status != RunStatus::kRunning ||
      !is_dead_local_instance((*holder)->instance)) {
    return false;
  }
  // Its process is gone; whatever it started must be too before this team runs again.
  sweep_run(run_id);
  RunFinish end;
  end.run_id = run_id;
  end.status = RunStatus::kAbandoned;
  end.error = "its process (" + (*holder)->instance + ") is no longer running";
  end.completed_at = clock_.now();
  if (!runs_.finish(end)) {
    return false;  // someone else ended it meanwhile: the claim will tell
  }
  log::warn("run_abandoned", {{"run_id", run_id},
                              {"team", describe_team((*holder)->team)},
                              {"pipeline", (*holder)->pipeline},
                              {"reason", end.error}});
  RunRecord abandoned = **holder;
  abandoned.status = RunStatus::kAbandoned;
  abandoned.error = end.error;
  abandoned.completed_at = end.completed_at;
  RunTarget target;
  target.team = abandoned.team;
  target.pipeline = abandoned.pipeline;
  notices_.tell(notify::EventKind::kRunAbandoned, abandoned, target);
  return true;
}

Result<pipeline::Readiness> RunExecutor::check_ready(const RunTarget& target, Date run_date) const {
  return readiness_.check_ready(target, run_date);
}

std::optional<std::filesystem::path> RunExecutor::input_folder(const RunTarget& target) const {
  return readiness_.input_folder(target);
}

std::chrono::seconds RunExecutor::wait_for_inputs(const RunTarget& target) const {
  return readiness_.wait_for_inputs(target);
}

std::chrono::seconds RunExecutor::waiting_window(const RunTarget& target) const {
  return readiness_.waiting_window(target);
}

std::vector<RunId> RunExecutor::live_run_ids() const {
  std::vector<RunId> ids;
  {
    std::lock_guard lock(mutex_);
    ids.assign(active_.begin(), active_.end());
  }
  // Read after the active runs: an end is kept before its run leaves them, so a run whose end
  // waits is always in one list or the other (at worst in both, once).
  for (RunId& id : ends_.deferred_ids()) {
    if (std::find(ids.begin(), ids.end(), id) == ids.end()) {
      ids.push_back(std::move(id));
    }
  }
  return ids;
}

std::size_t RunExecutor::record_deferred_ends() {
  return ends_.record_deferred();
}

std::size_t RunExecutor::adopt_pending_ends() {
  std::set<RunId> active;
  {
    std::lock_guard lock(mutex_);
    active = active_;
  }
  return ends_.adopt_pending(active);
}

}  // namespace orch
