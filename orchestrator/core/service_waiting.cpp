// Runs waiting for their inputs: the waiting room's hooks (check, hand over when ready, give up
// when the window closes) and the taking over of waiting runs a dead service held. Part of
// Service::Impl; the hooks are called on the waiting room's thread and post to the loop what
// reads the schedule.
#include "config/base/log.h"
#include "orchestrator/core/heartbeat.h"
#include "orchestrator/core/service_internal.h"
#include "orchestrator/core/unscheduled_owner.h"

namespace orch {
namespace asio = boost::asio;

// The waiting room's check: the run's inputs for its run date.
Result<pipeline::Readiness> Service::Impl::check_waiting(const RunRequest& request) const {
  return executor.check_ready(request.target, request.waiting_run->run_date);
}

// From the waiting room's thread: a run whose inputs are ready goes to the workers, through
// the loop, which knows whether its team's pipeline is still scheduled.
void Service::Impl::hand_over_ready(RunRequest request) {
  asio::post(io, [this, request = std::move(request)]() mutable {
    auto target = scheduled_target(request.target);
    if (target) {
      request.target = std::move(*target);
      enqueue({Job{std::move(request)}});
      return;
    }
    // Paused or deactivated while it waited: it does not start, and waits on for a resume
    // (which checks it at once) until its window closes.
    SysTime now = clock.now();
    if (now >= request.wait_until) {
      std::string why = "not started by " + format_utc(request.wait_until) + ": " +
                        unscheduled_reason(request.target);
      give_up_waiting(std::move(request), RunStatus::kMissedInputs, why);
      return;
    }
    auto left = std::chrono::duration_cast<std::chrono::milliseconds>(request.wait_until - now);
    waiting_room.add(std::move(request),
                     std::min<std::chrono::milliseconds>(std::chrono::seconds(15), left));
  });
}

// From the waiting room's thread: what the run waits for changed; its row says so. A run no
// longer this service's is left to its new holder; an outage leaves the row as it was, until
// the next change.
void Service::Impl::note_waiting(const RunRequest& request, const std::string& reason) {
  const RunRecord& run = *request.waiting_run;
  auto noted = db.runs().note_waiting(run.run_id, instance, reason);
  if (!noted && noted.error().code != ErrorCode::kFailedPrecondition) {
    log::warn("waiting_reason_not_recorded",
              {{"run_id", run.run_id}, {"reason", noted.error().message}});
  }
}

// The target of the owner's schedule when this service schedules it now (loop only).
std::optional<RunTarget> Service::Impl::scheduled_target(const RunTarget& owner) const {
  auto pipeline = pipeline_index(config, owner.pipeline);
  return pipeline ? targets.find(ScheduleKey{owner.team, *pipeline}) : std::nullopt;
}

std::string Service::Impl::unscheduled_reason(const RunTarget& owner) {
  return why_unscheduled(db.teams(), owner.team, owner.pipeline)
      .value_or(describe_team(owner.team) + "'s pipeline " + owner.pipeline + " was not scheduled");
}

// From the waiting room's thread: the window closed. A run whose owner is not scheduled now
// (paused, deactivated) says so in its reason: that, not only the inputs, kept it from running.
void Service::Impl::expire_waiting(RunRequest request, RunStatus status, std::string why) {
  if (status != RunStatus::kMissedInputs) {
    give_up_waiting(std::move(request), status, why);
    return;
  }
  asio::post(io, [this, request = std::move(request), why = std::move(why)]() mutable {
    if (!scheduled_target(request.target)) {
      why += "; " + unscheduled_reason(request.target);
    }
    give_up_waiting(std::move(request), RunStatus::kMissedInputs, why);
  });
}

// From the waiting room's thread: the window closed. An outage keeps it waiting a little
// longer; a run no longer this service's (taken over, ended) is let go.
void Service::Impl::give_up_waiting(RunRequest request, RunStatus status, const std::string& why) {
  const RunRecord& run = *request.waiting_run;
  auto ended = executor.give_up_waiting(request.target, run, status, why);
  if (!ended && ended.error().code != ErrorCode::kFailedPrecondition) {
    log::warn("missed_inputs_not_recorded",
              {{"run_id", run.run_id}, {"reason", ended.error().message}});
    waiting_room.add(std::move(request), std::chrono::seconds(5));
  }
}

// Waiting runs held by a service that died (on this host: at once) or has been silent for the
// heartbeat timeout are taken over: their rows, not any service's memory, say what waits.
// Runs on the loop (it reads the targets).
void Service::Impl::adopt_waiting_runs() {
  RunFilter filter;
  filter.status = RunStatus::kWaiting;
  filter.limit = 1000000;
  filter.bad_rows = BadRows::kSkipAndLog;  // one unreadable run does not hold up the others
  auto waiting = db.runs().list(filter);
  if (!waiting) {
    log::warn("waiting_runs_not_read", {{"reason", waiting.error().message}});
    return;
  }
  SysTime now = clock.now();
  for (RunRecord& run : *waiting) {
    if (auto request = adoptable(run, now)) {
      waiting_room.add(std::move(*request));
    }
  }
}

// The waiting run taken over from its silent or dead service, or std::nullopt when it is not
// this service's to take (its service lives, it is not scheduled here, another took it first).
std::optional<RunRequest> Service::Impl::adoptable(RunRecord& run, SysTime now) {
  if (run.instance == instance || waiting_room.holds(run.run_id)) {
    return std::nullopt;
  }
  const bool silent =
      !run.heartbeat_at || now - *run.heartbeat_at >= config.scheduler.heartbeat_timeout;
  if (!is_dead_local_instance(run.instance) && !silent) {
    return std::nullopt;
  }
  auto pipeline = pipeline_index(config, run.pipeline);
  auto target = pipeline ? targets.find(ScheduleKey{run.team, *pipeline}) : std::nullopt;
  if (!target && pipeline) {
    // Paused or deactivated: held all the same, to start if resumed within its window and
    // to be recorded missed_inputs at its end if not.
    if (auto owner = unscheduled_owner(db.teams(), config, run)) {
      target = std::move(owner->target);
    }
  }
  if (!target || !run.scheduled_for || !run.slot_key) {
    return std::nullopt;  // not scheduled here: left for a service that schedules it
  }
  auto adopted = db.runs().adopt_waiting(run.run_id, run.instance, instance, now);
  if (!adopted || !*adopted) {
    return std::nullopt;
  }
  log::info("waiting_run_taken_over", {{"run_id", run.run_id},
                                       {"team", describe_team(run.team)},
                                       {"pipeline", run.pipeline},
                                       {"from", run.instance}});
  RunRequest request;
  request.trigger = run.triggered_by;
  request.attempt = run.attempt;
  request.slot = slot_of_run(run, *pipeline, run.run_date);
  request.wait_until = *run.scheduled_for + executor.waiting_window(*target);
  request.target = std::move(*target);
  run.instance = instance;
  request.waiting_run = std::move(run);
  return request;
}

}  // namespace orch
