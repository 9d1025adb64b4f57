#include "orchestrator/schedule/scheduler.h"

#include <algorithm>

#include <date/tz.h>

#include "orchestrator/schedule/cron_next_fire.h"
#include "orchestrator/schedule/daily_slot.h"
#include "orchestrator/schedule/slot_resumption.h"

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

}  // namespace

SysTime done_until(const ScheduledTeam& s, const SlotKey& key) {
  if (key.kind == SlotKey::kFireInstant) {
    return key.at;  // a cron fire: every fire up to it is done
  }
  const Date day = key.run_date;
  if (s.cron) {
    // The schedule was daily when it last ran (a changed default): the new cron schedule takes
    // over from that run date, and what is due since coalesces as usual.
    return std::chrono::time_point_cast<std::chrono::milliseconds>(
        s.zone->to_sys(date::local_days(day), date::choose::earliest));
  }
  // A daily schedule runs once per run date: the date's slot at today's run time marks it done,
  // so moving the run time later does not run that date again. A date without a slot (its time
  // skipped by daylight saving, dst_skipped = skip) is done by its end.
  return daily_slot(day, s.run_time, *s.zone, s.dst)
      .value_or(std::chrono::time_point_cast<std::chrono::milliseconds>(
          s.zone->to_sys(date::local_days(day) + date::days(1), date::choose::earliest)));
}

std::optional<Slot> next_slot(const ScheduledTeam& schedule, SysTime after) {
  const date::time_zone& zone = *schedule.zone;
  if (schedule.cron) {
    std::optional<SysTime> at = next_cron_fire(*schedule.cron, zone, after, schedule.dst);
    if (!at) {
      return std::nullopt;
    }
    Slot slot{schedule.team,         schedule.pipeline,     *at,
              local_date(*at, zone), SlotKey::kFireInstant, {}};
    if (schedule.cron->kind == JobKind::kFixedTime) {  // wildcard jobs keep Vixie's rules
      slot.schedule_note = dst_note(*at, zone, nullptr, schedule.dst);
    }
    return slot;
  }
  DailySlot daily = next_daily_slot(schedule.run_time, zone, after, schedule.dst);
  return Slot{schedule.team,     schedule.pipeline,
              daily.at,          daily.run_date,
              SlotKey::kRunDate, dst_note(daily.at, zone, &schedule.run_time, schedule.dst)};
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

namespace {

// The schedules as given, each distinct cron expression held once: teams that follow
// scheduler.default_cron share it (parse_cron is a function of the text).
std::vector<ScheduledTeam> interned(const std::vector<ScheduledTeam>& teams) {
  std::vector<ScheduledTeam> out(teams.begin(), teams.end());
  std::map<std::string_view, const SharedCron*> first_of_text;
  for (ScheduledTeam& s : out) {
    if (s.cron) {
      auto [it, added] = first_of_text.emplace(s.cron->text, &s.cron);
      if (!added) {
        s.cron = *it->second;
      }
    }
  }
  return out;
}

// The slots of `s` due by `now` since `after`, and the first one still ahead.
struct DueSlots {
  std::optional<Slot> latest_due;
  int due = 0;  // how many; past kMaxCountedSlots, a lower bound
  std::optional<Slot> next;
};

DueSlots due_slots(const ScheduledTeam& s, SysTime after, SysTime now) {
  DueSlots out;
  std::optional<Slot> slot = next_slot(s, after);
  while (slot && slot->at <= now) {
    out.latest_due = slot;
    ++out.due;
    if (out.due == kMaxCountedSlots && slot->at < now - kRecentWindow) {
      // A frequent cron schedule down for long: walking every fire would make start-up slow,
      // so the walk jumps to the last day and the count becomes a lower bound.
      slot = next_slot(s, now - kRecentWindow);
      continue;
    }
    slot = next_slot(s, slot->at);
  }
  out.next = std::move(slot);
  return out;
}

}  // namespace

Action Scheduler::decide(const Slot& slot, SysTime now, Trigger trigger, int slots) const {
  Action action;
  action.slot = slot;
  action.slots = slots;
  action.trigger = trigger;
  action.kind =
      within_grace(slot.at, now, grace_) ? ActionKind::kStartRun : ActionKind::kRecordMissed;
  return action;
}

Slot Scheduler::slot_of(const Entry& e) const {
  const ScheduledTeam& s = schedules_[e.schedule];
  // The note is recomputed: an entry keeps only the instant (DST nights are rare).
  Slot slot{s.team, s.pipeline, e.at, e.run_date, SlotKey::kRunDate, {}};
  if (s.cron) {
    slot.keyed_by = SlotKey::kFireInstant;
    if (s.cron->kind == JobKind::kFixedTime) {
      slot.schedule_note = dst_note(e.at, *s.zone, nullptr, s.dst);
    }
  } else {
    slot.schedule_note = dst_note(e.at, *s.zone, &s.run_time, s.dst);
  }
  return slot;
}

std::vector<Action> Scheduler::load(const std::vector<ScheduledTeam>& teams,
                                    const std::map<ScheduleKey, SlotKey>& done, SysTime now) {
  // The new schedule is built aside, exactly sized, then replaces the old one whole: a service
  // holds it for as long as it runs, so no capacity is left over.
  std::vector<ScheduledTeam> schedules = interned(teams);
  std::vector<Entry> entries;
  entries.reserve(schedules.size());
  std::vector<Action> actions;
  for (std::size_t i = 0; i < schedules.size(); ++i) {
    const ScheduledTeam& s = schedules[i];
    SysTime after = std::max(s.active_since, now - kMaxLookback);
    if (auto it = done.find(s.key()); it != done.end()) {
      after = std::max(after, done_until(s, it->second));
    }
    // Slots already due since then (the service was down, or a run time moved into the past)
    // coalesce into one action for the latest.
    DueSlots slots = due_slots(s, after, now);
    if (slots.latest_due) {
      actions.push_back(decide(*slots.latest_due, now, Trigger::kCatchup, slots.due));
    }
    if (slots.next) {
      entries.push_back(Entry{slots.next->at, slots.next->run_date, static_cast<std::uint32_t>(i)});
    }
  }
  schedules_ = std::move(schedules);
  queue_ = decltype(queue_)(std::greater<>(), std::move(entries));
  return actions;
}

std::optional<SysTime> Scheduler::next_wake() const {
  if (queue_.empty()) {
    return std::nullopt;
  }
  return queue_.top().at;
}

std::vector<Action> Scheduler::on_wake(SysTime now, std::size_t max_actions) {
  std::vector<Action> actions;
  while (!queue_.empty() && queue_.top().at <= now && actions.size() < max_actions) {
    Entry e = queue_.top();
    queue_.pop();
    const ScheduledTeam& s = schedules_[e.schedule];
    Slot slot = slot_of(e);
    // After a long pause (a suspended host, a clock jump) several slots of one schedule can be
    // due at once: they coalesce into one action for the latest.
    int slots = 1;
    std::optional<Slot> next = next_slot(s, slot.at);
    while (next && next->at <= now) {
      slot = *next;
      ++slots;
      next = next_slot(s, next->at);
    }
    Trigger trigger = slots > 1 || now - slot.at > kOnTime ? Trigger::kCatchup : Trigger::kSchedule;
    actions.push_back(decide(slot, now, trigger, slots));
    if (next) {
      queue_.push(Entry{next->at, next->run_date, e.schedule});
    }
  }
  return actions;
}

}  // namespace orch
