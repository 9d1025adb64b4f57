#include "orchestrator/schedule/scheduler.h"

#include <algorithm>

#include <date/tz.h>

#include "orchestrator/schedule/daily_slot.h"

namespace orch {
namespace {

// How far back start-up looks for slots that were never recorded. Older ones only change the
// count in the missed record, so there is no point walking years of days for a long-dead team.
constexpr int kMaxLookbackDays = 32;

// A wake later than this after its slot means the loop itself was held up (a suspended host, a
// clock jump): such a slot did not start on time, and its run is a catch-up.
constexpr std::chrono::seconds kOnTime{1};

Date add_days(Date d, int n) { return Date{date::sys_days(d) + date::days(n)}; }

}  // namespace

Action Scheduler::decide(std::size_t schedule, SysTime at, Date run_date, SysTime now,
                         Trigger trigger, int slots) const {
  Action action;
  action.slot = Slot{schedules_[schedule].team, at, run_date};
  action.slots = slots;
  action.trigger = trigger;
  action.kind = now - at <= grace_ ? ActionKind::kStartRun : ActionKind::kRecordMissed;
  return action;
}

std::vector<Action> Scheduler::load(const std::vector<ScheduledTeam>& teams,
                                    const std::map<std::int64_t, std::string>& done,
                                    SysTime now) {
  schedules_ = teams;
  std::vector<Entry> entries;
  entries.reserve(teams.size());
  std::vector<Action> actions;
  for (std::size_t i = 0; i < schedules_.size(); ++i) {
    const ScheduledTeam& s = schedules_[i];
    const date::time_zone& zone = *s.zone;
    Date today = local_date(now, zone);
    Date first = std::max(add_days(local_date(s.active_since, zone), -1),
                          add_days(today, -kMaxLookbackDays));
    if (auto it = done.find(team_key(s.team)); it != done.end()) {
      if (auto last = parse_date(it->second)) {
        first = std::max(first, add_days(*last, 1));
      }
    }
    std::optional<Entry> latest_due;
    int due = 0;
    Date day = first;
    while (true) {
      SysTime at = daily_slot(day, s.run_time, zone);
      if (at > now) {
        break;
      }
      if (at > s.active_since) {
        latest_due = Entry{at, day, i};
        ++due;
      }
      day = add_days(day, 1);
    }
    if (latest_due) {
      actions.push_back(
          decide(i, latest_due->at, latest_due->run_date, now, Trigger::kCatchup, due));
    }
    entries.push_back(Entry{daily_slot(day, s.run_time, zone), day, i});
  }
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
    // After a long pause (a suspended host, a clock jump) several slots of one schedule can be
    // due at once: they coalesce into one action for the latest.
    int slots = 1;
    Date next = add_days(e.run_date, 1);
    SysTime next_at = daily_slot(next, s.run_time, *s.zone);
    while (next_at <= now) {
      e.at = next_at;
      e.run_date = next;
      ++slots;
      next = add_days(next, 1);
      next_at = daily_slot(next, s.run_time, *s.zone);
    }
    Trigger trigger = slots > 1 || now - e.at > kOnTime ? Trigger::kCatchup : Trigger::kSchedule;
    actions.push_back(decide(e.schedule, e.at, e.run_date, now, trigger, slots));
    queue_.push(Entry{next_at, next, e.schedule});
  }
  return actions;
}

}  // namespace orch
