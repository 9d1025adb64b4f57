#pragma once

// The inside of the long-running service, shared by its parts; included only by the service's
// own .cpp files (service*.cpp), never by another module. Each part lives in its own file:
//   service.cpp          start-up and the end of a stop (the thread that called Service::run)
//   service_workers.cpp  the run queue and its workers (worker threads)
//   service_loop.cpp     the schedule, its timer and the due slots and retries (the loop's thread)
//   service_control.cpp  the control poll and the signals (the loop's thread)
//   service_stop.cpp     the stop sequence (the loop's thread)
//   service_liveness.cpp heartbeat, fencing and abandoned runs (the heartbeat's thread)
//   service_resume.cpp   slots left unsettled in the database (the loop's thread)
//   service_waiting.cpp  runs waiting for their inputs (the waiting room's and the loop's threads)
// State that more than one thread touches is guarded by `mutex`, or is atomic.

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <csignal>
#include <cstdint>
#include <deque>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <set>
#include <string>
#include <thread>
#include <utility>
#include <vector>

#include <boost/asio/io_context.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/signal_set.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/system_timer.hpp>

#include "orchestrator/core/control_desk.h"
#include "orchestrator/core/database_watch.h"
#include "orchestrator/core/run_executor.h"
#include "orchestrator/core/service.h"
#include "orchestrator/core/team_schedules.h"
#include "orchestrator/core/team_targets.h"
#include "orchestrator/core/waiting_room.h"
#include "orchestrator/schedule/scheduler.h"

namespace orch {

// The slot a recorded run was made for (its row names the slot; the pipeline is its place in the
// configuration).
Slot slot_of_run(const RunRecord& run, std::uint16_t pipeline, Date run_date);

struct Service::Impl {
  Impl(const config::Config& c, Database& d, notify::Notifier& n, pipeline::ProcessLauncher& l,
       const Clock& k);

  struct Job {
    RunRequest request;
  };

  // --- start-up and the end of a stop (service.cpp) ---
  // Registers the instance and settles what earlier processes left; false (logged) when the
  // database refuses.
  bool start_up(SysTime started);
  // Loads the schedule and takes up what waits; false when the schedule could not be loaded.
  bool start_scheduling();
  // Runs the loop until the stop sequence ends it.
  void serve(SysTime started);
  void shut_down();
  void record_deferred_ends_before_exit();

  // --- the run queue and its workers (service_workers.cpp) ---
  void start_workers();
  void work_loop();
  std::optional<Job> take_job(pipeline::StopSignal& stop);
  void run_job(Job& job, pipeline::StopSignal& stop);
  Result<RunOutcome> execute_through_outage(const RunRequest& request, pipeline::StopSignal& stop);
  void hold_waiting(const RunRequest& request, const RunOutcome& outcome);
  void schedule_retry(const RunRequest& failed, const NextAttempt& next);
  bool enqueue_requested(RunRequest request);
  void enqueue(std::vector<Job> jobs);

  // --- the schedule and its timer (service_loop.cpp) ---
  bool reload(const char* why);
  void release_memory();
  bool start_added_pipelines(std::vector<ResolvedTeam>& resolved);
  bool load_schedule(const char* why);
  std::map<ScheduleKey, SlotKey> done_by_schedule(
      const std::map<RunOwner, std::string>& done) const;
  void arm_wake();
  void dispatch(const std::vector<Action>& actions);
  void dispatch_retries(SysTime now);

  // --- the control bell, the control poll and the signals (service_control.cpp) ---
  void poll_control();
  void look_at_control();
  void hear_control_bell();
  void stop_hearing_control_bell();
  void acknowledge();
  void wait_signals();

  // --- the stop sequence (service_stop.cpp) ---
  bool is_stopping();
  void begin_stop(int signal);
  void stop_database_lost();

  // --- liveness (service_liveness.cpp) ---
  void beat();
  void fence_if_silent(std::chrono::steady_clock::time_point now);
  std::vector<RunRecord> abandon_dead_runs(SysTime now);
  static void sweep_local_leftovers(const std::vector<RunRecord>& abandoned);
  void tell_abandoned(RunRecord run);

  // --- unsettled slots (service_resume.cpp) ---
  void resume_unsettled_slots();
  void scan_unsettled_slots_periodically();
  bool planned_locked(const RunRecord& run, int attempt) const;
  void resume_slots(const std::vector<RunRecord>& attempts);

  // --- waiting runs (service_waiting.cpp) ---
  Result<pipeline::Readiness> check_waiting(const RunRequest& request) const;
  void hand_over_ready(RunRequest request);
  void note_waiting(const RunRequest& request, const std::string& reason);
  std::optional<RunTarget> scheduled_target(const RunTarget& owner) const;
  std::string unscheduled_reason(const RunTarget& owner);
  void expire_waiting(RunRequest request, RunStatus status, std::string why);
  void give_up_waiting(RunRequest request, RunStatus status, const std::string& why);
  void adopt_waiting_runs();
  std::optional<RunRequest> adoptable(RunRecord& run, SysTime now);

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

  boost::asio::io_context io;
  boost::asio::signal_set signals;
  boost::asio::system_timer wake_timer;
  boost::asio::steady_timer control_timer;
  boost::asio::steady_timer resume_timer;
  std::set<RunId> not_rerun_told;  // lost runs past their grace, logged once (loop only)
  // When the control poll last ran (steady clock ticks; 0: not turning), for last_loop_turn().
  std::atomic<std::int64_t> last_turn{0};
  // Hears the database's control bell; its thread hands each ring to the loop (at most one look
  // posted at a time). Started with the loop, stopped and joined when the loop has ended.
  std::unique_ptr<ControlListener> control_listener;
  std::thread control_hearing;
  std::atomic<bool> control_look_posted{false};
  // A database file removed or replaced under the service stops it, with exit code 4.
  int exit_code = 0;  // the loop's thread
  DatabaseWatch database_watch{db,
                               [this] { boost::asio::post(io, [this] { stop_database_lost(); }); }};
  // Runs waiting for their inputs; last, so that its thread ends before what it calls on goes.
  WaitingRoom waiting_room{
      clock, config.scheduler.input_poll,
      WaitingRoom::Hooks{
          [this](const RunRequest& r) { return check_waiting(r); },
          [this](const RunRequest& r) { return executor.input_folder(r.target); },
          [this](RunRequest r) { hand_over_ready(std::move(r)); },
          [this](RunRequest r, RunStatus status, std::string why) {
            expire_waiting(std::move(r), status, std::move(why));
          },
          [this](const RunRequest& r, const std::string& reason) { note_waiting(r, reason); }}};

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
};

}  // namespace orch
