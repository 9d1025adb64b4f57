#include "orchestrator/core/service.h"

#include <malloc.h>
#include <signal.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <condition_variable>
#include <deque>
#include <map>
#include <mutex>
#include <optional>
#include <set>
#include <thread>
#include <utility>
#include <vector>

#include <boost/asio/io_context.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/signal_set.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/system_timer.hpp>

#include "config/base/log.h"
#include "orchestrator/core/control_desk.h"
#include "orchestrator/core/database_watch.h"
#include "orchestrator/core/heartbeat.h"
#include "orchestrator/core/history_prune.h"
#include "orchestrator/core/run_executor.h"
#include "orchestrator/core/systemd_notify.h"
#include "orchestrator/core/team_schedules.h"
#include "orchestrator/core/team_targets.h"
#include "orchestrator/core/unscheduled_owner.h"
#include "orchestrator/core/version.h"
#include "orchestrator/core/waiting_room.h"
#include "orchestrator/schedule/scheduler.h"
#include "orchestrator/schedule/slot_resumption.h"
#include "pipeline/isolation.h"
#include "pipeline/run_sweep.h"

namespace orch {
namespace asio = boost::asio;

namespace {

// The longest single timer wait: the wall clock can jump (NTP, suspend), so the loop re-reads
// it at least this often instead of trusting one long wait (cronie's lesson).
constexpr std::chrono::seconds kMaxWait{60};
// How often the loop looks for a `reschedule` (one small read): 50 ms lets a reschedule of
// 10,000 teams be applied within 0.2 s of the command.
constexpr std::chrono::milliseconds kControlPoll{50};
// Slots handed to the workers per turn of the loop.
constexpr std::size_t kWakeBatch = 64;
// How often a running service looks in the database for slots left unsettled: a rerun planned by
// a replica that was killed before making it is made by another within this long.
constexpr std::chrono::seconds kResumeScan{15};
// A retry or rerun that finds its team busy (a manual run, or the lost attempt not yet abandoned
// by every replica) is tried again this much later; it is never recorded `skipped`.
constexpr std::chrono::seconds kBusyRecheck{5};
// At a stop, runs in progress get the shutdown grace to finish by themselves; one still running
// then gets SIGTERM, and SIGKILL this long after.
constexpr std::chrono::seconds kTermGrace{5};

}  // namespace

struct Service::Impl {
  Impl(const config::Config& c, Database& d, notify::Notifier& n, pipeline::ProcessLauncher& l,
       const Clock& k)
      : config(c),
        db(d),
        notifier(n),
        clock(k),
        instance(this_instance()),
        executor(c, d.runs(), l, n, k, instance),
        scheduler(c.scheduler.misfire_grace),
        signals(io, SIGTERM, SIGINT, SIGHUP),
        wake_timer(io),
        control_timer(io),
        resume_timer(io) {}

  struct Job {
    RunRequest request;
  };

  const config::Config& config;
  Database& db;
  notify::Notifier& notifier;
  const Clock& clock;
  std::string instance;
  RunExecutor executor;
  Scheduler scheduler;
  TeamTargets targets;  // by team key, for the scheduler's actions
  // Runs asked for by `trigger` and the API, and cancels: read from the database.
  ControlDesk desk{config,   db,
                   executor, clock,
                   instance, [this](RunRequest r) { return enqueue_requested(std::move(r)); }};
  std::int64_t applied_generation = 0;
  // Since when the heartbeat has reached the database without a break (heartbeat thread only).
  std::optional<SysTime> connected_since;
  // The last heartbeat that reached the database, and whether the runs were fenced off since
  // (heartbeat thread only).
  std::chrono::steady_clock::time_point last_beat_ok = std::chrono::steady_clock::now();
  bool fenced = false;
  bool heartbeat_failing = false;  // heartbeat_failed was logged; said once until a beat succeeds

