#include "orchestrator/api/team_gauges.h"

#include <array>

namespace orch::api {

std::optional<Slot> previous_slot(const ScheduledTeam& schedule, SysTime now) {
  using std::chrono::hours;
  using std::chrono::minutes;
  // There is no backwards search over a schedule: look forward from ever earlier points, the
  // nearest first, so that a frequent cron schedule walks a few fires, a daily one one or two.
  constexpr std::array<std::chrono::milliseconds, 6> kLookback = {
      minutes(2), hours(2), hours(26), hours(24 * 8), hours(24 * 32), hours(24 * 367)};
  constexpr int kMaxSteps = 20000;
  for (auto back : kLookback) {
    auto slot = next_slot(schedule, now - back);
    if (!slot || slot->at > now) {
      continue;
    }
    for (int step = 0; step < kMaxSteps; ++step) {
      auto next = next_slot(schedule, slot->at);
      if (!next || next->at > now) {
        return slot;
      }
      slot = next;
    }
    return slot;
  }
  return std::nullopt;
}

TeamGauges team_gauges(const ScheduledTeam& schedule, const TeamRunSummary* completed,
                       std::chrono::seconds misfire_grace, std::chrono::seconds timeout,
                       SysTime now) {
  TeamGauges gauges;
  gauges.team_key = team_key(schedule.team);
  if (completed != nullptr) {
    gauges.last_success = completed->last_success;
  }
  if (auto next = next_slot(schedule, now)) {
    gauges.next_run = next->at;
  }
  auto slot = previous_slot(schedule, now);
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
