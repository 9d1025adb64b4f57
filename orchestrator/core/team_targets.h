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
// they are kept compact: the name's characters and a few words per schedule, plus, for the few
// that have them, their own recipients and retry settings. Not thread-safe: the service's loop
// owns it.
class TeamTargets {
 public:
  // Replaces every target with those of `resolved` (for a key given twice, the last).
  // `pipelines` are the configured ones: their names and the retry policy a team without
  // overrides follows.
  void assign(const std::vector<ResolvedTeam>& resolved,
              const std::vector<config::NamedPipeline>& pipelines);

  // The target of the schedule `key`; std::nullopt when it is not scheduled.
  std::optional<RunTarget> find(ScheduleKey key) const;

  std::size_t size() const { return entries_.size(); }

 private:
  struct Entry {
    ScheduleKey key;
    const date::time_zone* zone;
    std::uint32_t name_at;  // in names_
    std::uint32_t name_size;
    std::uint32_t extra;  // in extras_, or kNone
  };
  // What few teams have: their own recipients, retry settings, upstreams, waiting window.
  struct Extra {
    std::vector<std::string> email_to;
    std::string slack_webhook;
    config::RetryConfig retry;
    std::vector<Upstream> upstreams;
    std::optional<std::chrono::seconds> wait_for_inputs;
    bool buffer_one = false;
  };
  static constexpr std::uint32_t kNone = UINT32_MAX;

  std::vector<Entry> entries_;  // by key
  std::vector<Extra> extras_;
  std::string names_;  // every name, one after the other
  struct Pipeline {
    std::string name;
    config::RetryConfig retry;
  };
  std::vector<Pipeline> pipelines_;  // by ScheduleKey::pipeline
};

}  // namespace orch
