// Start-up and the end of a stop: Service's own methods, the construction of its inside, the
// order in which a start settles what earlier processes left, and what a stop does once the loop
// has ended. Runs on the thread that called Service::run(); the other parts are listed in
// service_internal.h.
#include "orchestrator/core/service.h"

#include <unistd.h>

#include "config/base/log.h"
#include "orchestrator/core/heartbeat.h"
#include "orchestrator/core/history_prune.h"
#include "orchestrator/core/service_internal.h"
#include "orchestrator/core/systemd_notify.h"
#include "orchestrator/core/version.h"
#include "pipeline/isolation.h"

namespace orch {

Service::Impl::Impl(const config::Config& c, Database& d, notify::Notifier& n,
                    pipeline::ProcessLauncher& l, const Clock& k)
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
  if (!s.start_up(started)) {
    return 4;
  }
  s.wait_signals();
  s.start_workers();
  const bool failed_start = !s.start_scheduling();
  if (!failed_start) {
    s.serve(started);
  }
  s.shut_down();
  return failed_start ? 4 : s.exit_code;
}

bool Service::Impl::start_up(SysTime started) {
  auto generation = db.registry().generation();
  if (!generation) {
    log::error("service_not_started", {{"reason", generation.error().message}});
    return false;
  }
  applied_generation = *generation;
  ServiceInstance me{
      instance,    instance_host(instance), static_cast<std::int64_t>(getpid()), started, started,
      *generation, std::string(version())};
  if (auto registered = db.registry().register_instance(me); !registered) {
    log::error("service_not_started", {{"reason", registered.error().message}});
    return false;
  }
  connected_since = started;
  // Ends kept through an outage by an earlier process come first: they are the truth about runs
  // that would otherwise be abandoned below.
  if (executor.adopt_pending_ends() > 0) {
    executor.record_deferred_ends();
  }
  // Abandoned first: the slots of runs a dead service left are then found unsettled below.
  (void)abandon_dead_runs(started);
  return true;
}

bool Service::Impl::start_scheduling() {
  if (load_schedule("start")) {
    resume_unsettled_slots();
    adopt_waiting_runs();
    (void)desk.asked();
    desk.take_requests();  // asked for before this service started, and not withdrawn
    release_memory();
  } else {
    std::lock_guard lock(mutex);
    stopping = true;
  }
  std::lock_guard lock(mutex);
  return !stopping;
}

void Service::Impl::serve(SysTime started) {
  poll_control();
  hear_control_bell();
  scan_unsettled_slots_periodically();
  Heartbeat heartbeat(heartbeat_interval(config.scheduler.heartbeat_timeout), [this] { beat(); });
  DailyHistoryPrune prune(db.retention(), config.history.keep_days);
  log::info("ready", {{"instance", instance},
                      {"version", std::string(version())},
                      {"database", db.describe()},
                      {"schedules", scheduler.size()},
                      {"max_parallel_runs", config.scheduler.max_parallel_runs},
                      {"scheduler", config.scheduler.enabled ? "enabled" : "disabled"},
                      {"isolation", pipeline::isolation_in_force(config)},
                      {"startup_ms", (clock.now() - started).count()}});
  systemd_ready("ready: " + std::to_string(scheduler.size()) + " schedules");
  io.run();
  stop_hearing_control_bell();
  if (drain_waiter.joinable()) {
    drain_waiter.join();
  }
  heartbeat.stop();
}

void Service::Impl::shut_down() {
  work.notify_all();
  for (auto& worker : workers) {
    if (worker.joinable()) {
      worker.join();
    }
  }
  waiting_room.stop();
  record_deferred_ends_before_exit();
  notifier.flush();
  if (auto gone = db.registry().deregister(instance); !gone) {
    log::warn("service_not_deregistered", {{"reason", gone.error().message}});
  }
  log::info("stopped", {{"instance", instance}});
}

// On a clean stop, ends still waiting for the database get the shutdown grace to be recorded.
void Service::Impl::record_deferred_ends_before_exit() {
  auto deadline = std::chrono::steady_clock::now() + config.scheduler.shutdown_grace;
  while (executor.record_deferred_ends() > 0 && std::chrono::steady_clock::now() < deadline) {
    std::this_thread::sleep_for(std::chrono::milliseconds(500));
  }
  for (const RunId& run_id : executor.live_run_ids()) {
    log::error("run_end_not_recorded_yet",
               {{"run_id", run_id},
                {"reason", "the database stayed unavailable until the stop"},
                {"effect", "kept in " + executor.pending_ends().dir().string() +
                               "; recorded at the next start"}});
  }
}

}  // namespace orch
