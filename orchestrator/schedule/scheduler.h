#pragma once

#include <chrono>
#include <cstdint>
#include <limits>
#include <map>
#include <optional>
#include <queue>
#include <string>
#include <vector>

#include "config/base/ids.h"
#include "config/base/run_records.h"
#include "config/base/time.h"
#include "orchestrator/schedule/cron_expression.h"
#include "orchestrator/schedule/dst_policy.h"
#include "orchestrator/schedule/shared_cron.h"
#include "orchestrator/schedule/slot_key.h"

namespace date {
class time_zone;
}

namespace orch {

// Which schedule: a team (std::nullopt: the general run) and one of its pipelines, by its
// position in the configuration's list of pipelines.
struct ScheduleKey {
  std::optional<TeamId> team;
  std::uint16_t pipeline = 0;
  // NOLINTNEXTLINE(modernize-use-nullptr): clang-tidy 14 reads a defaulted <=> as a 0 literal
  friend auto operator<=>(const ScheduleKey&, const ScheduleKey&) = default;
};

// One schedule to keep: a team (or the general run) and one of its pipelines, with its resolved
// run time or cron expression, and its zone. The scheduler keeps one per schedule for as long as
// the service runs, so its parts are small or shared (the zone, the cron expression).
struct ScheduledTeam {
  std::optional<TeamId> team;
  const date::time_zone* zone = nullptr;
  SharedCron cron;       // set: fires by the expression instead of run_time
  SysTime active_since;  // slots at or before this instant are none of its business
  TimeOfDay run_time;
  std::uint16_t pipeline = 0;  // in the configuration's list of pipelines
  DstPolicy dst;               // what a fixed time does on daylight-saving nights

  ScheduleKey key() const { return ScheduleKey{team, pipeline}; }
};

// A slot of one schedule: its instant and the run date it stands for (its local date).
struct Slot {
  std::optional<TeamId> team;
  std::uint16_t pipeline = 0;  // in the configuration's list of pipelines
  SysTime at;
  Date run_date;
  SlotKey::Kind keyed_by = SlotKey::kRunDate;
  // What daylight saving did to this slot (dst_note()); empty on every other day.
  std::string schedule_note;

  SlotKey slot_key() const {
    return keyed_by == SlotKey::kRunDate ? SlotKey::of_run_date(run_date)
                                         : SlotKey::of_fire_instant(at);
  }
  // The key's text, as the store and the API write it.
  std::string key() const { return slot_key().text(); }
};

// The first slot of `schedule` strictly after `after`; std::nullopt only for a cron expression
// whose next fire lies beyond the year 9999.
std::optional<Slot> next_slot(const ScheduledTeam& schedule, SysTime after);

// The next `count` slots strictly after `after`, oldest first: what `plan` shows.
std::vector<Slot> upcoming_slots(const ScheduledTeam& schedule, SysTime after, int count);

// The instant after which a schedule's slots are still to be run, given the latest slot key
// recorded for it: a daily schedule's run date is done once it has a slot recorded, whatever its
// run time is now; a cron schedule is done up to that fire.
SysTime done_until(const ScheduledTeam& schedule, const SlotKey& last_slot_key);

enum class ActionKind {
  kStartRun,      // start a run for the slot (if it can start within the grace window)
  kRecordMissed,  // record the slot as missed: it is past the grace window
};

struct Action {
  ActionKind kind = ActionKind::kStartRun;
  Slot slot;
  Trigger trigger = Trigger::kSchedule;
  // How many missed slots this one action stands for (coalesced); past 1000 missed slots at
  // start-up, a lower bound.
  int slots = 1;
};

// The scheduling core: a state machine with no I/O and no clock of its own. The service hands it
// the teams, what the database has recorded and `now`; it answers with actions and the next
// instant it wants to be woken at. One timer queue (a heap) holds every schedule, so a wake costs
// O(log n) whatever the number of teams. Not thread-safe: the service calls it from its loop.
class Scheduler {
 public:
  explicit Scheduler(std::chrono::seconds misfire_grace) : grace_(misfire_grace) {}

  // Replaces every schedule (start-up, reschedule). `done` maps a schedule to the latest slot key
  // recorded for it: slots up to it never run again. Slots already due since then (the service
  // was down, or a run time moved into the past) are coalesced per schedule into one action: a
  // catch-up run when the latest is within the grace window, else one missed record.
  std::vector<Action> load(const std::vector<ScheduledTeam>& teams,
                           const std::map<ScheduleKey, SlotKey>& done, SysTime now);

  // When the next slot falls due, if any schedule is kept.
  std::optional<SysTime> next_wake() const;

  // The actions for the slots due at `now`, earliest first, at most `max_actions` of them (the
  // rest stay due: next_wake() is then at or before `now`); schedules move on to their next slot.
  // A slot woken for more than a second late, or several coalesced, starts as a catch-up.
  std::vector<Action> on_wake(SysTime now,
                              std::size_t max_actions = std::numeric_limits<std::size_t>::max());

  std::size_t size() const { return schedules_.size(); }

  // The grace window: a slot still runs if it can start within it.
  std::chrono::seconds grace() const { return grace_; }

 private:
  // A schedule's next slot in the timer queue; the rest of the Slot follows from the schedule.
  struct Entry {
    SysTime at;
    Date run_date;
    std::uint32_t schedule;  // in schedules_
    bool operator>(const Entry& other) const {
      return at != other.at ? at > other.at : schedule > other.schedule;
    }
  };

  Action decide(const Slot& slot, SysTime now, Trigger trigger, int slots) const;
  Slot slot_of(const Entry& e) const;

  std::chrono::seconds grace_;
  // Each distinct cron expression is held once, shared by the schedules that follow it.
  std::vector<ScheduledTeam> schedules_;
  std::priority_queue<Entry, std::vector<Entry>, std::greater<>> queue_;
};

}  // namespace orch
