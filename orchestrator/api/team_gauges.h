#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "config/config.h"
#include "orchestrator/schedule/scheduler.h"
#include "orchestrator/store/run_queries.h"

namespace orch::api {

// The gauges of one scheduled team (or the general run) and pipeline at one instant.
struct TeamGauges {
  std::optional<TeamId> team;  // std::nullopt: the general run
  std::uint16_t pipeline = 0;  // in the configuration's list of pipelines
  std::optional<SysTime> last_success;
  std::optional<SysTime> next_run;
  bool overdue = false;
};

// Pure: the gauges of `schedule` at `now`, from what the database says of its completed runs.
// A team is overdue while its latest slot (at or before `now`, after it became active) has no
// completed run and that slot's deadline, slot + misfire grace + pipeline timeout, has passed:
// from the deadline until the next slot takes over, not the next day.
TeamGauges team_gauges(const ScheduledTeam& schedule, const TeamRunSummary* completed,
                       std::chrono::seconds misfire_grace, std::chrono::seconds timeout,
                       SysTime now);

// The latest slot of `schedule` at or before `now` (std::nullopt when there is none within a
// year) and the first one after it.
struct SlotsAround {
  std::optional<Slot> previous;
  std::optional<Slot> next;
};
SlotsAround slots_around(const ScheduledTeam& schedule, SysTime now);

}  // namespace orch::api
