// Liveness: the heartbeat that keeps this service's runs (and its registration) alive in the
// database, the fence that stops its runs when it cannot beat, and the abandoning of runs whose
// service died. Part of Service::Impl; runs on the heartbeat's thread (and once at start).
#include "config/base/log.h"
#include "orchestrator/core/heartbeat.h"
#include "orchestrator/core/service_internal.h"
#include "pipeline/run_sweep.h"

namespace orch {
namespace asio = boost::asio;

void Service::Impl::beat() {
  database_watch.check();
  SysTime now = clock.now();
  auto a = db.registry().heartbeat(instance, now);
  std::vector<RunId> live = executor.live_run_ids();
  for (RunId& id : waiting_room.run_ids()) {
    live.push_back(std::move(id));
  }
  auto b = a ? db.runs().heartbeat(live, now) : Status{};
  if (!a || !b) {
    connected_since.reset();
    const Error& e = !a ? a.error() : b.error();
    // An outage is logged once, by the store; any other failure (a full disk) once per streak.
    if (e.code != ErrorCode::kUnavailable && !heartbeat_failing) {
      log::warn("heartbeat_failed", {{"reason", e.message}});
    }
    heartbeat_failing = true;
    fence_if_silent(std::chrono::steady_clock::now());
    return;
  }
  if (heartbeat_failing) {
    log::info("heartbeat_recovered");
    heartbeat_failing = false;
  }
  last_beat_ok = std::chrono::steady_clock::now();
  fenced = false;
  if (!connected_since) {
    connected_since = now;
  }
  executor.record_deferred_ends();
  // A cancel asked while its run was being claimed is caught here at the latest.
  desk.apply_cancels();
  auto abandoned = abandon_dead_runs(now);
  if (!abandoned.empty()) {
    asio::post(io, [this, abandoned = std::move(abandoned)] { resume_slots(abandoned); });
  }
}

// A service on a database other hosts share (PostgreSQL) that has not renewed its heartbeat
// for half the heartbeat timeout stops its own pipelines at once: by the time another replica
// takes its runs for dead (after the whole timeout) and runs their slots again, nothing of the
// old attempts still runs. Called from the heartbeat's thread.
void Service::Impl::fence_if_silent(std::chrono::steady_clock::time_point now) {
  auto silent = now - last_beat_ok;
  if (fenced || !must_fence(db.reach(), silent, config.scheduler.heartbeat_timeout)) {
    return;
  }
  fenced = true;
  std::lock_guard lock(mutex);
  if (active.empty()) {
    return;
  }
  pipeline::StopRequest request;
  request.why = "stopped: this service could not renew its heartbeat for " +
                std::to_string(std::chrono::duration_cast<std::chrono::seconds>(silent).count()) +
                " s, so another replica may take its runs over";
  log::error("runs_fenced", {{"runs_in_progress", active.size()}, {"reason", request.why}});
  for (auto* stop : active) {
    stop->request_stop(request);
  }
}

// Runs of a service on this host that died (kill -9) are abandoned at once; those of any
// service once their heartbeat is older than the heartbeat timeout. Returns what this service
// abandoned. Called from the heartbeat's thread (and once at start).
std::vector<RunRecord> Service::Impl::abandon_dead_runs(SysTime now) {
  std::vector<RunRecord> abandoned;
  RunFilter filter;
  filter.status = RunStatus::kRunning;
  filter.limit = 1000000;
  filter.bad_rows = BadRows::kSkipAndLog;  // one unreadable run does not hold up the others
  auto running = db.runs().list(filter);
  if (!running) {
    return abandoned;
  }
  for (RunRecord& run : *running) {
    if (!is_dead_local_instance(run.instance)) {
      continue;
    }
    RunFinish f;
    f.run_id = run.run_id;
    f.status = RunStatus::kAbandoned;
    f.error = "its service (" + run.instance + ") is no longer running";
    f.completed_at = now;
    if (db.runs().finish(f)) {  // fails when another service got there first
      run.status = RunStatus::kAbandoned;
      run.error = f.error;
      run.completed_at = now;
      abandoned.push_back(std::move(run));
    }
  }
  // A stale heartbeat proves a service dead only if this one could have seen it beat: after
  // an outage of the database, every service's heartbeat is stale for a while.
  if (connected_since && now - *connected_since >= config.scheduler.heartbeat_timeout) {
    auto stale = db.runs().abandon_stale(now - config.scheduler.heartbeat_timeout, now);
    if (stale) {
      abandoned.insert(abandoned.end(), stale->begin(), stale->end());
    }
  }
  sweep_local_leftovers(abandoned);
  for (const RunRecord& run : abandoned) {
    log::warn("run_abandoned", {{"run_id", run.run_id},
                                {"team", describe_team(run.team)},
                                {"pipeline", run.pipeline},
                                {"reason", run.error}});
    tell_abandoned(run);
  }
  return abandoned;
}

// Whatever is left on this host of abandoned runs (their guardian died with their service, or
// never heard of them) is killed before their slots can run again.
void Service::Impl::sweep_local_leftovers(const std::vector<RunRecord>& abandoned) {
  std::vector<const char*> local;
  for (const RunRecord& run : abandoned) {
    if (is_local_instance(run.instance)) {
      local.push_back(run.run_id.str().c_str());
    }
  }
  if (int killed = pipeline::sweep_run_processes(local.data(), local.size()); killed > 0) {
    log::warn("abandoned_processes_killed", {{"processes", killed}});
  }
}

// People hear of an abandoned run like of any other end. The team is read afresh: this runs
// on the heartbeat's thread as well as the loop's, and the team may be gone from the schedule.
void Service::Impl::tell_abandoned(RunRecord run) {
  run.status = RunStatus::kAbandoned;
  std::optional<Team> team;
  if (run.team) {
    auto found = db.teams().find(*run.team);
    if (found && found->has_value()) {
      team = **found;
    }
  }
  RunTarget target;
  target.team = run.team;
  target.pipeline = run.pipeline;
  auto pipeline = pipeline_index(config, run.pipeline);
  if (auto resolved = pipeline ? resolve_team(team, *pipeline, config, SysTime{})
                               : Result<ResolvedTeam>(not_found(run.pipeline))) {
    target = resolved->target;
  }
  notifier.notify(run_event(notify::EventKind::kRunAbandoned, run, target));
}

}  // namespace orch
