// Slots left unsettled: the next attempt of a slot whose run failed, timed out, was abandoned or
// interrupted, read from the database at start, every little while and after an abandon, so that
// what a killed service only planned is still made. Part of Service::Impl; runs on the loop's
// thread.
#include "config/base/log.h"
#include "orchestrator/core/service_internal.h"
#include "orchestrator/schedule/slot_resumption.h"

namespace orch {

namespace {

// How often a running service looks in the database for slots left unsettled: a rerun planned by
// a replica that was killed before making it is made by another within this long.
constexpr std::chrono::seconds kResumeScan{15};

}  // namespace

Slot slot_of_run(const RunRecord& run, std::uint16_t pipeline, Date run_date) {
  auto key = SlotKey::parse(*run.slot_key);
  return Slot{
      run.team,         pipeline, *run.scheduled_for, run_date, key ? key->kind : SlotKey::kRunDate,
      run.schedule_note};
}

// Slots whose latest attempt failed, timed out, was abandoned or interrupted get their next
// attempt, when resume_slot() says they need one: read from the database, so a retry or rerun
// that a killed service had only planned in memory is made by the next start. Several replicas
// may each plan it; the attempt number is unique per slot, so the database lets one claim it.
// Runs on the loop (it reads the targets).
void Service::Impl::resume_unsettled_slots() {
  SysTime now = clock.now();
  auto unsettled =
      db.runs().unsettled_slot_attempts(now - date::days(2) - config.scheduler.misfire_grace);
  if (!unsettled) {
    log::warn("slots_not_resumed", {{"reason", unsettled.error().message}});
    return;
  }
  resume_slots(*unsettled);
}

void Service::Impl::scan_unsettled_slots_periodically() {
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

// Whether the attempt is planned here already (a rescan finds what this service planned).
bool Service::Impl::planned_locked(const RunRecord& run, int attempt) const {
  for (const auto& [at, request] : retries) {
    if (request.attempt == attempt && request.slot && request.target.team == run.team &&
        request.target.pipeline == run.pipeline && request.slot->key() == run.slot_key) {
      return true;
    }
  }
  return false;
}

void Service::Impl::resume_slots(const std::vector<RunRecord>& attempts) {
  SysTime now = clock.now();
  for (const RunRecord& run : attempts) {
    auto pipeline = pipeline_index(config, run.pipeline);
    auto target = pipeline ? targets.find(ScheduleKey{run.team, *pipeline}) : std::nullopt;
    if (!target || !run.slot_key || !run.scheduled_for) {
      continue;  // not scheduled any more, or not a slot's run
    }
    auto next = resume_slot(run, target->retry, config.scheduler.misfire_grace, *target->zone, now);
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
    request.slot = slot_of_run(run, *pipeline, run.run_date);
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

}  // namespace orch