  asio::io_context io;
  asio::signal_set signals;
  asio::system_timer wake_timer;
  asio::steady_timer control_timer;
  asio::steady_timer resume_timer;
  std::set<std::string> not_rerun_told;  // lost runs past their grace, logged once (loop only)
  // When the control poll last ran (steady clock ticks; 0: not turning), for last_loop_turn().
  std::atomic<std::int64_t> last_turn{0};
  // A database file removed or replaced under the service stops it, with exit code 4.
  int exit_code = 0;  // the loop's thread
  DatabaseWatch database_watch{db, [this] { asio::post(io, [this] { stop_database_lost(); }); }};
  // Runs waiting for their inputs; last, so that its thread ends before what it calls on goes.
  WaitingRoom waiting_room{
      clock, config.scheduler.input_poll,
      WaitingRoom::Hooks{[this](const RunRequest& r) { return check_waiting(r); },
                         [this](const RunRequest& r) { return executor.input_folder(r.target); },
                         [this](RunRequest r) { hand_over_ready(std::move(r)); },
                         [this](RunRequest r, RunStatus status, std::string why) {
                           expire_waiting(std::move(r), status, std::move(why));
                         }}};

  // Jobs waiting for a worker, and the stop signals of the runs in progress.
  std::mutex mutex;
  std::condition_variable work;
  std::deque<Job> queue;
  // Retries waiting for their backoff to pass, by when they are due. A retry pending when the
  // service stops is found again in the database at the next start (resume_unsettled_slots).
  std::multimap<SysTime, RunRequest> retries;
  std::set<pipeline::StopSignal*> active;
  bool stopping = false;
  std::vector<std::thread> workers;
  std::thread drain_waiter;  // joins the workers at a stop, then ends the loop

  void start_workers() {
    int n = std::max(1, config.scheduler.max_parallel_runs);
    for (int i = 0; i < n; ++i) {
      workers.emplace_back([this] { work_loop(); });
    }
  }

  void work_loop() {
    while (true) {
      Job job;
      pipeline::StopSignal stop;
      {
        std::unique_lock lock(mutex);
        work.wait(lock, [this] { return stopping || !queue.empty(); });
        if (stopping) {
          return;
        }
        job = std::move(queue.front());
        queue.pop_front();
        active.insert(&stop);
      }
      try {
        auto outcome = executor.execute(job.request, stop);
        // The database is down (the outage is logged once, by the store): try again with a
        // growing pause. A slot that could not start within its grace because of the outage is
        // recorded missed once the database is back. A stop ends the wait.
        for (auto pause = std::chrono::milliseconds(250);
             !outcome && outcome.error().code == ErrorCode::kUnavailable && !stop.requested();
             pause = std::min(pause * 2, std::chrono::milliseconds(4000))) {
          std::unique_lock lock(mutex);
          if (work.wait_for(lock, pause, [this] { return stopping; })) {
            break;
          }
          lock.unlock();
          const RunRequest& request = job.request;
          if (request.slot && request.attempt == 1 &&
              !within_grace(request.slot->at, clock.now(), config.scheduler.misfire_grace)) {
            outcome = executor.record_missed(request.target, *request.slot, 1);
          } else {
            outcome = executor.execute(request, stop);
          }
        }
        if (!outcome && job.request.on_failure) {
          job.request.on_failure(outcome.error());
        }
        if (outcome && outcome->waiting) {
          // Recorded `waiting` for its inputs, or ready but its pipeline's previous run still
          // goes: the waiting room holds it, no worker does.
          RunRequest waiting = job.request;
          if (!waiting.waiting_run) {
            waiting.waiting_run = outcome->record;
            waiting.wait_until = outcome->wait_until;
          }
          if (outcome->claim == ClaimOutcome::kTeamBusy && clock.now() >= waiting.wait_until) {
            // Ready, but the pipeline's previous run went on past the window (buffer-one's
            // misfire grace): it will not start.
            give_up_waiting(std::move(waiting), RunStatus::kMissed,
                            "not started within its window: the previous run was still going");
          } else {
            waiting_room.add(std::move(waiting), std::chrono::milliseconds(1000));
          }
        } else if (!outcome) {
          log::error("run_not_started", {{"team", describe_team(job.request.target.team)},
                                         {"pipeline", job.request.target.pipeline},
                                         {"reason", outcome.error().message}});
        } else if (outcome->retry) {
          schedule_retry(job.request, *outcome->retry);
        } else if (outcome->claim == ClaimOutcome::kTeamBusy && job.request.attempt > 1) {
          schedule_retry(job.request, NextAttempt{job.request.attempt, clock.now() + kBusyRecheck});
        }
      } catch (const std::exception& e) {
        log::error("run_crashed", {{"team", describe_team(job.request.target.team)},
                                   {"pipeline", job.request.target.pipeline},
                                   {"reason", e.what()}});
      }
      std::lock_guard lock(mutex);
      active.erase(&stop);
    }
  }

