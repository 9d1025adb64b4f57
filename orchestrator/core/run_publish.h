#pragma once

#include <cstddef>

#include "orchestrator/core/run_result.h"
#include "orchestrator/store/run_store.h"

namespace orch {

// The publish stage's input.
struct PublishInput {
  EndedRun ended;
  std::size_t keep_runs = 0;  // paths.keep_runs: how many run folders an owner keeps
};

// The publish stage: a completed run's outputs become the owner's published ones (a run whose
// outputs cannot be published fails: readers still see the previous ones); an owner without
// published outputs gets empty folders; old run folders are pruned. Returns the run's end, to be
// recorded.
RunFinish publish_run(PublishInput input);

}  // namespace orch
