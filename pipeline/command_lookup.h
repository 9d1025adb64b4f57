#pragma once

#include <filesystem>

#include "config/base/result.h"
#include "pipeline/process_launcher.h"

namespace orch::pipeline {

// Finds the file the pipeline's argv[0] names, the way execvp would in the child: through the
// child's own PATH and from its working folder. A missing or non-executable command gives a
// kNotFound or kInvalidArgument error that names it, so the run fails with a clear line before
// anything is forked.
Result<std::filesystem::path> resolve_command(const ProcessSpec& spec);

}  // namespace orch::pipeline
