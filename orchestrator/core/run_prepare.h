#pragma once

#include <filesystem>
#include <optional>

#include "config/base/clock.h"
#include "config/base/run_records.h"
#include "orchestrator/core/run_pipelines.h"
#include "orchestrator/core/run_readiness.h"
#include "orchestrator/core/run_target.h"
#include "orchestrator/store/run_store.h"
#include "pipeline/process_launcher.h"
#include "pipeline/stop_signal.h"
#include "pipeline/team_tree.h"

namespace orch {

// Where a run's files are, once its owner's folders are prepared.
struct RunFiles {
  pipeline::RunFolders folders;       // the owner's
  std::filesystem::path run_dir;      // <runs_dir>/<run_id>: the run's own folder
  std::filesystem::path result_file;  // the pipeline's RESULT_FILE, in run_dir
};

// Whether pipeline.skip_unchanged may skip the run (run --force: it may not).
enum class Force { kNo, kYes };

// The prepare stage's input: a claimed run and what preparing it reads.
struct PrepareInput {
  const RunRecord& run;  // its row, `running`
  const RunTarget& target;
  const PipelineSetup* pipeline;  // the target's; null when the configuration has none
  const pipeline::TeamTree& tree;
  const RunReadiness& readiness;  // the upstreams' output folders
  RunStore& runs;                 // pipeline.skip_unchanged compares with the last run
  const Clock& clock;
  pipeline::StopSignal& stop;  // ends the snapshot of the inputs early
  Force force = Force::kNo;
};

// The prepare stage's output, the launch stage's input: the processes to start, or, when the run
// ended before any could, how it ended.
struct PreparedRun {
  // The run's end as it stands: failed until its pipeline completes; inputs and log filled in.
  RunFinish end;
  std::optional<RunFiles> files;                   // unset: the folders could not be prepared
  std::optional<pipeline::ProcessSpec> condition;  // pipeline.condition's process, when set
  std::optional<pipeline::ProcessSpec> process;    // unset: the run ended here (`end` says how)
};

// The prepare stage: the owner's folders and the run's own, the snapshot of its inputs (and
// pipeline.skip_unchanged's decision), its manifest and result file, and the processes' argv,
// environment, sandbox and timeout. The pipeline's environment holds only what the protocol
// names and a few inherited variables, never the service's secrets.
PreparedRun prepare_run(const PrepareInput& input);

}  // namespace orch
