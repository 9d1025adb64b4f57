#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "config/config.h"
#include "orchestrator/core/run_target.h"
#include "orchestrator/core/team_schedules.h"

namespace orch {

// The run targets of the scheduled teams' and the general run's pipelines, by ScheduleKey: what
// the service hands the run of a slot or a retry. A service holds them for as long as it runs, so
// each is kept as its owner's identity (team, name, zone) and a shape shared with the others of
// its pipeline that have nothing of their own (every other field of RunTarget, whole). Not
// thread-safe: the service's loop owns it.
class TeamTargets {
 public:
  // Replaces every target with those of `resolved` (for a key given twice, the last).
  void assign(const std::vector<ResolvedTeam>& resolved);

  // The target of the schedule `key`, as it was resolved; std::nullopt when it is not scheduled.
  std::optional<RunTarget> find(const ScheduleKey& key) const;

  std::size_t size() const { return entries_.size(); }

 private:
  struct Entry {
    ScheduleKey key;
    const date::time_zone* zone;
    std::uint32_t name_at;  // in names_
    std::uint32_t name_size;
    std::uint32_t shape;  // in shapes_
  };

  std::vector<Entry> entries_;     // by key
  std::vector<RunTarget> shapes_;  // RunTargets without their identity, each distinct once
  std::string names_;              // every name, one after the other
};

}  // namespace orch
