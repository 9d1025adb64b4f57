// The run queue and its workers: a bounded pool of threads, each taking the next job, running it
// through the executor (waiting out a database outage) and deciding what follows (a retry, the
// waiting room). Owned by Service::Impl; the workers' threads run work_loop(), the loop's thread
// and the control desk enqueue.
#include <algorithm>

#include "config/base/log.h"
#include "orchestrator/core/service_internal.h"
#include "orchestrator/schedule/slot_resumption.h"

namespace orch {
namespace asio = boost::asio;

namespace {

// A retry or rerun that finds its team busy (a manual run, or the lost attempt not yet abandoned
// by every replica) is tried again this much later; it is never recorded `skipped`.
constexpr std::chrono::seconds kBusyRecheck{5};

}  // namespace

void Service::Impl::start_workers() {
  int n = std::max(1, config.scheduler.max_parallel_runs);
  for (int i = 0; i < n; ++i) {
    workers.emplace_back([this] { work_loop(); });
  }
}

void Service::Impl::work_loop() {
  while (true) {
    pipeline::StopSignal stop;
    std::optional<Job> job = take_job(stop);
    if (!job) {
      return;
    }
    try {
      run_job(*job, stop);
    } catch (const std::exception& e) {
      log::error("run_crashed", {{"team", describe_team(job->request.target.team)},
                                 {"pipeline", job->request.target.pipeline},
                                 {"reason", e.what()}});
    }
    std::lock_guard lock(mutex);
    active.erase(&stop);
  }
}

// Waits for the next job and registers the run's stop signal with it; std::nullopt once the
// service stops.
std::optional<Service::Impl::Job> Service::Impl::take_job(pipeline::StopSignal& stop) {
  std::unique_lock lock(mutex);
  work.wait(lock, [this] { return stopping || !queue.empty(); });
  if (stopping) {
    return std::nullopt;
  }
  Job job = std::move(queue.front());
  queue.pop_front();
  active.insert(&stop);
  return job;
}

void Service::Impl::run_job(Job& job, pipeline::StopSignal& stop) {
  auto outcome = execute_through_outage(job.request, stop);
  if (!outcome && job.request.on_failure) {
    job.request.on_failure(outcome.error());
  }
  if (outcome && outcome->waiting) {
    hold_waiting(job.request, *outcome);
  } else if (!outcome) {
    log::error("run_not_started", {{"team", describe_team(job.request.target.team)},
                                   {"pipeline", job.request.target.pipeline},
                                   {"reason", outcome.error().message}});
  } else if (outcome->retry) {
    schedule_retry(job.request, *outcome->retry);
  } else if (outcome->claim == ClaimOutcome::kTeamBusy && job.request.attempt > 1) {
    schedule_retry(job.request, NextAttempt{job.request.attempt, clock.now() + kBusyRecheck});
  }
}

// The database is down (the outage is logged once, by the store): try again with a growing
// pause. A slot that could not start within its grace because of the outage is recorded missed
// once the database is back. A stop ends the wait.
Result<RunOutcome> Service::Impl::execute_through_outage(const RunRequest& request,
                                                         pipeline::StopSignal& stop) {
  auto outcome = executor.execute(request, stop);
  for (auto pause = std::chrono::milliseconds(250);
       !outcome && outcome.error().code == ErrorCode::kUnavailable && !stop.requested();
       pause = std::min(pause * 2, std::chrono::milliseconds(4000))) {
    std::unique_lock lock(mutex);
    if (work.wait_for(lock, pause, [this] { return stopping; })) {
      break;
    }
    lock.unlock();
    if (request.slot && request.attempt == 1 &&
        !within_grace(request.slot->at, clock.now(), config.scheduler.misfire_grace)) {
      outcome = executor.record_missed(request.target, *request.slot, 1);
    } else {
      outcome = executor.execute(request, stop);
    }
  }
  return outcome;
}

// Recorded `waiting` for its inputs, or ready but its pipeline's previous run still goes: the
// waiting room holds it, no worker does.
void Service::Impl::hold_waiting(const RunRequest& request, const RunOutcome& outcome) {
  RunRequest waiting = request;
  if (!waiting.waiting_run) {
    waiting.waiting_run = outcome.record;
    waiting.wait_until = outcome.wait_until;
  }
  if (outcome.claim == ClaimOutcome::kTeamBusy && clock.now() >= waiting.wait_until) {
    // Ready, but the pipeline's previous run went on past the window (buffer-one's misfire
    // grace): it will not start.
    give_up_waiting(std::move(waiting), RunStatus::kMissed,
                    "not started within its window: the previous run was still going");
  } else {
    waiting_room.add(std::move(waiting), std::chrono::milliseconds(1000));
  }
}

// Called from a worker: the retry joins the list, and the loop re-arms its wake for it.
void Service::Impl::schedule_retry(const RunRequest& failed, const NextAttempt& next) {
  RunRequest request = failed;
  request.trigger = Trigger::kRetry;
  request.attempt = next.attempt;
  {
    std::lock_guard lock(mutex);
    if (stopping) {
      return;  // the next start finds the slot unsettled in the database
    }
    log::info("run_retry_scheduled", {{"team", describe_team(request.target.team)},
                                      {"pipeline", request.target.pipeline},
                                      {"attempt", next.attempt},
                                      {"at", format_utc(next.at)}});
    retries.emplace(next.at, std::move(request));
  }
  asio::post(io, [this] { arm_wake(); });
}

// A run asked for through the database (ControlDesk); false when the service is stopping.
bool Service::Impl::enqueue_requested(RunRequest request) {
  {
    std::lock_guard lock(mutex);
    if (stopping) {
      return false;
    }
    queue.push_back(Job{std::move(request)});
  }
  work.notify_all();
  return true;
}

void Service::Impl::enqueue(std::vector<Job> jobs) {
  if (jobs.empty()) {
    return;
  }
  {
    std::lock_guard lock(mutex);
    if (stopping) {
      return;
    }
    for (auto& job : jobs) {
      queue.push_back(std::move(job));
    }
  }
  work.notify_all();
}

}  // namespace orch
