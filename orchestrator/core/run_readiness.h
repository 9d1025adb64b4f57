#pragma once

#include <chrono>
#include <filesystem>
#include <optional>
#include <string>
#include <vector>

#include "config/base/clock.h"
#include "config/base/time.h"
#include "config/config.h"
#include "orchestrator/core/run_pipelines.h"
#include "orchestrator/core/run_target.h"
#include "orchestrator/store/run_store.h"
#include "pipeline/input_discovery.h"
#include "pipeline/team_tree.h"

namespace orch {

// The pipeline's required-input patterns with their run-date fields filled in.
Result<std::vector<std::string>> required_inputs(const config::PipelineConfig& settings,
                                                 Date run_date);

// Whether a target's run may start: its upstreams' runs and its inputs. Reads the run history
// and the input folders, writes nothing. Thread-safe.
class RunReadiness {
 public:
  RunReadiness(const config::Config& config, RunStore& runs, const pipeline::TeamTree& tree,
               const PipelineSetups& pipelines, const Clock& clock)
      : config_(config), runs_(runs), tree_(tree), pipelines_(pipelines), clock_(clock) {}

  // Whether the target's run of `run_date` may start: its upstreams' runs of that date completed
  // and, when it waits for inputs, its inputs ready.
  Result<pipeline::Readiness> check_ready(const RunTarget& target, Date run_date) const;
  // The folder the target's inputs land in, when it waits for inputs; std::nullopt when it does
  // not wait for files or the folder cannot be made.
  std::optional<std::filesystem::path> input_folder(const RunTarget& target) const;
  // How long a scheduled run of the target waits for its inputs (0: it does not).
  std::chrono::seconds wait_for_inputs(const RunTarget& target) const;
  // How long, from its slot, a scheduled run of the target may wait at most: for its inputs, and
  // for its upstreams (a day when it has upstreams and no wait for inputs of its own).
  std::chrono::seconds waiting_window(const RunTarget& target) const;
  // The published output folders of the target's upstreams, for UPSTREAM_OUTPUT_DIRS.
  std::string upstream_output_dirs(const RunTarget& target) const;

 private:
  // What the target's upstreams' runs of `run_date` still lack, or why they never will complete.
  Result<pipeline::Readiness> check_upstreams(const RunTarget& target, Date run_date) const;
  // Whether the target's inputs of `run_date` are ready (the input side of check_ready()).
  Result<pipeline::Readiness> check_inputs(const RunTarget& target,
                                           const config::PipelineConfig& settings,
                                           Date run_date) const;

  const config::Config& config_;
  RunStore& runs_;
  const pipeline::TeamTree& tree_;
  const PipelineSetups& pipelines_;
  const Clock& clock_;
};

}  // namespace orch
