#include "orchestrator/schedule/scheduler.h"

#include <algorithm>

#include <date/tz.h>

#include "orchestrator/schedule/cron_next_fire.h"
#include "orchestrator/schedule/daily_slot.h"

namespace orch {
namespace {

// How far back start-up looks for slots that were never recorded. Older ones only change the
// count in the missed record, so there is no point walking years of days for a long-dead team.
constexpr date::days kMaxLookback{32};

// Start-up counts the slots missed since the last recorded one one by one up to this many, then
// only those of the last day: a minutely schedule down for a month has 46 000.
constexpr int kMaxCountedSlots = 1000;
constexpr date::days kRecentWindow{1};

// A wake later than this after its slot means the loop itself was held up (a suspended host, a
// clock jump): such a slot did not start on time, and its run is a catch-up.
constexpr std::chrono::seconds kOnTime{1};

// The instant after which a schedule's slots are still to be run, given the latest slot key
// recorded for it.
SysTime done_until(const ScheduledTeam& s, const std::string& key) {
  if (auto instant = parse_utc(key)) {
    return *instant;  // a cron fire: every fire up to it is done
  }
  auto day = parse_date(key);
  if (!day) {
    return SysTime{};
  }
  if (s.cron) {
    // The schedule was daily when it last ran (a changed default): the new cron schedule takes
    // over from that run date, and what is due since coalesces as usual.
    return std::chrono::time_point_cast<std::chrono::milliseconds>(
        s.zone->to_sys(date::local_days(*day), date::choose::earliest));
  }
  // A daily schedule runs once per run date: the date's slot at today's run time marks it done,
  // so moving the run time later does not run that date again.
  return daily_slot(*day, s.run_time, *s.zone);
}

}  // namespace

std::optional<Slot> next_slot(const ScheduledTeam& schedule, SysTime after) {
  const date::time_zone& zone = *schedule.zone;
  if (schedule.cron) {
    std::optional<SysTime> at = next_cron_fire(*schedule.cron, zone, after);
    if (!at) {
      return std::nullopt;
    }
    return Slot{schedule.team, *at, local_date(*at, zone), SlotKey::kFireInstant};
  }
  DailySlot daily = next_daily_slot(schedule.run_time, zone, after);
  return Slot{schedule.team, daily.at, daily.run_date, SlotKey::kRunDate};
}

std::vector<Slot> upcoming_slots(const ScheduledTeam& schedule, SysTime after, int count) {
  std::vector<Slot> out;
  for (int i = 0; i < count; ++i) {
    std::optional<Slot> slot = next_slot(schedule, after);
    if (!slot) {
      break;
    }
    out.push_back(*slot);
    after = slot->at;
  }
  return out;
}

Action Scheduler::decide(const Slot& slot, SysTime now, Trigger trigger, int slots) const {
  Action action;
  action.slot = slot;
  action.slots = slots;
  action.trigger = trigger;
  action.kind = now - slot.at <= grace_ ? ActionKind::kStartRun : ActionKind::kRecordMissed;
  return action;
}

std::vector<Action> Scheduler::load(const std::vector<ScheduledTeam>& teams,
                                    const std::map<std::int64_t, std::string>& done, SysTime now) {
  schedules_ = teams;
  std::vector<Entry> entries;
  entries.reserve(teams.size());
  std::vector<Action> actions;
  for (std::size_t i = 0; i < schedules_.size(); ++i) {
    const ScheduledTeam& s = schedules_[i];
    SysTime after = std::max(s.active_since, now - kMaxLookback);
    if (auto it = done.find(team_key(s.team)); it != done.end()) {
      after = std::max(after, done_until(s, it->second));
    }
    // Slots already due since then (the service was down, or a run time moved into the past)
    // coalesce into one action for the latest.
    std::optional<Slot> latest_due;
    int due = 0;
    std::optional<Slot> slot = next_slot(s, after);
    while (slot && slot->at <= now) {
      latest_due = slot;
      ++due;
      if (due == kMaxCountedSlots && slot->at < now - kRecentWindow) {
        // A frequent cron schedule down for long: walking every fire would make start-up slow,
        // so the walk jumps to the last day and the count becomes a lower bound.
        slot = next_slot(s, now - kRecentWindow);
        continue;
      }
      slot = next_slot(s, slot->at);
    }
    if (latest_due) {
      actions.push_back(decide(*latest_due, now, Trigger::kCatchup, due));
    }
    if (slot) {
      entries.push_back(Entry{*slot, i});
    }
  }
  queue_ = decltype(queue_)(std::greater<>(), std::move(entries));
  return actions;
}

std::optional<SysTime> Scheduler::next_wake() const {
  if (queue_.empty()) {
    return std::nullopt;
  }
  return queue_.top().slot.at;
}

std::vector<Action> Scheduler::on_wake(SysTime now, std::size_t max_actions) {
  std::vector<Action> actions;
  while (!queue_.empty() && queue_.top().slot.at <= now && actions.size() < max_actions) {
    Entry e = queue_.top();
    queue_.pop();
    const ScheduledTeam& s = schedules_[e.schedule];
    // After a long pause (a suspended host, a clock jump) several slots of one schedule can be
    // due at once: they coalesce into one action for the latest.
    int slots = 1;
    std::optional<Slot> next = next_slot(s, e.slot.at);
    while (next && next->at <= now) {
      e.slot = *next;
      ++slots;
      next = next_slot(s, next->at);
    }
    Trigger trigger =
        slots > 1 || now - e.slot.at > kOnTime ? Trigger::kCatchup : Trigger::kSchedule;
    actions.push_back(decide(e.slot, now, trigger, slots));
    if (next) {
      queue_.push(Entry{*next, e.schedule});
    }
  }
  return actions;
}

}  // namespace orch
