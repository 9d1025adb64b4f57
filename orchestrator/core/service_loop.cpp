// The schedule and its timer: loads the teams into the scheduler (at start, on SIGHUP and on
// `reschedule`), wakes when a slot or a retry is due and hands the due runs to the workers.
// Part of Service::Impl; runs on the loop's thread only.
#include <malloc.h>

#include <algorithm>

#include "config/base/log.h"
#include "orchestrator/core/service_internal.h"

namespace orch {

namespace {

// The longest single timer wait: the wall clock can jump (NTP, suspend), so the loop re-reads
// it at least this often instead of trusting one long wait (cronie's lesson).
constexpr std::chrono::seconds kMaxWait{60};
// Slots handed to the workers per turn of the loop.
constexpr std::size_t kWakeBatch = 64;

}  // namespace

// Loads the teams and rebuilds the schedule. On failure the previous schedule stays.
bool Service::Impl::reload(const char* why) {
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
void Service::Impl::release_memory() {
  db.release_memory();
  ::malloc_trim(0);
}

// A pipeline added to the configuration starts when a service first schedules it: the slots
// it had before (up to the scheduler's look-back) are neither caught up nor recorded missed for
// every team, as a new team's are not. `daily` (the [pipeline] table) is as old as the
// installation.
bool Service::Impl::start_added_pipelines(std::vector<ResolvedTeam>& resolved) {
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

bool Service::Impl::load_schedule(const char* why) {
  auto began = std::chrono::steady_clock::now();
  // A team with a stored value the store cannot read is left out, logged, not every team.
  auto teams = db.teams().list(TeamStore::Which::kActive, BadRows::kSkipAndLog);
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
  SysTime now = clock.now();
  auto actions = scheduler.load(schedules, done_by_schedule(*done), now);
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

// The store names pipelines; the scheduler knows them by their place in the configuration. A
// pipeline no longer configured has no schedule to mark done, and a key that is neither form
// marks nothing done.
std::map<ScheduleKey, SlotKey> Service::Impl::done_by_schedule(
    const std::map<RunOwner, std::string>& done) const {
  std::map<ScheduleKey, SlotKey> by_schedule;
  for (const auto& [owner, text] : done) {
    auto pipeline = pipeline_index(config, owner.pipeline);
    auto slot_key = SlotKey::parse(text);
    if (pipeline && slot_key) {
      by_schedule.emplace(ScheduleKey{owner.team, *pipeline}, *slot_key);
    }
  }
  return by_schedule;
}

void Service::Impl::arm_wake() {
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

void Service::Impl::dispatch(const std::vector<Action>& actions) {
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

// Queues every retry due at `now` whose team is still scheduled (a team paused, deactivated
// or removed since its run failed is not retried). Runs on the loop, like reload().
void Service::Impl::dispatch_retries(SysTime now) {
  {
    std::lock_guard lock(mutex);
    if (stopping) {
      return;
    }
    while (!retries.empty() && retries.begin()->first <= now) {
      RunRequest request = std::move(retries.begin()->second);
      retries.erase(retries.begin());
      auto pipeline = pipeline_index(config, request.target.pipeline);
      auto target =
          pipeline ? targets.find(ScheduleKey{request.target.team, *pipeline}) : std::nullopt;
      if (!target) {
        log::info("run_retry_dropped", {{"team", describe_team(request.target.team)},
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

}  // namespace orch
