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
#include "orchestrator/store/records.h"

namespace date {
class time_zone;
}

namespace orch {

// One schedule to keep: a team (or the general run) with its resolved run time and zone.
struct ScheduledTeam {
  std::optional<TeamId> team;
  std::string name;
  TimeOfDay run_time;
  const date::time_zone* zone = nullptr;
  SysTime active_since;  // slots at or before this instant are none of its business
};

// A slot of one schedule: its instant and the run date it stands for. A daily schedule runs at
// most once per run date, so the run date is the slot's key in the database.
struct Slot {
  std::optional<TeamId> team;
  SysTime at;
  Date run_date;
  std::string key() const { return format_date(run_date); }
};

enum class ActionKind {
  kStartRun,      // start a run for the slot (if it can start within the grace window)
  kRecordMissed,  // record the slot as missed: it is past the grace window
};

struct Action {
  ActionKind kind = ActionKind::kStartRun;
  Slot slot;
  Trigger trigger = Trigger::kSchedule;
  int slots = 1;  // how many missed slots this one action stands for (coalesced)
};

// The scheduling core: a state machine with no I/O and no clock of its own. The service hands it
// the teams, what the database has recorded and `now`; it answers with actions and the next
// instant it wants to be woken at. One timer queue (a heap) holds every schedule, so a wake costs
// O(log n) whatever the number of teams. Not thread-safe: the service calls it from its loop.
class Scheduler {
 public:
  explicit Scheduler(std::chrono::seconds misfire_grace) : grace_(misfire_grace) {}

  // Replaces every schedule (start-up, reschedule). `done` maps a team key to the latest run date
  // recorded for it: slots up to that date never run again. Slots already due since then (the
  // service was down, or a run time moved into the past) are coalesced per team into one action:
  // a catch-up run when the latest is within the grace window, else one missed record.
  std::vector<Action> load(const std::vector<ScheduledTeam>& teams,
                           const std::map<std::int64_t, std::string>& done, SysTime now);

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
  struct Entry {
    SysTime at;
    Date run_date;
    std::size_t schedule;
    bool operator>(const Entry& other) const {
      return at != other.at ? at > other.at : schedule > other.schedule;
    }
  };

  Action decide(std::size_t schedule, SysTime at, Date run_date, SysTime now, Trigger trigger,
                int slots) const;

  std::chrono::seconds grace_;
  std::vector<ScheduledTeam> schedules_;
  std::priority_queue<Entry, std::vector<Entry>, std::greater<>> queue_;
};

}  // namespace orch
