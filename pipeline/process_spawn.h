#pragma once

#include <sys/types.h>

#include <filesystem>
#include <string>

#include "config/base/result.h"
#include "pipeline/process_guardian.h"
#include "pipeline/process_launcher.h"

namespace orch::pipeline {

// Starts the leader of one pipeline run with posix_spawn (launcher-internal): program `exe` with
// the spec's exact argv (argv[0] as written) and exact environment, nothing inherited; stdin from
// /dev/null, stdout and stderr into `output_fd`; a process group of its own; the spec's working
// folder; every signal at its default and none blocked; no descriptor beyond 0, 1 and 2. A
// sandboxed run starts the spec's helper instead, with the Landlock ruleset as descriptor 3.
// `guardian` (may be null) is told of `run_id` before the spawn, so that it finds the pipeline by
// its marker should this process die before the caller tells it the group.
// Returns the leader's pid, which is also its group's id. Fails with the one-line reason the run
// reports (kUnavailable).
Result<pid_t> spawn_leader(const ProcessSpec& spec, const std::filesystem::path& exe, int output_fd,
                           ProcessGuardian* guardian, const std::string& run_id);

}  // namespace orch::pipeline
