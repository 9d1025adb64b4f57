#pragma once

#include <optional>

#include "config/base/clock.h"
#include "orchestrator/core/run_prepare.h"
#include "pipeline/process_launcher.h"
#include "pipeline/stop_signal.h"

namespace orch {

// The launch stage's input.
struct LaunchInput {
  PreparedRun prepared;
  pipeline::ProcessLauncher& launcher;
  pipeline::StopSignal& stop;  // a timeout, a stop of the service or an operator's cancel
  const Clock& clock;
};

// The launch stage's output, the read-result stage's input.
struct LaunchedRun {
  RunFinish end;  // as prepared; completed_at set once the process ended
  std::optional<RunFiles> files;
  // How the pipeline's process ended; unset when it never started (the run ended before: `end`
  // says how).
  std::optional<pipeline::ProcessOutcome> process;
};

// The launch stage, where a run's processes start: pipeline.condition first when it is set
// (exit 0: the pipeline runs; exit 100: the run is skipped, the first line of its log saying
// why; else the run ends as the condition did), then the pipeline. Blocks until they end.
LaunchedRun launch_run(LaunchInput input);

}  // namespace orch
