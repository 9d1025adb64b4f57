#include "orchestrator/core/service.h"

#include <malloc.h>
#include <signal.h>
#include <unistd.h>

#include <algorithm>
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
#include "orchestrator/core/heartbeat.h"
#include "orchestrator/core/run_executor.h"
#include "orchestrator/core/team_schedules.h"
#include "orchestrator/core/team_targets.h"
#include "orchestrator/schedule/scheduler.h"

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
        control_timer(io) {}

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
  std::int64_t applied_generation = 0;
  // Since when the heartbeat has reached the database without a break (heartbeat thread only).
  std::optional<SysTime> connected_since;

  asio::io_context io;
  asio::signal_set signals;
  asio::system_timer wake_timer;
  asio::steady_timer control_timer;

  // Jobs waiting for a worker, and the stop signals of the runs in progress.
  std::mutex mutex;
  std::condition_variable work;
  std::deque<Job> queue;
  // Retries waiting for their backoff to pass, by when they are due. A retry pending when the
  // service stops is found again in the database at the next start (resume_retries).
  std::multimap<SysTime, RunRequest> retries;
  std::set<pipeline::StopSignal*> active;
  bool stopping = false;
  std::vector<std::thread> workers;

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
        // growing pause while the slot is inside its grace window; past it, execute() records
        // the slot missed. A stop ends the wait.
        for (auto pause = std::chrono::milliseconds(250);
             !outcome && outcome.error().code == ErrorCode::kUnavailable && !stop.requested();
             pause = std::min(pause * 2, std::chrono::milliseconds(4000))) {
          std::unique_lock lock(mutex);
          if (work.wait_for(lock, pause, [this] { return stopping; })) {
            break;
          }
          lock.unlock();
          outcome = executor.execute(job.request, stop);
        }
        if (!outcome) {
          log::error("run_not_started", {{"team", describe_team(job.request.target.team)},
                                         {"reason", outcome.error().message}});
        } else if (outcome->retry) {
          schedule_retry(job.request, *outcome->retry);
        }
      } catch (const std::exception& e) {
        log::error("run_crashed", {{"team", describe_team(job.request.target.team)},
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
    log::info("run_retry_scheduled", {{"team", describe_team(request.target.team)},
                                      {"attempt", std::to_string(next.attempt)},
                                      {"at", format_utc(next.at)}});
    {
      std::lock_guard lock(mutex);
      if (stopping) {
        return;
      }
      retries.emplace(next.at, std::move(request));
    }
    asio::post(io, [this] { arm_wake(); });
  }

  // A service that stopped between two attempts of a run left the retry undone: the next start
  // makes it, if the slot's day still allows. Several replicas starting together may each plan
  // it; the database lets one claim it.
  void resume_retries() {
    SysTime now = clock.now();
    auto failed = db.runs().last_failed_attempts(now - date::days(2));
    if (!failed) {
      log::warn("retries_not_resumed", {{"reason", failed.error().message}});
      return;
    }
    for (const RunRecord& run : *failed) {
      auto target = targets.find(team_key(run.team));
      auto run_date = parse_date(run.run_date);
      if (!target || !run.slot_key || !run.scheduled_for || !run.completed_at || !run_date) {
        continue;
      }
      auto next = next_attempt(target->retry, run.attempt, run.status, *run.completed_at,
                               *run_date, *target->zone, retry_jitter(run.run_id));
      if (!next) {
        continue;
      }
      RunRequest request;
      request.target = std::move(*target);
      request.trigger = Trigger::kRetry;
      request.attempt = next->attempt;
      request.slot = Slot{run.team, *run.scheduled_for, *run_date,
                          run.slot_key->find('T') == std::string::npos ? SlotKey::kRunDate
                                                                       : SlotKey::kFireInstant};
      SysTime at = std::max(next->at, now);
      log::info("run_retry_resumed", {{"team", describe_team(run.team)},
                                      {"attempt", std::to_string(next->attempt)},
                                      {"at", format_utc(at)}});
      std::lock_guard lock(mutex);
      retries.emplace(at, std::move(request));
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
        auto target = targets.find(team_key(request.target.team));
        if (!target) {
          log::info("run_retry_dropped", {{"team", describe_team(request.target.team)},
                                          {"reason", "the team is no longer scheduled"}});
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
      auto target = targets.find(team_key(action.slot.team));
      if (!target) {
        continue;
      }
      if (action.kind == ActionKind::kRecordMissed) {
        auto missed = executor.record_missed(*target, action.slot, action.slots);
        if (!missed) {
          log::error("missed_not_recorded", {{"team", describe_team(action.slot.team)},
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

  // Runs abandoned by a dead service start again, as a new attempt of their slot, while the
  // slot is inside its grace window. Only the service whose update abandoned a run gets here
  // for it, and the attempt number is unique per slot, so a rerun happens once. Runs on the
  // loop's thread (it reads the targets).
  void rerun_abandoned(const std::vector<RunRecord>& abandoned) {
    std::vector<Job> jobs;
    SysTime now = clock.now();
    for (const RunRecord& run : abandoned) {
      auto run_date = parse_date(run.run_date);
      auto target = targets.find(team_key(run.team));
      if (!run.slot_key || !run.scheduled_for || !run_date || !target) {
        continue;  // manual and backfill runs are someone's command: not rerun behind their back
      }
      if (now - *run.scheduled_for > config.scheduler.misfire_grace) {
        log::info("abandoned_run_not_rerun", {{"run_id", run.run_id},
                                              {"team", describe_team(run.team)},
                                              {"reason", "its slot is past the grace window"}});
        continue;
      }
      RunRequest request;
      request.target = std::move(*target);
      request.trigger = Trigger::kRetry;
      request.slot = Slot{run.team, *run.scheduled_for, *run_date};
      // The rerun keeps its slot's key: a cron fire is keyed by its instant, not its date.
      if (request.slot->key() != *run.slot_key) {
        request.slot->keyed_by = SlotKey::kFireInstant;
      }
      request.attempt = run.attempt + 1;
      log::info("abandoned_run_rerun", {{"run_id", run.run_id},
                                        {"team", describe_team(run.team)},
                                        {"attempt", std::to_string(request.attempt)}});
      jobs.push_back(Job{std::move(request)});
    }
    enqueue(std::move(jobs));
  }

  // Loads the teams and rebuilds the schedule. On failure the previous schedule stays.
  bool reload(const char* why) {
    bool loaded = load_schedule(why);
    release_memory();
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
    }
    targets.assign(resolved, config.pipeline.retry);
    std::vector<ScheduledTeam> schedules;
    schedules.reserve(resolved.size());
    for (auto& r : resolved) {
      schedules.push_back(std::move(r.schedule));
    }
    SysTime now = clock.now();
    auto actions = scheduler.load(schedules, *done, now);
    auto next = scheduler.next_wake();
    auto took = std::chrono::duration_cast<std::chrono::milliseconds>(
        std::chrono::steady_clock::now() - began);
    log::info("schedule_loaded", {{"why", why},
                                  {"schedules", std::to_string(scheduler.size())},
                                  {"due_now", std::to_string(actions.size())},
                                  {"next_slot", next ? format_utc(*next) : "none"},
                                  {"took_ms", std::to_string(took.count())}});
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
    control_timer.expires_after(kControlPoll);
    control_timer.async_wait([this](const boost::system::error_code& ec) {
      if (ec) {
        return;
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

  // No new runs; runs in progress get the shutdown grace, then their groups are killed and they
  // are recorded `interrupted` by their workers. Slots still waiting for a worker are not
  // recorded, so the next start catches them up if they are still inside the grace window.
  void begin_stop(int signal) {
    std::size_t dropped = 0;
    std::size_t running = 0;
    {
      std::lock_guard lock(mutex);
      stopping = true;
      dropped = queue.size();
      queue.clear();
      if (!retries.empty()) {
        log::warn("retries_dropped", {{"count", std::to_string(retries.size())},
                                      {"next_at", format_utc(retries.begin()->first)}});
      }
      retries.clear();
      running = active.size();
      auto grace = std::chrono::duration_cast<std::chrono::milliseconds>(
          config.scheduler.shutdown_grace);
      for (auto* stop : active) {
        stop->request_stop(grace);
      }
    }
    work.notify_all();
    log::info("stopping", {{"signal", signal == SIGINT ? "SIGINT" : "SIGTERM"},
                           {"runs_in_progress", std::to_string(running)},
                           {"not_started", std::to_string(dropped)},
                           {"grace_s", std::to_string(config.scheduler.shutdown_grace.count())}});
    wake_timer.cancel();
    control_timer.cancel();
    io.stop();
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
    for (const RunRecord& run : abandoned) {
      log::warn("run_abandoned", {{"run_id", run.run_id},
                                  {"team", describe_team(run.team)},
                                  {"reason", run.error}});
      tell_abandoned(run);
    }
    return abandoned;
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
    if (auto resolved = resolve_team(team, config, SysTime{})) {
      target = resolved->target;
    }
    notifier.notify(run_event(notify::EventKind::kRunAbandoned, run, target));
  }

  void beat() {
    SysTime now = clock.now();
    auto a = db.registry().heartbeat(instance, now);
    auto b = a ? db.runs().heartbeat(executor.live_run_ids(), now) : Status{};
    if (!a || !b) {
      connected_since.reset();
      const Error& e = !a ? a.error() : b.error();
      if (e.code != ErrorCode::kUnavailable) {  // an outage is logged once, by the store
        log::warn("heartbeat_failed", {{"reason", e.message}});
      }
      return;
    }
    if (!connected_since) {
      connected_since = now;
    }
    executor.record_deferred_ends();
    auto abandoned = abandon_dead_runs(now);
    if (!abandoned.empty()) {
      asio::post(io, [this, abandoned = std::move(abandoned)] { rerun_abandoned(abandoned); });
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

int Service::run() {
  Impl& s = *impl_;
  SysTime started = s.clock.now();
  auto generation = s.db.registry().generation();
  if (!generation) {
    log::error("service_not_started", {{"reason", generation.error().message}});
    return 4;
  }
  s.applied_generation = *generation;
  ServiceInstance me{s.instance, s.instance.substr(0, s.instance.rfind(':')),
                     static_cast<std::int64_t>(getpid()), started, started, *generation};
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
  auto abandoned = s.abandon_dead_runs(started);
  s.wait_signals();
  s.start_workers();
  if (s.load_schedule("start")) {
    s.resume_retries();
    s.rerun_abandoned(abandoned);
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
    Heartbeat heartbeat(heartbeat_interval(s.config.scheduler.heartbeat_timeout),
                        [&s] { s.beat(); });
    log::info("ready", {{"instance", s.instance},
                        {"database", s.db.describe()},
                        {"schedules", std::to_string(s.scheduler.size())},
                        {"max_parallel_runs", std::to_string(s.config.scheduler.max_parallel_runs)},
                        {"scheduler", s.config.scheduler.enabled ? "enabled" : "disabled"},
                        {"startup_ms", std::to_string((s.clock.now() - started).count())}});
    s.io.run();
    heartbeat.stop();
  }
  s.work.notify_all();
  for (auto& worker : s.workers) {
    worker.join();
  }
  s.record_deferred_ends_before_exit();
  s.notifier.flush();
  if (auto gone = s.db.registry().deregister(s.instance); !gone) {
    log::warn("service_not_deregistered", {{"reason", gone.error().message}});
  }
  log::info("stopped", {{"instance", s.instance}});
  return failed_start ? 4 : 0;
}

}  // namespace orch
