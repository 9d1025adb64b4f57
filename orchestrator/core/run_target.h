#pragma once

#include <chrono>
#include <optional>
#include <string>
#include <vector>

#include "config/base/ids.h"
#include "config/base/run_records.h"
#include "config/base/time.h"
#include "config/config.h"

namespace orch {

// Who a run is for, resolved from the team's row and the defaults: a team (or the general run)
// and one of its pipelines.
struct RunTarget {
  std::optional<TeamId> team;
  std::string pipeline{kDefaultPipeline};  // a name in config.pipelines
  std::string name;
  const date::time_zone* zone = nullptr;
  // The team's own notification recipients; empty: the configured ones.
  std::vector<std::string> email_to;
  std::string slack_webhook;
  config::RetryConfig retry;  // the pipeline's retry.*, with the team's own overrides (daily)
  // The runs of the same run date it waits for (teams update --after; daily pipeline).
  std::vector<Upstream> upstreams;
  // The team's own wait_for_inputs_seconds (daily pipeline); unset: the pipeline's.
  std::optional<std::chrono::seconds> wait_for_inputs;
  // teams --overlap buffer-one: a slot that finds the previous run going waits for it to end.
  bool buffer_one = false;
  friend bool operator==(const RunTarget&, const RunTarget&) = default;
};

}  // namespace orch
