#pragma once

#include <filesystem>

#include "pipeline/bounded_log.h"
#include "pipeline/process_guardian.h"
#include "pipeline/process_launcher.h"
#include "pipeline/stop_signal.h"

namespace orch::pipeline {

// Runs one pipeline, program `exe` (resolved from spec.argv[0]), from its spawn to the last byte
// of its output, on the calling thread (launcher-internal): ProcessLauncher::run's contract once
// the command, the working folder and the log are known to be good. Its output goes to `log`,
// which is finished on return. `guardian` may be null. No process of the run's group is left when
// it returns, or when it throws.
ProcessOutcome run_process(const ProcessSpec& spec, const std::filesystem::path& exe,
                           BoundedLog& log, ProcessGuardian* guardian, StopSignal& stop);

}  // namespace orch::pipeline
