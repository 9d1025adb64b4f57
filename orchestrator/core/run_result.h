#pragma once

#include <optional>

#include "orchestrator/core/run_launch.h"
#include "orchestrator/core/run_prepare.h"
#include "orchestrator/store/run_store.h"

namespace orch {

// The read-result stage's output, the publish stage's input: how the run ended, its files.
struct EndedRun {
  RunFinish end;
  std::optional<RunFiles> files;  // unset: the folders could not be prepared
  bool pipeline_ran = false;      // the pipeline's process was started
};

// The read-result stage: the run's status and exit code from how its process ended, and the
// metrics its pipeline wrote to RESULT_FILE. A RESULT_FILE that is not one JSON object is
// ignored, with a warning in the run's error and the log; an empty one means no metrics.
EndedRun read_result(LaunchedRun launched);

}  // namespace orch
