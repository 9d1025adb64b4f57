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
  // so moving the run time later does not run that date again. A date without a slot (its time
  // skipped by daylight saving, dst_skipped = skip) is done by its end.
  return daily_slot(*day, s.run_time, *s.zone, s.dst)
      .value_or(std::chrono::time_point_cast<std::chrono::milliseconds>(
          s.zone->to_sys(date::local_days(*day) + date::days(1), date::choose::earliest)));
}

namespace {

// The first slot strictly after `after` of a daily schedule at `run_time`, or of `cron` when set.
std::optional<Slot> slot_after(ScheduleKey key, TimeOfDay run_time, const CronExpression* cron,
                               const date::time_zone& zone, SysTime after, DstPolicy dst) {
  std::optional<TeamId> team;
  if (key.team != 0) {
    team = TeamId{key.team};
  }
  if (cron != nullptr) {
    std::optional<SysTime> at = next_cron_fire(*cron, zone, after, dst);
    if (!at) {
      return std::nullopt;
    }
    Slot slot{team, key.pipeline, *at, local_date(*at, zone), SlotKey::kFireInstant, {}};
    if (cron->kind == JobKind::kFixedTime) {  // wildcard jobs keep Vixie's rules, no policy
      slot.schedule_note = dst_note(*at, zone, nullptr, dst);
    }
    return slot;
  }
  DailySlot daily = next_daily_slot(run_time, zone, after, dst);
  return Slot{team,           key.pipeline,      daily.at,
              daily.run_date, SlotKey::kRunDate, dst_note(daily.at, zone, &run_time, dst)};
}

}  // namespace

std::optional<Slot> next_slot(const ScheduledTeam& schedule, SysTime after) {
  return slot_after(ScheduleKey{team_key(schedule.team), schedule.pipeline}, schedule.run_time,
                    schedule.cron ? &*schedule.cron : nullptr, *schedule.zone, after,
                    schedule.dst);
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
  action.kind =
      within_grace(slot.at, now, grace_) ? ActionKind::kStartRun : ActionKind::kRecordMissed;
  return action;
}

std::optional<Slot> Scheduler::next_slot_of(const Schedule& s, SysTime after) const {
  return slot_after(ScheduleKey{s.team, s.pipeline}, TimeOfDay{std::chrono::seconds(s.run_time)},
                    s.cron == kDaily ? nullptr : &crons_[s.cron], *s.zone, after, s.dst);
}

Slot Scheduler::slot_of(const Entry& e) const {
  const Schedule& s = schedules_[e.schedule];
  std::optional<TeamId> team;
  if (s.team != 0) {
    team = TeamId{s.team};
  }
  // The note is recomputed: an entry keeps only the instant (DST nights are rare).
  const TimeOfDay run_time{std::chrono::seconds(s.run_time)};
  const bool fixed = s.cron == kDaily || crons_[s.cron].kind == JobKind::kFixedTime;
  return Slot{team,
              s.pipeline,
              e.at,
              e.run_date,
              s.cron == kDaily ? SlotKey::kRunDate : SlotKey::kFireInstant,
              fixed ? dst_note(e.at, *s.zone, s.cron == kDaily ? &run_time : nullptr, s.dst)
                    : std::string()};
}

std::vector<Action> Scheduler::load(const std::vector<ScheduledTeam>& teams,
                                    const std::map<ScheduleKey, std::string>& done, SysTime now) {
  // The new schedule is built aside, each vector exactly sized, then replaces the old one whole:
  // a service holds it for as long as it runs, so no capacity is left over. An expression is
  // stored once however many teams follow it (parse_cron is a function of the text).
  std::map<std::string_view, std::uint32_t> cron_index;
  for (const ScheduledTeam& s : teams) {
    if (s.cron) {
      cron_index.emplace(s.cron->text, 0);
    }
  }
  std::vector<CronExpression> crons;
  crons.reserve(cron_index.size());
  std::vector<Schedule> schedules;
  schedules.reserve(teams.size());
  std::vector<Entry> entries;
  entries.reserve(teams.size());
  std::vector<Action> actions;
  for (std::size_t i = 0; i < teams.size(); ++i) {
    const ScheduledTeam& s = teams[i];
    std::uint32_t cron = kDaily;
    if (s.cron) {
      auto& index = cron_index[s.cron->text];
      if (index == 0) {  // first seen: 1-based, so that 0 means "not stored yet"
        crons.push_back(*s.cron);
        index = static_cast<std::uint32_t>(crons.size());
      }
      cron = index - 1;
    }
    schedules.push_back(Schedule{team_key(s.team), s.zone,
                                 static_cast<std::int32_t>(s.run_time.since_midnight.count()), cron,
                                 s.pipeline, s.dst});
    SysTime after = std::max(s.active_since, now - kMaxLookback);
    if (auto it = done.find(ScheduleKey{team_key(s.team), s.pipeline}); it != done.end()) {
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
      entries.push_back(Entry{slot->at, slot->run_date, static_cast<std::uint32_t>(i)});
    }
  }
  schedules_ = std::move(schedules);
  crons_ = std::move(crons);
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
    const Schedule& s = schedules_[e.schedule];
    Slot slot = slot_of(e);
    // After a long pause (a suspended host, a clock jump) several slots of one schedule can be
    // due at once: they coalesce into one action for the latest.
    int slots = 1;
    std::optional<Slot> next = next_slot_of(s, slot.at);
    while (next && next->at <= now) {
      slot = *next;
      ++slots;
      next = next_slot_of(s, next->at);
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
