#include "orchestrator/core/run_publish.h"

#include <utility>

#include "config/base/log.h"
#include "pipeline/run_outputs.h"

namespace orch {

RunFinish publish_run(PublishInput input) {
  RunFinish end = std::move(input.ended.end);
  if (!input.ended.files) {
    return end;
  }
  const RunFiles& files = *input.ended.files;
  if (input.ended.pipeline_ran) {
    if (end.status == RunStatus::kCompleted) {
      if (Status published = pipeline::publish_outputs(files.folders, files.run_dir); !published) {
        // Readers still see the previous outputs: the run did not deliver.
        end.status = RunStatus::kFailed;
        end.error = "outputs not published: " + published.error().message;
      }
    }
    if (Status pruned = pipeline::prune_run_folders(files.folders, input.keep_runs); !pruned) {
      log::warn("run_folders_not_pruned",
                {{"run_id", end.run_id}, {"reason", pruned.error().message}});
    }
  }
  if (end.status != RunStatus::kCompleted) {
    if (Status made = pipeline::ensure_output_folders(files.folders); !made) {
      log::warn("output_folders_not_created",
                {{"run_id", end.run_id}, {"reason", made.error().message}});
    }
  }
  return end;
}

}  // namespace orch
