#include "orchestrator/core/run_pipelines.h"

#include <utility>

#include "config/base/log.h"

namespace orch {

PipelineSetups::PipelineSetups(const config::Config& config) {
  bool warned = false;
  for (const config::NamedPipeline& named : config.pipelines) {
    PipelineSetup p{&named, std::nullopt};
    const config::Config view = config::with_pipeline(config, named);
    // Fails closed: an isolation that is required but unavailable fails each run with the
    // reason.
    auto isolation = pipeline::settle_isolation(view);
    if (!isolation || isolation->kind == config::Isolation::kLandlock) {
      p.sandbox.emplace(view);
    } else if (named.settings.isolation == config::Isolation::kLandlock && !warned) {
      warned = true;
      log::warn("isolation_unavailable",
                {{"reason", isolation->reason},
                 {"effect",
                  "pipelines run without a sandbox: each can read and write whatever "
                  "this service can"}});
    }
    setups_.push_back(std::move(p));
  }
}

const PipelineSetup* PipelineSetups::find(const std::string& name) const {
  for (const PipelineSetup& p : setups_) {
    if (p.named->name == name) {
      return &p;
    }
  }
  return nullptr;
}

}  // namespace orch
