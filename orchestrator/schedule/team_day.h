#pragma once

#include <chrono>
#include <cstddef>
#include <optional>
#include <span>
#include <string>
#include <vector>

#include "config/base/run_records.h"
#include "config/base/time.h"
#include "orchestrator/schedule/scheduler.h"

namespace orch {

// Why a team-day has no run of its own, when it has none. A day with runs takes the status of
// the run that decides it (to_string(RunStatus)).
namespace day_outcome {
inline constexpr const char* kNotDueYet = "not_due_yet";
inline constexpr const char* kOverdue = "overdue";
inline constexpr const char* kPaused = "paused";
inline constexpr const char* kInactive = "inactive";
inline constexpr const char* kBeforeTeamExisted = "before_team_existed";
inline constexpr const char* kNoFireThatDay = "no_fire_that_day";
inline constexpr const char* kMissed = "missed";
}  // namespace day_outcome

// A stretch of time in which an owner was not scheduled, and why: from the audit log's pauses
// and deactivations when it has them, else from the owner's state now.
struct StateSpan {
  enum class State { kPaused, kInactive };
  // What `from` is: the pause or deactivation itself, or (approximate) the owner's last change.
  enum class Start { kExact, kLastChange };
  State state = State::kPaused;
  SysTime from;
  std::optional<SysTime> until;  // unset: still so
  std::string note;              // the pause note, if any
  Start start = Start::kExact;
};

// One change of an owner's state, as the audit log records it (oldest first): an `action` ending
// in ".pause", ".resume", ".deactivate" or ".activate" (others are ignored), and the pause note.
struct StateChange {
  SysTime at;
  std::string action;
  std::string note;
};

// The paused and inactive stretches those changes make: a pause lasts until the next resume, a
// deactivation until the next activation; one still open has no end.
std::vector<StateSpan> spans_from_changes(const std::vector<StateChange>& changes);

// A stretch of time in which some service is known to have been alive: a registered service
// from its start to its last heartbeat, or a run some service recorded.
struct ServiceSighting {
  SysTime from;
  SysTime until;
  std::string instance;
};

// Everything the classification of one owner's (a team's or the general run's pipeline) local
// date needs, read beforehand: no I/O happens in classify_team_day().
struct TeamDayFacts {
  const ScheduledTeam* schedule = nullptr;  // its schedule as resolved now
  Date date;                                // a local date in the schedule's zone
  SysTime now;
  std::chrono::seconds misfire_grace{0};
  std::chrono::seconds timeout{0};
  // When the owner came to be: the team's creation; for the general run, the database's.
  SysTime existed_since;
  std::vector<StateSpan> not_scheduled;
  std::span<const RunRecord> runs;  // the owner's runs of this run date, in any order
  std::span<const ServiceSighting> sightings;
};

// One team-day explained: its outcome (a run status, or one of the constants above), one line
// saying why (empty when the outcome says it all), the run that decides it, and the day's slots.
struct TeamDay {
  std::string outcome;
  std::string reason;
  std::optional<RunId> run_id;
  std::vector<Slot> slots;
};

// The slots of `schedule` whose local date is `date`, oldest first, at most `limit`: none for a
// cron expression that does not fire that day or a run time that daylight saving skips
// (dst_skipped = skip); one for a daily run time; a cron expression's fires.
std::vector<Slot> day_slots(const ScheduledTeam& schedule, Date date, std::size_t limit);

// Pure: what happened to the owner on its local date, and why. A day with runs is decided by a
// completed run if it has one, else by a run still going (running, waiting), else by its latest
// run. A day without runs is, in this order: no_fire_that_day, before_team_existed, paused or
// inactive (a span of `not_scheduled`, or a slot before the schedule in force began),
// not_due_yet (its slot is ahead, or its deadline, slot + misfire grace + timeout, is),
// overdue (the deadline passed and no later slot took over yet), else missed, with the outage
// the sightings show.
TeamDay classify_team_day(const TeamDayFacts& facts);

// How a schedule is written in the API and the CLI: "daily 06:00:00" or "cron 0 6 * * 1-5".
std::string schedule_text(const ScheduledTeam& schedule);

}  // namespace orch
