#include "orchestrator/api/team_gauges.h"

#include <array>
#include <span>

namespace orch::api {

SlotsAround slots_around(const ScheduledTeam& schedule, SysTime now) {
  using std::chrono::hours;
  using std::chrono::minutes;
  // There is no backwards search over a schedule: look forward from ever earlier points, the
  // nearest first, so that a frequent cron schedule walks a few fires. A daily slot is at most
  // 25 hours (a day and a daylight-saving shift) before the next: one look 26 hours back.
  constexpr std::array<std::chrono::milliseconds, 6> kCronLookback = {
      minutes(2), hours(2), hours(26), hours(24 * 8), hours(24 * 32), hours(24 * 367)};
  constexpr std::array<std::chrono::milliseconds, 1> kDailyLookback = {hours(26)};
  constexpr int kMaxSteps = 20000;
  std::span<const std::chrono::milliseconds> lookback = kCronLookback;
  if (!schedule.cron) {
    lookback = kDailyLookback;
  }
  SlotsAround around;
  for (auto back : lookback) {
    auto slot = next_slot(schedule, now - back);
    if (!slot || slot->at > now) {
      around.next = slot;
      continue;
    }
    for (int step = 0; step < kMaxSteps; ++step) {
      auto next = next_slot(schedule, slot->at);
      if (!next || next->at > now) {
        around.next = next;
        break;
      }
      slot = next;
    }
    around.previous = slot;
    return around;
  }
  around.next = next_slot(schedule, now);
  return around;
}

TeamGauges team_gauges(const ScheduledTeam& schedule, const TeamRunSummary* completed,
                       std::chrono::seconds misfire_grace, std::chrono::seconds timeout,
                       SysTime now) {
  TeamGauges gauges;
  gauges.team = schedule.team;
  gauges.pipeline = schedule.pipeline;
  if (completed != nullptr) {
    gauges.last_success = completed->last_success;
  }
  auto [slot, next] = slots_around(schedule, now);
  if (next) {
    gauges.next_run = next->at;
  }
  if (!slot || slot->at <= schedule.active_since || now < slot->at + misfire_grace + timeout) {
    return gauges;
  }
  // Done when a completed run holds the slot's key (slot keys sort by time), or, for a daily
  // slot, when any completed run (a manual one too) is for its run date or a later one.
  bool done = false;
  if (completed != nullptr) {
    done = completed->last_completed_slot_key >= slot->key() ||
           (slot->keyed_by == SlotKey::kRunDate &&
            completed->last_completed_run_date >= format_date(slot->run_date));
  }
  gauges.overdue = !done;
  return gauges;
}

}  // namespace orch::api