  // Called from a worker: the retry joins the list, and the loop re-arms its wake for it.
  void schedule_retry(const RunRequest& failed, const NextAttempt& next) {
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

  // Slots whose latest attempt failed, timed out, was abandoned or interrupted get their next
  // attempt, when resume_slot() says they need one: read from the database, so a retry or rerun
  // that a killed service had only planned in memory is made by the next start. Several replicas
  // may each plan it; the attempt number is unique per slot, so the database lets one claim it.
  // Runs on the loop (it reads the targets).
  void resume_unsettled_slots() {
    SysTime now = clock.now();
    auto unsettled =
        db.runs().unsettled_slot_attempts(now - date::days(2) - config.scheduler.misfire_grace);
    if (!unsettled) {
      log::warn("slots_not_resumed", {{"reason", unsettled.error().message}});
      return;
    }
    resume_slots(*unsettled);
  }

  void scan_unsettled_slots_periodically() {
    resume_timer.expires_after(kResumeScan);
    resume_timer.async_wait([this](const boost::system::error_code& ec) {
      if (ec) {
        return;
      }
      resume_unsettled_slots();
      adopt_waiting_runs();
      scan_unsettled_slots_periodically();
    });
  }

  // The waiting room's check: the run's inputs for its run date.
  Result<pipeline::Readiness> check_waiting(const RunRequest& request) const {
    auto run_date = parse_date(request.waiting_run->run_date);
    if (!run_date) {
      return run_date.error();
    }
    return executor.check_ready(request.target, *run_date);
  }

  // From the waiting room's thread: a run whose inputs are ready goes to the workers, through
  // the loop, which knows whether its team's pipeline is still scheduled.
  void hand_over_ready(RunRequest request) {
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
        give_up_waiting(std::move(request), RunStatus::kMissedInputs, std::move(why));
        return;
      }
      auto left = std::chrono::duration_cast<std::chrono::milliseconds>(request.wait_until - now);
      waiting_room.add(std::move(request),
                       std::min<std::chrono::milliseconds>(std::chrono::seconds(15), left));
    });
  }

  // The target of the owner's schedule when this service schedules it now (loop only).
  std::optional<RunTarget> scheduled_target(const RunTarget& owner) const {
    auto pipeline = pipeline_index(config, owner.pipeline);
    return pipeline ? targets.find(ScheduleKey{owner.team, *pipeline}) : std::nullopt;
  }

  std::string unscheduled_reason(const RunTarget& owner) {
    return why_unscheduled(db.teams(), owner.team, owner.pipeline)
        .value_or(describe_team(owner.team) + "'s pipeline " + owner.pipeline +
                  " was not scheduled");
  }

  // From the waiting room's thread: the window closed. A run whose owner is not scheduled now
  // (paused, deactivated) says so in its reason: that, not only the inputs, kept it from running.
  void expire_waiting(RunRequest request, RunStatus status, std::string why) {
    if (status != RunStatus::kMissedInputs) {
      give_up_waiting(std::move(request), status, std::move(why));
      return;
    }
    asio::post(io, [this, request = std::move(request), why = std::move(why)]() mutable {
      if (!scheduled_target(request.target)) {
        why += "; " + unscheduled_reason(request.target);
      }
      give_up_waiting(std::move(request), RunStatus::kMissedInputs, std::move(why));
    });
  }

  // From the waiting room's thread: the window closed. An outage keeps it waiting a little
  // longer; a run no longer this service's (taken over, ended) is let go.
  void give_up_waiting(RunRequest request, RunStatus status, std::string why) {
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
  void adopt_waiting_runs() {
    RunFilter filter;
    filter.status = RunStatus::kWaiting;
    filter.limit = 1000000;
    auto waiting = db.runs().list(filter);
    if (!waiting) {
      log::warn("waiting_runs_not_read", {{"reason", waiting.error().message}});
      return;
    }
    SysTime now = clock.now();
    for (RunRecord& run : *waiting) {
      if (run.instance == instance || waiting_room.holds(run.run_id)) {
        continue;
      }
      const bool silent =
          !run.heartbeat_at || now - *run.heartbeat_at >= config.scheduler.heartbeat_timeout;
      if (!is_dead_local_instance(run.instance) && !silent) {
        continue;
      }
      auto pipeline = pipeline_index(config, run.pipeline);
      auto target = pipeline ? targets.find(ScheduleKey{run.team, *pipeline})
                             : std::nullopt;
      if (!target && pipeline) {
        // Paused or deactivated: held all the same, to start if resumed within its window and
        // to be recorded missed_inputs at its end if not.
        if (auto owner = unscheduled_owner(db.teams(), config, run)) {
          target = std::move(owner->target);
        }
      }
      auto run_date = parse_date(run.run_date);
      if (!target || !run.scheduled_for || !run.slot_key || !run_date) {
        continue;  // not scheduled here: left for a service that schedules it
      }
      auto adopted = db.runs().adopt_waiting(run.run_id, run.instance, instance, now);
      if (!adopted || !*adopted) {
        continue;
      }
      log::info("waiting_run_taken_over", {{"run_id", run.run_id},
                                           {"team", describe_team(run.team)},
                                           {"pipeline", run.pipeline},
                                           {"from", run.instance}});
      RunRequest request;
      request.trigger = run.triggered_by;
      request.attempt = run.attempt;
      request.slot = Slot{
          run.team, *pipeline, *run.scheduled_for, *run_date,
          run.slot_key->find('T') == std::string::npos ? SlotKey::kRunDate : SlotKey::kFireInstant,
          run.schedule_note};
      request.wait_until = *run.scheduled_for + executor.waiting_window(*target);
      request.target = std::move(*target);
      run.instance = instance;
      request.waiting_run = std::move(run);
      waiting_room.add(std::move(request));
    }
  }

  // Whether the attempt is planned here already (a rescan finds what this service planned).
  bool planned_locked(const RunRecord& run, int attempt) const {
    for (const auto& [at, request] : retries) {
      if (request.attempt == attempt && request.slot &&
          team_key(request.target.team) == team_key(run.team) &&
          request.target.pipeline == run.pipeline && request.slot->key() == run.slot_key) {
        return true;
      }
    }
    return false;
  }

  void resume_slots(const std::vector<RunRecord>& attempts) {
    SysTime now = clock.now();
    for (const RunRecord& run : attempts) {
      auto pipeline = pipeline_index(config, run.pipeline);
      auto target =
          pipeline ? targets.find(ScheduleKey{run.team, *pipeline}) : std::nullopt;
      auto run_date = parse_date(run.run_date);
      if (!target || !run.slot_key || !run.scheduled_for || !run_date) {
        continue;  // not scheduled any more, or not a slot's run
      }
      auto next =
          resume_slot(run, target->retry, config.scheduler.misfire_grace, *target->zone, now);
      if (!next) {
        if (lost_at(run) && not_rerun_told.insert(run.run_id).second) {
          log::info("lost_run_not_rerun", {{"run_id", run.run_id},
                                           {"team", describe_team(run.team)},
                                           {"pipeline", run.pipeline},
                                           {"status", to_string(run.status)},
                                           {"reason", "it was lost outside the grace window"}});
        }
        continue;
      }
      RunRequest request;
      request.target = std::move(*target);
      request.trigger = Trigger::kRetry;
      request.attempt = next->attempt;
      request.slot = Slot{
          run.team, *pipeline, *run.scheduled_for, *run_date,
          run.slot_key->find('T') == std::string::npos ? SlotKey::kRunDate : SlotKey::kFireInstant,
          run.schedule_note};
      std::lock_guard lock(mutex);
      if (stopping) {
        return;
      }
      if (planned_locked(run, next->attempt)) {
        continue;
      }
      log::info(lost_at(run) ? "lost_run_rerun" : "run_retry_resumed",
                {{"run_id", run.run_id},
                 {"team", describe_team(run.team)},
                 {"pipeline", run.pipeline},
                 {"status", to_string(run.status)},
                 {"attempt", next->attempt},
                 {"at", format_utc(next->at)}});
      retries.emplace(next->at, std::move(request));
    }
    arm_wake();
  }

  // Queues every retry due at `now` whose team is still scheduled (a team paused, deactivated
  // or removed since its run failed is not retried). Runs on the loop, like reload().
  void dispatch_retries(SysTime now) {
    {
      std::lock_guard lock(mutex);
      if (stopping) {
        return;
      }
      while (!retries.empty() && retries.begin()->first <= now) {
        RunRequest request = std::move(retries.begin()->second);
        retries.erase(retries.begin());
        auto pipeline = pipeline_index(config, request.target.pipeline);
        auto target = pipeline ? targets.find(ScheduleKey{request.target.team, *pipeline})
                               : std::nullopt;
        if (!target) {
          log::info("run_retry_dropped",
                    {{"team", describe_team(request.target.team)},
                     {"pipeline", request.target.pipeline},
                     {"reason", "the team's pipeline is no longer scheduled"}});
          continue;
        }
        request.target = std::move(*target);
        queue.push_back(Job{std::move(request)});
      }
    }
    work.notify_all();
  }

  void dispatch(const std::vector<Action>& actions) {
    std::vector<Job> jobs;
    for (const Action& action : actions) {
      auto target = targets.find(ScheduleKey{action.slot.team, action.slot.pipeline});
      if (!target) {
        continue;
      }
      if (action.kind == ActionKind::kRecordMissed) {
        auto missed = executor.record_missed(*target, action.slot, action.slots);
        if (!missed) {
          log::error("missed_not_recorded", {{"team", describe_team(action.slot.team)},
                                             {"pipeline", target->pipeline},
                                             {"reason", missed.error().message}});
        }
        continue;
      }
      RunRequest request;
      request.target = std::move(*target);
      request.trigger = action.trigger;
      request.slot = action.slot;
      jobs.push_back(Job{std::move(request)});
    }
    enqueue(std::move(jobs));
  }

  // A run asked for through the database (ControlDesk); false when the service is stopping.
  bool enqueue_requested(RunRequest request) {
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

  void enqueue(std::vector<Job> jobs) {
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

  // Loads the teams and rebuilds the schedule. On failure the previous schedule stays.
  bool reload(const char* why) {
    bool loaded = load_schedule(why);
    release_memory();
    // A pipeline resumed (or a team activated) starts the runs it holds waiting as soon as they
    // are ready; the others are merely checked once more.
    waiting_room.check_all_now();
    return loaded;
  }

  // After a load, what it read is garbage: the database connections' caches of the team and run
  // tables (SQLite keeps up to 2000 pages per connection), the team rows, the previous schedule
  // and what resolving them took. Giving those pages back makes the idle footprint what the
  // schedule itself holds.
  void release_memory() {
    db.release_memory();
    ::malloc_trim(0);
  }

  // A pipeline added to the configuration starts when a service first schedules it: the slots
  // it had before (up to the scheduler's look-back) are neither caught up nor recorded missed for
  // every team, as a new team's are not. `daily` (the [pipeline] table) is as old as the
  // installation.
  bool start_added_pipelines(std::vector<ResolvedTeam>& resolved) {
    std::vector<std::string> names;
    for (const config::NamedPipeline& named : config.pipelines) {
      if (named.name != kDefaultPipeline) {
        names.push_back(named.name);
      }
    }
    if (names.empty()) {
      return true;
    }
    auto first = db.registry().pipelines_first_scheduled(names, clock.now());
    if (!first) {
      log::error("schedule_not_reloaded", {{"reason", first.error().message}});
      return false;
    }
    for (ResolvedTeam& r : resolved) {
      if (auto it = first->find(r.target.pipeline); it != first->end()) {
        r.schedule.active_since = std::max(r.schedule.active_since, it->second);
      }
    }
    return true;
  }

  bool load_schedule(const char* why) {
    auto began = std::chrono::steady_clock::now();
    auto teams = db.teams().list(TeamStore::Which::kActive);
    auto done = db.runs().last_slot_keys();
    auto installed = db.registry().installed_at();
    if (!teams || !done || !installed) {
      const Error& e = !teams ? teams.error() : !done ? done.error() : installed.error();
      log::error("schedule_not_reloaded", {{"reason", e.message}});
      return false;
    }
    std::vector<ResolvedTeam> resolved;
    if (config.scheduler.enabled) {
      resolved = resolve_schedules(*teams, config, *installed);
      if (!start_added_pipelines(resolved)) {
        return false;
      }
    }
    targets.assign(resolved);
    std::vector<ScheduledTeam> schedules;
    schedules.reserve(resolved.size());
    for (auto& r : resolved) {
      schedules.push_back(std::move(r.schedule));
    }
    // The store names pipelines; the scheduler knows them by their place in the configuration.
    // A pipeline no longer configured has no schedule to mark done.
    // A key that is neither form marks nothing done.
    std::map<ScheduleKey, SlotKey> done_by_schedule;
    for (const auto& [owner, text] : *done) {
      auto pipeline = pipeline_index(config, owner.pipeline);
      auto slot_key = SlotKey::parse(text);
      if (pipeline && slot_key) {
        std::optional<TeamId> team;
        if (owner.team_key != 0) {
          team = TeamId{owner.team_key};
        }
        done_by_schedule.emplace(ScheduleKey{team, *pipeline}, *slot_key);
      }
    }
    SysTime now = clock.now();
    auto actions = scheduler.load(schedules, done_by_schedule, now);
    auto next = scheduler.next_wake();
    auto took = std::chrono::duration_cast<std::chrono::milliseconds>(
        std::chrono::steady_clock::now() - began);
    log::info("schedule_loaded", {{"why", why},
                                  {"schedules", scheduler.size()},
                                  {"due_now", actions.size()},
                                  {"next_slot", next ? format_utc(*next) : "none"},
                                  {"took_ms", took.count()}});
    dispatch(actions);
    arm_wake();
    return true;
  }

  void arm_wake() {
    SysTime now = clock.now();
    SysTime at = now + kMaxWait;
    if (auto next = scheduler.next_wake(); next && *next < at) {
      at = *next;
    }
    {
      std::lock_guard lock(mutex);
      if (!retries.empty() && retries.begin()->first < at) {
        at = retries.begin()->first;
      }
    }
    wake_timer.expires_at(std::chrono::system_clock::time_point(at.time_since_epoch()));
    wake_timer.async_wait([this](const boost::system::error_code& ec) {
      if (ec) {
        return;
      }
      // A batch at a time: when thousands of teams share a slot, the first runs start while the
      // loop is still working through the rest (the timer fires again at once while slots are
      // due), instead of after every slot has been computed and queued.
      SysTime woken = clock.now();
      dispatch(scheduler.on_wake(woken, kWakeBatch));
      dispatch_retries(woken);
      arm_wake();
    });
  }

  void poll_control() {
    last_turn.store(std::chrono::steady_clock::now().time_since_epoch().count());
    control_timer.expires_after(kControlPoll);
    control_timer.async_wait([this](const boost::system::error_code& ec) {
      // A turn already due when a stop began must not turn again: not ready stays not ready.
      if (ec || is_stopping()) {
        return;
      }
      systemd_watchdog();  // the loop turns: fed at most every half watchdog interval
      if (desk.asked()) {
        desk.take_requests();
        desk.apply_cancels();
      }
      auto generation = db.registry().generation();
      if (generation && *generation != applied_generation) {
        if (reload("reschedule")) {
          applied_generation = *generation;
          acknowledge();
        }
      }
      poll_control();
    });
  }

  void acknowledge() {
    if (auto ack = db.registry().acknowledge(instance, applied_generation); !ack) {
      log::warn("reschedule_not_acknowledged", {{"reason", ack.error().message}});
    }
  }

  void wait_signals() {
    signals.async_wait([this](const boost::system::error_code& ec, int signal) {
      if (ec) {
        return;
      }
      if (signal == SIGHUP) {
        auto generation = db.registry().generation();
        if (reload("SIGHUP") && generation) {
          applied_generation = *generation;
          acknowledge();
        }
        wait_signals();
        return;
      }
      begin_stop(signal);
    });
  }

  bool is_stopping() {
    std::lock_guard lock(mutex);
    return stopping;
  }

  // No new runs; runs in progress get the shutdown grace to finish by themselves, then SIGTERM,
  // then SIGKILL kTermGrace later, and are recorded `interrupted` by their workers (a scheduled
  // one is run again by the next start, inside its grace). Slots still waiting for a worker are
  // not recorded, so the next start catches them up if they are still inside the grace window.
  // A second signal cuts the drain short. The loop keeps running until the workers are done, so
  // that signals are still heard; the heartbeat keeps the draining runs alive meanwhile.
  void begin_stop(int signal) {
    const char* name = signal == 0 ? "none" : signal == SIGINT ? "SIGINT" : "SIGTERM";
    std::size_t dropped = 0;
    std::size_t running = 0;
    bool again = false;
    {
      std::lock_guard lock(mutex);
      again = stopping;
      stopping = true;
      last_turn.store(0);  // /readyz says "not ready" from the moment a stop begins
      dropped = queue.size();
      queue.clear();
      if (!retries.empty()) {
        log::warn("retries_dropped", {{"count", retries.size()},
                                      {"next_at", format_utc(retries.begin()->first)},
                                      {"effect", "made by the next start"}});
      }
      retries.clear();
      running = active.size();
      pipeline::StopRequest request;
      request.drain = again ? std::chrono::milliseconds::zero()
                            : std::chrono::duration_cast<std::chrono::milliseconds>(
                                  config.scheduler.shutdown_grace);
      request.term_grace = kTermGrace;
      for (auto* stop : active) {
        stop->request_stop(request);
      }
    }
    work.notify_all();
    if (again) {
      log::info("stopping_now", {{"signal", name},
                                 {"runs_in_progress", running},
                                 {"effect", "runs in progress get SIGTERM now"}});
      wait_signals();
      return;
    }
    systemd_stopping();
    log::info("stopping", {{"signal", name},
                           {"runs_in_progress", running},
                           {"not_started", dropped},
                           {"grace_s", config.scheduler.shutdown_grace.count()}});
    wake_timer.cancel();
    control_timer.cancel();
    resume_timer.cancel();
    waiting_room.stop();  // waiting runs stay `waiting`: the next start takes them up
    wait_signals();
    drain_waiter = std::thread([this] {
      for (auto& worker : workers) {
        worker.join();
      }
      asio::post(io, [this] { io.stop(); });
    });
  }

  // A service on a database other hosts share (PostgreSQL) that has not renewed its heartbeat
  // for half the heartbeat timeout stops its own pipelines at once: by the time another replica
  // takes its runs for dead (after the whole timeout) and runs their slots again, nothing of the
  // old attempts still runs. Called from the heartbeat's thread.
  void fence_if_silent(std::chrono::steady_clock::time_point now) {
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
    log::error("runs_fenced",
               {{"runs_in_progress", active.size()}, {"reason", request.why}});
    for (auto* stop : active) {
      stop->request_stop(request);
    }
  }

  void stop_database_lost() {
    exit_code = 4;
    begin_stop(0);
  }

  // Runs of a service on this host that died (kill -9) are abandoned at once; those of any
  // service once their heartbeat is older than the heartbeat timeout. Returns what this service
  // abandoned. Called from the heartbeat's thread (and once at start).
  std::vector<RunRecord> abandon_dead_runs(SysTime now) {
    std::vector<RunRecord> abandoned;
    RunFilter filter;
    filter.status = RunStatus::kRunning;
    filter.limit = 1000000;
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
  static void sweep_local_leftovers(const std::vector<RunRecord>& abandoned) {
    std::vector<const char*> local;
    for (const RunRecord& run : abandoned) {
      if (is_local_instance(run.instance)) {
        local.push_back(run.run_id.c_str());
      }
    }
    if (int killed = pipeline::sweep_run_processes(local.data(), local.size()); killed > 0) {
      log::warn("abandoned_processes_killed", {{"processes", killed}});
    }
  }

  // People hear of an abandoned run like of any other end. The team is read afresh: this runs
  // on the heartbeat's thread as well as the loop's, and the team may be gone from the schedule.
  void tell_abandoned(RunRecord run) {
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

  void beat() {
    database_watch.check();
    SysTime now = clock.now();
    auto a = db.registry().heartbeat(instance, now);
    std::vector<std::string> live = executor.live_run_ids();
    for (std::string& id : waiting_room.run_ids()) {
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

  // On a clean stop, ends still waiting for the database get the shutdown grace to be recorded.
  void record_deferred_ends_before_exit() {
    auto deadline = std::chrono::steady_clock::now() + config.scheduler.shutdown_grace;
    while (executor.record_deferred_ends() > 0 && std::chrono::steady_clock::now() < deadline) {
      std::this_thread::sleep_for(std::chrono::milliseconds(500));
    }
    for (const std::string& run_id : executor.live_run_ids()) {
      log::error("run_end_not_recorded_yet",
                 {{"run_id", run_id},
                  {"reason", "the database stayed unavailable until the stop"},
                  {"effect", "kept in " + executor.pending_ends().dir().string() +
                                 "; recorded at the next start"}});
    }
  }
};

Service::Service(const config::Config& config, Database& db, notify::Notifier& notifier,
                 pipeline::ProcessLauncher& launcher, const Clock& clock)
    : impl_(std::make_unique<Impl>(config, db, notifier, launcher, clock)) {}

Service::~Service() = default;

std::optional<std::chrono::steady_clock::time_point> Service::last_loop_turn() const {
  std::int64_t ticks = impl_->last_turn.load();
  if (ticks == 0) {
    return std::nullopt;
  }
  return std::chrono::steady_clock::time_point(std::chrono::steady_clock::duration(ticks));
}

int Service::run() {
  Impl& s = *impl_;
  SysTime started = s.clock.now();
  auto generation = s.db.registry().generation();
  if (!generation) {
    log::error("service_not_started", {{"reason", generation.error().message}});
    return 4;
  }
  s.applied_generation = *generation;
  ServiceInstance me{
      s.instance,  instance_host(s.instance), static_cast<std::int64_t>(getpid()), started, started,
      *generation, std::string(version())};
  if (auto registered = s.db.registry().register_instance(me); !registered) {
    log::error("service_not_started", {{"reason", registered.error().message}});
    return 4;
  }
  s.connected_since = started;
  // Ends kept through an outage by an earlier process come first: they are the truth about runs
  // that would otherwise be abandoned below.
  if (s.executor.adopt_pending_ends() > 0) {
    s.executor.record_deferred_ends();
  }
  // Abandoned first: the slots of runs a dead service left are then found unsettled below.
  (void)s.abandon_dead_runs(started);
  s.wait_signals();
  s.start_workers();
  if (s.load_schedule("start")) {
    s.resume_unsettled_slots();
    s.adopt_waiting_runs();
    (void)s.desk.asked();
    s.desk.take_requests();  // asked for before this service started, and not withdrawn
    s.release_memory();
  } else {
    std::lock_guard lock(s.mutex);
    s.stopping = true;
  }
  bool failed_start = false;
  {
    std::lock_guard lock(s.mutex);
    failed_start = s.stopping;
  }
  if (!failed_start) {
    s.poll_control();
    s.scan_unsettled_slots_periodically();
    Heartbeat heartbeat(heartbeat_interval(s.config.scheduler.heartbeat_timeout),
                        [&s] { s.beat(); });
    DailyHistoryPrune prune(s.db.retention(), s.config.history.keep_days);
    log::info("ready", {{"instance", s.instance},
                        {"version", std::string(version())},
                        {"database", s.db.describe()},
                        {"schedules", s.scheduler.size()},
                        {"max_parallel_runs", s.config.scheduler.max_parallel_runs},
                        {"scheduler", s.config.scheduler.enabled ? "enabled" : "disabled"},
                        {"isolation", pipeline::isolation_in_force(s.config)},
                        {"startup_ms", (s.clock.now() - started).count()}});
    systemd_ready("ready: " + std::to_string(s.scheduler.size()) + " schedules");
    s.io.run();
    if (s.drain_waiter.joinable()) {
      s.drain_waiter.join();
    }
    heartbeat.stop();
  }
  s.work.notify_all();
  for (auto& worker : s.workers) {
    if (worker.joinable()) {
      worker.join();
    }
  }
  s.waiting_room.stop();
  s.record_deferred_ends_before_exit();
  s.notifier.flush();
  if (auto gone = s.db.registry().deregister(s.instance); !gone) {
    log::warn("service_not_deregistered", {{"reason", gone.error().message}});
  }
  log::info("stopped", {{"instance", s.instance}});
  return failed_start ? 4 : s.exit_code;
}

}  // namespace orch
