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
#include "config/base/time.h"
#include "orchestrator/schedule/cron_expression.h"
#include "orchestrator/schedule/dst_policy.h"
#include "orchestrator/store/records.h"

namespace date {
class time_zone;
}

namespace orch {

// Which schedule: a team (team_key(): 0 for the general run) and one of its pipelines, by its
// position in the configuration's list of pipelines.
struct ScheduleKey {
  std::int64_t team = 0;
  std::uint16_t pipeline = 0;
  friend auto operator<=>(const ScheduleKey&, const ScheduleKey&) = default;
};

// One schedule to keep: a team (or the general run) and one of its pipelines, with its resolved
// run time or cron expression, and its zone.
struct ScheduledTeam {
  std::optional<TeamId> team;
  std::uint16_t pipeline = 0;  // in the configuration's list of pipelines
  std::string name;
  TimeOfDay run_time;
  std::optional<CronExpression> cron;  // set: fires by the expression instead of run_time
  const date::time_zone* zone = nullptr;
  SysTime active_since;  // slots at or before this instant are none of its business
  DstPolicy dst;         // what a fixed time does on daylight-saving nights
};

// How a slot is keyed in the database: a daily schedule runs at most once per run date; a cron
// schedule, which may fire several times a day, once per fire instant.
enum class SlotKey { kRunDate, kFireInstant };

// A slot of one schedule: its instant and the run date it stands for (its local date).
struct Slot {
  std::optional<TeamId> team;
  std::uint16_t pipeline = 0;  // in the configuration's list of pipelines
  SysTime at;
  Date run_date;
  SlotKey keyed_by = SlotKey::kRunDate;
  // What daylight saving did to this slot (dst_note()); empty on every other day.
  std::string schedule_note;
  // "YYYY-MM-DD" for daily slots, "YYYY-MM-DDTHH:MM:SSZ" for cron fires: both sort by time.
  std::string key() const {
    return keyed_by == SlotKey::kRunDate ? format_date(run_date) : format_utc_seconds(at);
  }
};

// The first slot of `schedule` strictly after `after`; std::nullopt only for a cron expression
// whose next fire lies beyond the year 9999.
std::optional<Slot> next_slot(const ScheduledTeam& schedule, SysTime after);

// The next `count` slots strictly after `after`, oldest first: what `plan` shows.
std::vector<Slot> upcoming_slots(const ScheduledTeam& schedule, SysTime after, int count);

// The instant after which a schedule's slots are still to be run, given the latest slot key
// recorded for it (RunStore::last_slot_keys()): a daily schedule's run date is done once it has a
// slot recorded, whatever its run time is now; a cron schedule is done up to that fire.
SysTime done_until(const ScheduledTeam& schedule, const std::string& last_slot_key);

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
// O(log n) whatever the number of teams, and a schedule is kept compact. Not
// thread-safe: the service calls it from its loop.
class Scheduler {
 public:
  explicit Scheduler(std::chrono::seconds misfire_grace) : grace_(misfire_grace) {}

  // Replaces every schedule (start-up, reschedule). `done` maps a schedule to the latest slot key
  // recorded for it (a run date or a fire instant): slots up to it never run again. Slots already
  // due since then (the service was down, or a run time moved into the past) are coalesced per
  // schedule into one action: a catch-up run when the latest is within the grace window, else
  // one missed record.
  std::vector<Action> load(const std::vector<ScheduledTeam>& teams,
                           const std::map<ScheduleKey, std::string>& done, SysTime now);

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
  // What is kept of a ScheduledTeam: what finding its next slot takes, and no more (a service
  // keeps one per team for as long as it runs).
  struct Schedule {
    std::int64_t team;  // team_key(): 0 for the general run
    const date::time_zone* zone;
    std::int32_t run_time;   // seconds since midnight
    std::uint32_t cron;      // its expression in crons_, or kDaily
    std::uint16_t pipeline;  // ScheduledTeam::pipeline
    DstPolicy dst;           // ScheduledTeam::dst
  };
  static constexpr std::uint32_t kDaily = std::numeric_limits<std::uint32_t>::max();

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
  std::optional<Slot> next_slot_of(const Schedule& s, SysTime after) const;
  Slot slot_of(const Entry& e) const;

  std::chrono::seconds grace_;
  std::vector<Schedule> schedules_;
  // Each distinct expression once: teams that follow scheduler.default_cron share it.
  std::vector<CronExpression> crons_;
  std::priority_queue<Entry, std::vector<Entry>, std::greater<>> queue_;
};

}  // namespace orch
