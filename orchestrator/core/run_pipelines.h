#pragma once

#include <optional>
#include <string>
#include <vector>

#include "config/config.h"
#include "pipeline/isolation.h"

namespace orch {

// One configured pipeline as runs use it: its settings and its sandbox (unset: it runs without
// one).
struct PipelineSetup {
  const config::NamedPipeline* named = nullptr;
  std::optional<pipeline::SandboxPlan> sandbox;

  const config::PipelineConfig& settings() const { return named->settings; }
};

// Every configured pipeline's setup, in the order of config.pipelines, made once at start.
// Immutable after construction, so any thread may read it.
class PipelineSetups {
 public:
  // Settles each pipeline's isolation; an isolation that is required but unavailable fails each
  // run with the reason (fails closed), and one that is only preferred is warned about once.
  explicit PipelineSetups(const config::Config& config);

  // The pipeline named `name`; null when the configuration has none.
  const PipelineSetup* find(const std::string& name) const;

 private:
  std::vector<PipelineSetup> setups_;
};

}  // namespace orch
